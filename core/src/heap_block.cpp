// HeapBlock: owner record and bytes in one heap allocation.
#include "heap_block.hpp"

#include <cstdlib>
#include <new>

#include "arena/check.hpp"

namespace arena::detail {
namespace {

constexpr std::size_t kHeaderBytes = (sizeof(HeapBlock) + 15) / 16 * 16;

void heap_block_last_release(Owner* owner, const std::byte*, std::uint64_t) noexcept {
  HeapBlock* block = HeapBlock::from_owner(owner);
  block->~HeapBlock();
  ::operator delete(static_cast<void*>(block));
}
void heap_block_not_arena(Owner*, std::uint64_t) noexcept {}
void heap_block_no_external(Owner*, const std::byte*, std::uint64_t) noexcept {
  ARENA_CHECK(false, "heap block: external reference count used on a heap owner");
}

const OwnerOps kHeapBlockOps{&heap_block_last_release, &heap_block_not_arena, &heap_block_last_release,
                             &heap_block_no_external, &heap_block_no_external};

}  // namespace

HeapBlock* HeapBlock::create(std::size_t capacity) {
  if (capacity > static_cast<std::size_t>(-1) - kHeaderBytes) throw std::bad_alloc();
  void* memory = ::operator new(kHeaderBytes + capacity);
  auto* block = ::new (memory) HeapBlock{};
  block->owner.refs.store(1, std::memory_order_relaxed);
  block->owner.ops = &kHeapBlockOps;
  block->capacity = capacity;
  return block;
}

std::byte* HeapBlock::data() noexcept { return reinterpret_cast<std::byte*>(this) + kHeaderBytes; }

HeapBlock* HeapBlock::from_owner(Owner* owner) noexcept {
  // `owner` is the first member of a standard-layout HeapBlock, so the addresses coincide.
  static_assert(offsetof(HeapBlock, owner) == 0);
  return reinterpret_cast<HeapBlock*>(owner);
}

}  // namespace arena::detail

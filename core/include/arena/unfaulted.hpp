// Unfaulted<A>: an arena built without touching its pages, so that the caller decides which thread
// (and hence which NUMA node) places them [R-POL-5].
//
//   auto u = FixedArena::with_slot_capacity(1024, 4096).build_unfaulted().value();
//   FixedArena a = std::move(u).fault_pages();   // prefault on this (pinned) thread
//   FixedArena b = std::move(u2).into_inner();   // no prefault: first touch places pages
#pragma once

#include <cstddef>
#include <utility>

#include "arena/error.hpp"

namespace arena {

namespace detail {
// Writes one zero byte at offsets 0, page, 2*page, ... below `size` (nothing if page == 0).
void prefault(std::byte* base, std::size_t size, std::size_t page) noexcept;
struct UnfaultedTag {};
}  // namespace detail

template <class A>
class Unfaulted {
 public:
  // For the builders: `base`/`size` is the arena's backing memory, `page` the prefault stride.
  Unfaulted(detail::UnfaultedTag, A arena, std::byte* base, std::size_t size, std::size_t page) noexcept
      : arena_(std::move(arena)), base_(base), size_(size), page_(page) {}

  // Prefaults every page on the calling thread (nothing when the page size is unknown), then
  // returns the arena.
  A fault_pages() && {
    detail::prefault(base_, size_, page_);
    return std::move(arena_);
  }
  // Returns the arena untouched: pages are placed by whichever thread first writes them.
  A into_inner() && { return std::move(arena_); }
  // Unwraps without faulting and allocates once: the arena with its first buffer, or the error.
  template <class... Args>
  auto allocate(Args&&... args) &&
      -> Result<std::pair<A, typename decltype(std::declval<A&>().allocate(std::declval<Args>()...))::value_type>> {
    auto buffer = arena_.allocate(std::forward<Args>(args)...);
    if (!buffer) return buffer.error();
    return std::pair{std::move(arena_), std::move(buffer).value()};
  }

 private:
  A arena_;
  std::byte* base_;
  std::size_t size_;
  std::size_t page_;
};

}  // namespace arena

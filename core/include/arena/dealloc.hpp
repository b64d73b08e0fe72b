// Dealloc: how an arena built over caller memory (from_raw) gives that memory back [R-RAW-4].
//
// A move-only, one-shot `free(ptr, len)` owned by the arena. It runs exactly once, when the last
// owner of the arena's state goes away (arena copies, live Buffers, Bytes), with the ORIGINAL
// pointer and length passed to from_raw. If build() fails it never runs: the caller still owns
// the memory.
#pragma once

#include <cstddef>
#include <memory>
#include <type_traits>
#include <utility>

namespace arena {

class Dealloc {
 public:
  // Any callable `void(void*, std::size_t)`; moved into the Dealloc (one small allocation).
  template <class F>
    requires(std::is_invocable_r_v<void, F&, void*, std::size_t> &&
             !std::is_same_v<std::remove_cvref_t<F>, Dealloc>)
  Dealloc(F f)  // NOLINT: implicit so that a lambda can be passed where a Dealloc is expected
      : erased_(std::make_unique<Holder<F>>(std::move(f))) {}

  // Frees with std::free: for memory from std::malloc, std::calloc or std::aligned_alloc.
  static Dealloc heap() noexcept;
  // Does nothing: the caller keeps ownership (static buffers, memory managed elsewhere).
  static Dealloc none() noexcept { return Dealloc(); }

  Dealloc(Dealloc&& other) noexcept
      : plain_(std::exchange(other.plain_, nullptr)), erased_(std::move(other.erased_)) {}
  Dealloc& operator=(Dealloc&& other) noexcept {
    plain_ = std::exchange(other.plain_, nullptr);
    erased_ = std::move(other.erased_);
    return *this;
  }
  Dealloc(const Dealloc&) = delete;
  Dealloc& operator=(const Dealloc&) = delete;
  ~Dealloc() = default;

  // Runs the strategy once; afterwards this Dealloc does nothing.
  void operator()(void* ptr, std::size_t len) && {
    if (auto erased = std::move(erased_)) (*erased)(ptr, len);
    if (auto plain = std::exchange(plain_, nullptr)) plain(ptr, len);
  }

 private:
  struct Erased {
    virtual ~Erased() = default;
    virtual void operator()(void* ptr, std::size_t len) = 0;
  };
  template <class F>
  struct Holder final : Erased {
    explicit Holder(F f) : fn(std::move(f)) {}
    void operator()(void* ptr, std::size_t len) override { fn(ptr, len); }
    F fn;
  };
  struct PlainTag {};
  Dealloc() noexcept = default;
  Dealloc(PlainTag, void (*plain)(void*, std::size_t)) noexcept : plain_(plain) {}

  void (*plain_)(void*, std::size_t) = nullptr;
  std::unique_ptr<Erased> erased_;
};

}  // namespace arena

// Policies shared by every arena builder: how fresh memory is initialised (InitPolicy) and the page
// size used to prefault backing memory at build time (PageSize).
//
// The one thing not to get wrong: InitPolicy::zero is a privacy guarantee, not only a convenience.
// Under it no byte written by a previous user of a slot or block is ever visible to the next one,
// and freed memory is wiped on return rather than on the next allocation [R-POL-1].
#pragma once

#include <cstddef>

namespace arena {

// How the bytes of a slot/block look when it is handed out [R-POL-1].
enum class InitPolicy {
  uninit,  // whatever was there; only bytes written through the Buffer are visible when frozen
  zero,    // every allocation is all zero; memory is wiped on return, before it is marked free
};

// Stride used to prefault (touch once per page) self-allocated backing memory at build [R-POL-2/3].
// Raw-backed arenas never prefault: caller memory is never written during build [R-POL-4].
class PageSize {
 public:
  // No prefault: nothing is touched at build; pages are placed by first touch.
  static constexpr PageSize unknown() noexcept { return PageSize(0); }
  // The operating system's page size; unknown() where it cannot be detected. The builders' default.
  static PageSize detect() noexcept;
  // An explicit stride in bytes (e.g. 2 MiB for transparent huge pages). Zero makes build() fail
  // with Errc::invalid_argument.
  static constexpr PageSize bytes(std::size_t n) noexcept { return PageSize(n, true); }

  bool is_known() const noexcept { return bytes_ != 0; }
  // The stride in bytes; 0 when unknown.
  std::size_t value() const noexcept { return bytes_; }
  // True for bytes(0): an explicit stride that build() rejects.
  bool is_invalid() const noexcept { return explicit_ && bytes_ == 0; }

  friend constexpr bool operator==(PageSize, PageSize) noexcept = default;

 private:
  constexpr explicit PageSize(std::size_t n, bool is_explicit = false) noexcept : bytes_(n), explicit_(is_explicit) {}
  std::size_t bytes_;
  bool explicit_;
};

}  // namespace arena

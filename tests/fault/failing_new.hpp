// An interposed allocator for fault-injection tests: every global operator new/delete (all forms)
// is replaced by malloc/free plus a countdown that makes the Nth allocation from now fail, the way
// a heap that is out of memory would: the throwing forms throw std::bad_alloc, the nothrow forms
// return nullptr. It also counts live allocations (news minus deletes), so a test can show that a
// failure leaked nothing. Not for sanitizer builds (they own the allocator; like alloc_count).
#pragma once

#include <cstdint>

namespace arena::test::fault {

// The allocation after `n` more successful ones fails (0: the very next one); the countdown then
// disarms itself. Counts allocations of every thread.
void fail_after(std::uint64_t n) noexcept;
// Stops a pending failure.
void disarm() noexcept;
// True while a failure is pending (it did not happen yet).
bool armed() noexcept;
// Allocations that were made to fail so far.
std::uint64_t failures() noexcept;
// operator new calls that returned memory minus operator delete calls with a non-null pointer.
std::int64_t live_allocations() noexcept;

// RAII: arms on construction (fail_after(n)), disarms on destruction.
class FailAfter {
 public:
  explicit FailAfter(std::uint64_t n) noexcept { fail_after(n); }
  FailAfter(const FailAfter&) = delete;
  FailAfter& operator=(const FailAfter&) = delete;
  ~FailAfter() { disarm(); }
};

}  // namespace arena::test::fault

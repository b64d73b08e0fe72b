// doctest main of arena_core_tests (each test case also runs alone: ctest passes --test-case).
//
// Under sanitizers the out-of-memory build test asks for more memory than exists; sanitizer
// allocators abort on that by default, so the binary sets allocator_may_return_null (environment
// options still apply on top of these defaults).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#ifdef ARENA_SANITIZED
extern "C" const char* __asan_default_options();
extern "C" const char* __asan_default_options() { return "allocator_may_return_null=1"; }
extern "C" const char* __tsan_default_options();
extern "C" const char* __tsan_default_options() { return "allocator_may_return_null=1"; }
#endif

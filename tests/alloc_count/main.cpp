// doctest main of arena_alloc_count_tests (the counting operator new/delete live in
// counting_new.cpp and replace the global ones for this whole executable).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

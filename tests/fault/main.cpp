// doctest main of arena_fault_tests (the failing operator new/delete live in failing_new.cpp and
// replace the global ones for this whole executable).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

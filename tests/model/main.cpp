// doctest main of arena_model_tests (label "model"): long randomized runs against reference models,
// kept apart from the unit tests so that `ctest -L unit` stays fast and `ctest -L model` can be
// run (or skipped) on its own.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

// doctest main of arena_concurrency_tests (label "concurrency"; scripts run it under TSan, so every
// case is sized to stay within seconds there).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

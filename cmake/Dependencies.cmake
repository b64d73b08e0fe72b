# Third-party packages, all from Debian (scripts/setup.sh installs them). core needs none of them.
if(ARENA_BUILD_TESTS)
  find_package(doctest CONFIG REQUIRED)
endif()
if(ARENA_BUILD_MICROBENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()

# Third-party packages, all from Debian (scripts/setup.sh installs them). core needs none of them
# except hwloc for its optional NUMA part (ARENA_NUMA).
if(ARENA_NUMA)
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(HWLOC REQUIRED IMPORTED_TARGET hwloc)
endif()
if(ARENA_BUILD_TESTS)
  find_package(doctest CONFIG REQUIRED)
endif()
if(ARENA_BUILD_MICROBENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()

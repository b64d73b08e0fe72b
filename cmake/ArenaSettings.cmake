# INTERFACE targets carrying the project's compile settings, linked PRIVATE by every target:
#   arena_settings  - C++20, sanitizer flags (ARENA_SANITIZE), shared by all code of one build
#   arena_warnings  - -Wall -Wextra -Wpedantic and friends, -Werror when ARENA_WERROR
# Nothing here touches the global CMAKE_CXX_FLAGS.
add_library(arena_settings INTERFACE)
target_compile_features(arena_settings INTERFACE cxx_std_20)
set(CMAKE_CXX_EXTENSIONS OFF)

if(ARENA_SANITIZE STREQUAL "address")
  set(_arena_san_flags -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
elseif(ARENA_SANITIZE STREQUAL "thread")
  set(_arena_san_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT ARENA_SANITIZE STREQUAL "")
  message(FATAL_ERROR "ARENA_SANITIZE must be '', 'address' or 'thread', not '${ARENA_SANITIZE}'")
endif()
if(_arena_san_flags)
  target_compile_options(arena_settings INTERFACE ${_arena_san_flags})
  target_link_options(arena_settings INTERFACE ${_arena_san_flags})
  target_compile_definitions(arena_settings INTERFACE ARENA_SANITIZED=1)
endif()

add_library(arena_warnings INTERFACE)
target_compile_options(arena_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wconversion -Wsign-conversion -Wnull-dereference -Wdouble-promotion
  -Wformat=2 -Wimplicit-fallthrough
  $<$<BOOL:${ARENA_WERROR}>:-Werror>
  # GCC 12 at -O3 (Release) reports these inside inlined
  # libstdc++ code (std::string's memcpy, std::optional<T>'s storage, vectors next to a replaced
  # operator new) where nothing is wrong (GCC bugs 105329, 105651 and relatives). They stay
  # warnings, visible, but do not fail the build.
  $<$<CXX_COMPILER_ID:GNU>:-Wno-error=restrict -Wno-error=array-bounds -Wno-error=maybe-uninitialized -Wno-error=mismatched-new-delete>)


# arena_check_headers(TARGET DIR): builds one translation unit per public header under DIR, so every
# header stays self-contained (includes what it uses). Part of the default build (target
# <TARGET>_check_headers).
function(arena_check_headers target dir)
  file(GLOB_RECURSE headers RELATIVE ${dir} CONFIGURE_DEPENDS ${dir}/*.hpp)
  set(sources)
  foreach(header IN LISTS headers)
    string(MAKE_C_IDENTIFIER ${header} id)
    set(source ${CMAKE_CURRENT_BINARY_DIR}/check_headers/${id}.cpp)
    file(CONFIGURE OUTPUT ${source} CONTENT "#include \"${header}\"\n#include \"${header}\"\n")
    list(APPEND sources ${source})
  endforeach()
  add_library(${target}_check_headers OBJECT ${sources})
  target_link_libraries(${target}_check_headers PRIVATE ${target} arena_settings arena_warnings)
endfunction()

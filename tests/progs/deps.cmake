# The shared library deps_dlopen loads (tests/cases/deps*.sh copy and change it).
add_library(ewdep SHARED ${CMAKE_CURRENT_SOURCE_DIR}/progs/lib/ewdep.c)
set_target_properties(ewdep PROPERTIES OUTPUT_NAME ewdep
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/progs)
if(TARGET prog_deps_dlopen)
  add_dependencies(prog_deps_dlopen ewdep)
  target_link_libraries(prog_deps_dlopen PRIVATE ${CMAKE_DL_LIBS})
endif()
# The same library with another value: the "changed library" of the diff/check tests.
add_library(ewdep43 SHARED ${CMAKE_CURRENT_SOURCE_DIR}/progs/lib/ewdep.c)
target_compile_definitions(ewdep43 PRIVATE EWDEP_VALUE=43)
set_target_properties(ewdep43 PROPERTIES OUTPUT_NAME ewdep43
  LIBRARY_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/progs)
if(TARGET prog_deps_dlopen)
  add_dependencies(prog_deps_dlopen ewdep43)
endif()
if(EW_SANITIZE) # loaded by plain test programs (tests/CMakeLists.txt): plain too
  foreach(lib ewdep ewdep43)
    target_compile_options(${lib} PRIVATE -fno-sanitize=all)
    target_link_options(${lib} PRIVATE -fno-sanitize=all)
  endforeach()
endif()

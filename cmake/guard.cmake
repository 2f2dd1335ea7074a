# Exec guard (issue 5): policy engine needs libelf (ELF facts) and libcrypto (checksums).
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
target_link_libraries(ewcore PUBLIC PkgConfig::LIBELF PkgConfig::LIBCRYPTO)
target_include_directories(ewcore PUBLIC ${PROJECT_SOURCE_DIR}/src/policy)

# libFuzzer targets for the policy parser, the glob matcher and the ELF reader (fuzz/run.sh).
# Needs clang: CC=clang cmake -DEW_FUZZ=ON.
option(EW_FUZZ "Build the libFuzzer targets (clang)" OFF)
if(EW_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "EW_FUZZ needs clang (CC=clang)")
  endif()
  target_compile_options(ewcore PRIVATE -fsanitize=fuzzer-no-link,address,undefined)
  foreach(name policy glob elf)
    add_executable(fuzz_${name} ${PROJECT_SOURCE_DIR}/fuzz/fuzz_${name}.c)
    target_link_libraries(fuzz_${name} PRIVATE ewcore)
    target_compile_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer,address,undefined)
    set_target_properties(fuzz_${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/fuzz)
  endforeach()
endif()

# Variants of tests/progs/victim.c for the exec guard's ELF checks: static, non-PIE, and with an
# executable stack. Sanitizer runtimes do not link statically: build these plainly.
foreach(variant static nopie execstack)
  add_executable(prog_victim_${variant} ${CMAKE_CURRENT_SOURCE_DIR}/progs/victim.c)
  set_target_properties(prog_victim_${variant} PROPERTIES OUTPUT_NAME victim_${variant}
    RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/progs)
  target_compile_options(prog_victim_${variant} PRIVATE -Wno-missing-prototypes -fno-sanitize=all)
  target_link_options(prog_victim_${variant} PRIVATE -fno-sanitize=all)
endforeach()
target_link_options(prog_victim_static PRIVATE -static)
target_compile_options(prog_victim_nopie PRIVATE -fno-pie)
target_link_options(prog_victim_nopie PRIVATE -no-pie)
target_link_options(prog_victim_execstack PRIVATE -Wl,-z,execstack)
# LeakSanitizer cannot run in a traced process (it ptraces itself): the programs the guard tests
# run to completion under execwatch are built plainly.
foreach(t prog_victim prog_guard_escape)
  target_compile_options(${t} PRIVATE -fno-sanitize=all)
  target_link_options(${t} PRIVATE -fno-sanitize=all)
endforeach()

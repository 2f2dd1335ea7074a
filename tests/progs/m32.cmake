# 32-bit (i386) builds of some test programs, when the compiler can make them (gcc-multilib).
include(CheckCSourceCompiles)
set(CMAKE_REQUIRED_FLAGS "-m32")
check_c_source_compiles("int main(void){return 0;}" EW_HAVE_M32)
unset(CMAKE_REQUIRED_FLAGS)
if(EW_HAVE_M32)
  foreach(name exec_ok sys32)
    add_executable(prog_${name}_m32 ${CMAKE_CURRENT_SOURCE_DIR}/progs/${name}.c)
    set_target_properties(prog_${name}_m32 PROPERTIES OUTPUT_NAME ${name}_m32
      RUNTIME_OUTPUT_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/progs)
    target_compile_options(prog_${name}_m32 PRIVATE -m32 -Wno-missing-prototypes)
    target_link_options(prog_${name}_m32 PRIVATE -m32)
    # Sanitizers have no 32-bit runtime here: build these plainly.
    if(EW_SANITIZE)
      target_compile_options(prog_${name}_m32 PRIVATE -fno-sanitize=all)
      target_link_options(prog_${name}_m32 PRIVATE -fno-sanitize=all)
    endif()
  endforeach()
endif()

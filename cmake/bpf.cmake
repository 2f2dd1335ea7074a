# SPDX-License-Identifier: MIT
# The eBPF backend (src/bpf/): CO-RE programs compiled with clang, embedded with a bpftool
# skeleton, loaded with libbpf. EW_BPF=AUTO builds it when clang, bpftool, libbpf and the
# running kernel's BTF are there; ON makes their absence an error; OFF leaves it out (the CLI
# then says `--backend bpf` and `monitor` are not in this build).
set(EW_BPF_BUILT OFF)
if(NOT EW_BPF STREQUAL "OFF")
  find_program(EW_CLANG NAMES clang clang-14 clang-15 clang-16)
  find_program(EW_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
  pkg_check_modules(LIBBPF IMPORTED_TARGET libbpf)
  set(EW_BTF_FILE /sys/kernel/btf/vmlinux CACHE FILEPATH "Kernel BTF used to generate vmlinux.h")
  set(_missing "")
  if(NOT EW_CLANG)
    list(APPEND _missing clang)
  endif()
  if(NOT EW_BPFTOOL)
    list(APPEND _missing bpftool)
  endif()
  if(NOT LIBBPF_FOUND)
    list(APPEND _missing libbpf-dev)
  endif()
  if(NOT EXISTS ${EW_BTF_FILE})
    list(APPEND _missing "kernel BTF (${EW_BTF_FILE})")
  endif()
  if(_missing)
    if(EW_BPF STREQUAL "ON")
      message(FATAL_ERROR "EW_BPF=ON but missing: ${_missing}")
    endif()
    message(STATUS "eBPF backend: not built (missing: ${_missing})")
  else()
    set(EW_BPF_BUILT ON)
  endif()
endif()

if(EW_BPF_BUILT)
  message(STATUS "eBPF backend: built")
  set(_gen ${PROJECT_BINARY_DIR}/bpf)
  file(MAKE_DIRECTORY ${_gen})
  if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|AMD64")
    set(_bpf_arch x86)
  elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
    set(_bpf_arch arm64)
  else()
    set(_bpf_arch ${CMAKE_SYSTEM_PROCESSOR})
  endif()
  add_custom_command(OUTPUT ${_gen}/vmlinux.h
    COMMAND sh -c "${EW_BPFTOOL} btf dump file ${EW_BTF_FILE} format c > ${_gen}/vmlinux.h.tmp"
    COMMAND ${CMAKE_COMMAND} -E rename ${_gen}/vmlinux.h.tmp ${_gen}/vmlinux.h
    COMMENT "Generating vmlinux.h from ${EW_BTF_FILE}" VERBATIM)
  file(GLOB EW_BPF_PROGS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/bpf/*.bpf.c)
  set(_skels "")
  foreach(src ${EW_BPF_PROGS})
    get_filename_component(name ${src} NAME_WE) # exec.bpf.c -> exec
    add_custom_command(OUTPUT ${_gen}/${name}.bpf.o
      COMMAND ${EW_CLANG} -target bpf -g -O2 -D__TARGET_ARCH_${_bpf_arch} -Wall -Werror
              -Wno-unused-function -I${_gen} -I${PROJECT_SOURCE_DIR}/src/bpf
              -c ${src} -o ${_gen}/${name}.bpf.o
      DEPENDS ${src} ${_gen}/vmlinux.h ${PROJECT_SOURCE_DIR}/src/bpf/events.h
      COMMENT "BPF ${name}.bpf.c" VERBATIM)
    add_custom_command(OUTPUT ${_gen}/${name}.skel.h
      COMMAND sh -c "${EW_BPFTOOL} gen skeleton ${_gen}/${name}.bpf.o name ew_${name}_bpf > ${_gen}/${name}.skel.h.tmp"
      COMMAND ${CMAKE_COMMAND} -E rename ${_gen}/${name}.skel.h.tmp ${_gen}/${name}.skel.h
      DEPENDS ${_gen}/${name}.bpf.o
      COMMENT "Skeleton ${name}.skel.h" VERBATIM)
    list(APPEND _skels ${_gen}/${name}.skel.h)
  endforeach()
  add_custom_target(ew_bpf_skeletons DEPENDS ${_skels})
  file(GLOB EW_BPF_USER CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/bpf/*.c)
  list(FILTER EW_BPF_USER EXCLUDE REGEX ".*\\.bpf\\.c$")
  target_sources(ewcore PRIVATE ${EW_BPF_USER})
  add_dependencies(ewcore ew_bpf_skeletons)
  target_include_directories(ewcore PRIVATE ${_gen} ${PROJECT_SOURCE_DIR}/src/bpf)
  target_link_libraries(ewcore PUBLIC PkgConfig::LIBBPF)
  target_compile_definitions(ewcore PUBLIC EW_HAVE_BPF=1)
endif()

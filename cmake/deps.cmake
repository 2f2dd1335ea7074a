# Dependency tracing and manifests (issue 4): libelf for the DT_NEEDED/SONAME facts of mapped
# files (src/ptrace/deps.c), OpenSSL libcrypto for SHA-256 and jansson to read manifests back
# (src/deps/*). Own pkg-config prefixes, so other parts may look the same libraries up too.
pkg_check_modules(EW_DEPS_ELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(EW_DEPS_CRYPTO REQUIRED IMPORTED_TARGET libcrypto)
pkg_check_modules(EW_DEPS_JANSSON REQUIRED IMPORTED_TARGET jansson)
target_link_libraries(ewcore PUBLIC PkgConfig::EW_DEPS_ELF PkgConfig::EW_DEPS_CRYPTO
  PkgConfig::EW_DEPS_JANSSON)
target_include_directories(ewcore PUBLIC ${PROJECT_SOURCE_DIR}/src/deps)

# Optional (record --deps-callers, the stack walk that attributes each open to the library whose
# code made it): elfutils' libdw.
pkg_check_modules(EW_DEPS_DW IMPORTED_TARGET libdw)
if(EW_DEPS_DW_FOUND)
  target_link_libraries(ewcore PUBLIC PkgConfig::EW_DEPS_DW)
  target_compile_definitions(ewcore PRIVATE EW_HAVE_LIBDW=1)
endif()

# Exec guard (issue 5): policy engine needs libelf (ELF facts) and libcrypto (checksums).
pkg_check_modules(LIBELF REQUIRED IMPORTED_TARGET libelf)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)
target_link_libraries(ewcore PUBLIC PkgConfig::LIBELF PkgConfig::LIBCRYPTO)
target_include_directories(ewcore PUBLIC ${PROJECT_SOURCE_DIR}/src/policy)

# System packages only (Debian: libhyperscan-dev libsimdjson-dev libzstd-dev libtbb-dev
# libpsl-dev publicsuffix libgtest-dev libbenchmark-dev). scripts/install-deps.sh installs whatever is missing.
find_package(PkgConfig REQUIRED)
pkg_check_modules(HS REQUIRED IMPORTED_TARGET libhs)
pkg_check_modules(ZSTD REQUIRED IMPORTED_TARGET libzstd)
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl)
find_package(simdjson REQUIRED)
find_package(TBB REQUIRED)
if(BOILERSTRIP_TESTS)
  find_package(GTest REQUIRED)
endif()
if(BOILERSTRIP_BENCH)
  find_package(benchmark QUIET)
endif()

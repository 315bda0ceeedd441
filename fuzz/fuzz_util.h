// Shared helpers for the fuzz targets and their replay driver.
#ifndef BOILERSTRIP_FUZZ_FUZZ_UTIL_H_
#define BOILERSTRIP_FUZZ_FUZZ_UTIL_H_

#include <cstdio>
#include <cstdlib>

// A property the target checks failed: report it and abort, so that libFuzzer keeps the input
// as a crash and the replay test fails. Not assert(): it must fire in release builds too.
#define FUZZ_CHECK(cond)                                                             \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                  \
    }                                                                                \
  } while (0)

#endif  // BOILERSTRIP_FUZZ_FUZZ_UTIL_H_

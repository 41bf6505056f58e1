// What a fuzz target does when a property it holds the code to is broken:
// say which one on stderr and abort, so libFuzzer saves the input as a crash
// (and the corpus replay under ctest fails). Only for the targets in fuzz/.
#pragma once

#include <cstdio>
#include <cstdlib>

#define WEIR_FUZZ_CHECK(condition, what)                                                  \
  do {                                                                                    \
    if (!(condition)) {                                                                   \
      std::fprintf(stderr, "%s:%d: fuzz property broken: %s (%s)\n", __FILE__, __LINE__, \
                   what, #condition);                                                     \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

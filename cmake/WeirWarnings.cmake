# Warnings as errors on our own code only (third-party headers are SYSTEM includes).
# A fuzz build (WEIR_FUZZ, clang) keeps the warnings but not -Werror: clang
# warns where g++ 12 does not, and the g++ builds are the ones that gate.
#
# g++ 12 at -O3 (Release) reports -Wrestrict inside libstdc++'s own
# std::string operator+ for `"literal" + std::string(...)`: a false positive
# (GCC bug 105329, fixed in g++ 13) on code that has no overlapping copy.
# With -Werror it fails a packager's first Release build, so that one
# warning is off for g++ before 13; every other warning stays an error.
function(weir_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(NOT WEIR_FUZZ)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

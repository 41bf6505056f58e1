# Warnings as errors on our own code only (third-party headers are SYSTEM includes).
# A fuzz build (WEIR_FUZZ, clang) keeps the warnings but not -Werror: clang
# warns where g++ 12 does not, and the g++ builds are the ones that gate.
#
# g++ 12 at -O3 (Release) reports -Wrestrict inside libstdc++'s own
# std::string operator+ for `"literal" + std::string(...)`: a false positive
# (GCC bug 105329, fixed in g++ 13) on code that has no overlapping copy.
# With -Werror it fails a packager's first Release build, so that one
# warning is off for g++ before 13; every other warning stays an error.
#
# Under -fsanitize=address (WEIR_SANITIZE), g++ 12's -Wmaybe-uninitialized
# fires inside libstdc++ and Boost (std::regex's std::function states,
# Beast's parser), whose instrumented code it cannot follow; GCC's manual
# says sanitizers change what its flow warnings see. Off in sanitizer
# builds only; the plain and Release builds keep it as an error.
function(weir_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(WEIR_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
  endif()
  if(NOT WEIR_FUZZ)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

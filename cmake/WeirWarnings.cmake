# Warnings as errors on our own code only (third-party headers are SYSTEM includes).
# A fuzz build (WEIR_FUZZ, clang) keeps the warnings but not -Werror: clang
# warns where g++ 12 does not, and the g++ builds are the ones that gate.
function(weir_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  if(NOT WEIR_FUZZ)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

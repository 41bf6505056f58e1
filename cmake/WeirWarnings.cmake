# Warnings as errors on our own code only (third-party headers are SYSTEM includes).
function(weir_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wno-missing-field-initializers)
endfunction()

# WEIR_FUZZ=ON (clang only): the libFuzzer targets in fuzz/.
#
# Everything compiled in such a build carries libFuzzer's coverage hooks and
# ASan + UBSan (-fsanitize=fuzzer-no-link), so the host libraries a target
# links are guided and checked too; only the targets link libFuzzer's main.
# A fuzz build is its own build directory (scripts/fuzz.sh uses build-fuzz/):
# the instrumented libraries are for fuzzing only.
if(WEIR_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "WEIR_FUZZ=ON needs clang (libFuzzer ships with it), not "
      "${CMAKE_CXX_COMPILER_ID}: configure a fresh build directory with "
      "-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ (scripts/fuzz.sh does)")
  endif()
  if(WEIR_SANITIZE)
    message(FATAL_ERROR "WEIR_FUZZ=ON already builds with ASan + UBSan; leave WEIR_SANITIZE off")
  endif()
  # -fno-sanitize-recover: undefined behaviour aborts, so libFuzzer saves the input.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
    -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()

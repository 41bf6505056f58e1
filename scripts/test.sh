#!/usr/bin/env bash
# Sets everything up, builds, and runs every test (unit and end to end).
# scripts/test.sh             Release build in build/ (what a packager builds,
#                             -Werror included), every test, then each fuzz
#                             target for 20 s (scripts/fuzz.sh --ci: clang,
#                             build-fuzz/)
# scripts/test.sh --sanitize  ASan + UBSan build in build-asan/, every test
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--sanitize" ]; then
  scripts/setup.sh build-asan -DWEIR_SANITIZE=ON -DWEIR_BUILD_BENCH=OFF
  (cd build-asan && ctest -j "$(nproc)" --output-on-failure)
else
  scripts/setup.sh build -DCMAKE_BUILD_TYPE=Release
  (cd build && ctest -j "$(nproc)" --output-on-failure)
  # Each fuzz target 20 s on its corpus and regressions; fails on any crash.
  scripts/fuzz.sh --ci
fi

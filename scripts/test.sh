#!/usr/bin/env bash
# Sets everything up, builds, and runs every test (unit and end to end).
# scripts/test.sh             normal build in build/
# scripts/test.sh --sanitize  ASan + UBSan build in build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--sanitize" ]; then
  scripts/setup.sh build-asan -DWEIR_SANITIZE=ON -DWEIR_BUILD_BENCH=OFF
  cd build-asan
else
  scripts/setup.sh build
  cd build
fi
ctest -j "$(nproc)" --output-on-failure

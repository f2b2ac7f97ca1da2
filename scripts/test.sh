#!/usr/bin/env bash
# Builds anml and runs every test suite (unit, integration, end-to-end).
#
# Usage: scripts/test.sh [extra ctest arguments]
# Environment: BUILD_DIR (default build), ANML_SANITIZE=ON for an ASan+UBSan
# build of the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release \
  -DANML_SANITIZE="${ANML_SANITIZE:-OFF}" > /dev/null
cmake --build "$build_dir" -j2
ctest --test-dir "$build_dir" --output-on-failure -j2 "$@"

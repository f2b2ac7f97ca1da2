#!/usr/bin/env bash
# Builds anml and runs every test suite, in three stages:
#   unit      the Release build and the whole CTest suite (unit,
#             integration, end-to-end, reliability), in build/;
#   sanitize  the same suite built with AddressSanitizer and
#             UndefinedBehaviorSanitizer (RelWithDebInfo), in build-asan/;
#   fuzz      scripts/fuzz.sh: the libFuzzer targets built with clang and
#             run for a bounded time each, in build-fuzz/.
# Each stage prints its wall time. CI runs all three.
#
# Usage: scripts/test.sh [extra ctest arguments]
# Environment:
#   ANML_TEST_STAGES  stages to run, space- or comma-separated (default
#                     "unit sanitize fuzz"); ANML_TEST_STAGES=unit for a
#                     quick developer run.
#   BUILD_DIR         build directory of the unit stage (default build).
#   ANML_BUILD_LOCK   a file to flock around every configure and build, for
#                     machines shared by several builds.
set -euo pipefail
cd "$(dirname "$0")/.."

stages=${ANML_TEST_STAGES:-unit sanitize fuzz}
stages=" ${stages//,/ } "
lock=()
if [ -n "${ANML_BUILD_LOCK:-}" ]; then lock=(flock "$ANML_BUILD_LOCK"); fi

# Tests that cannot run under the sanitizers, each with the reason.
# - deploy_files_test compares the binary's shared libraries with the
#   container's runtime package list; the ASan runtime is not in it.
sanitize_skip='^deploy_files_test$'

build_and_test() {
  local dir=$1 type=$2 sanitize=$3
  shift 3
  "${lock[@]}" cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" \
    -DANML_SANITIZE="$sanitize" > /dev/null
  "${lock[@]}" cmake --build "$dir" -j2
  ctest --test-dir "$dir" --output-on-failure -j2 "$@"
  # The reliability tests print their counts; show them even on success.
  grep -hE "crashes survived|faults injected|readiness while" \
    "$dir/Testing/Temporary/LastTest.log" | sed 's/^[0-9]*: //' || true
}

run_stage() {
  local name=$1
  shift
  if [[ "$stages" != *" $name "* ]]; then
    echo "test.sh: stage $name skipped (ANML_TEST_STAGES=$stages)"
    return
  fi
  local start=$SECONDS
  echo "test.sh: stage $name"
  "$@"
  echo "test.sh: stage $name passed in $((SECONDS - start))s"
}

sanitize_stage() {
  echo "test.sh: skipped under the sanitizers: deploy_files_test (it checks the" \
    "binary's shared libraries against the container's, and ASan adds its runtime)"
  ASAN_OPTIONS=detect_leaks=1 \
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    build_and_test build-asan RelWithDebInfo ON -E "$sanitize_skip" "$@"
}

run_stage unit build_and_test "${BUILD_DIR:-build}" Release OFF "$@"
run_stage sanitize sanitize_stage "$@"
run_stage fuzz scripts/fuzz.sh

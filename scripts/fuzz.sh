#!/usr/bin/env bash
# Builds the libFuzzer targets in fuzz/ with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (build dir build-fuzz), and runs each one for a
# bounded time on a copy of its seed corpus (fuzz/corpus/<target>/).
#
# Prints one line per target with libFuzzer's executions and the inputs the
# decoder rejected, and a total. Fails on the first crash, leak, sanitizer
# report or broken invariant; the input that caused it is kept under
# build-fuzz/artifacts/ and can be replayed with
#   build-fuzz/fuzz/<target>_fuzzer <file>
#
# Environment: FUZZ_SECONDS (default 20) per target; FUZZ_BUILD_DIR
# (default build-fuzz); ANML_BUILD_LOCK, a file to flock around the
# configure and build steps on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
seconds=${FUZZ_SECONDS:-20}
targets=(sample_decoder contributor_decoder state_record)
lock=()
if [ -n "${ANML_BUILD_LOCK:-}" ]; then lock=(flock "$ANML_BUILD_LOCK"); fi

"${lock[@]}" cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++ -DANML_FUZZ=ON > /dev/null
"${lock[@]}" cmake --build "$build_dir" -j2 \
  --target "${targets[@]/%/_fuzzer}"

artifacts="$build_dir/artifacts"
mkdir -p "$artifacts"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

total_runs=0
total_rejected=0
for target in "${targets[@]}"; do
  corpus="$work/$target"
  cp -r "fuzz/corpus/$target" "$corpus"
  log="$work/$target.log"
  if ! ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
      "$build_dir/fuzz/${target}_fuzzer" "$corpus" -max_total_time="$seconds" \
      -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$artifacts/${target}-" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzz: $target FAILED; reproducer under $artifacts/" >&2
    exit 1
  fi
  runs=$(awk '/stat::number_of_executed_units:/ {print $2}' "$log")
  stats=$(grep '^fuzz stats:' "$log" | tail -n 1)
  rejected=$(sed -E 's/.* ([0-9]+) rejected$/\1/' <<< "$stats")
  counted=$(sed -E 's/.*: ([0-9]+) executions.*/\1/' <<< "$stats")
  seeds=$(ls "fuzz/corpus/$target" | wc -l)
  grown=$(ls "$corpus" | wc -l)
  echo "fuzz: $target: $runs executions in ${seconds}s, $rejected of $counted" \
    "inputs rejected, corpus $seeds -> $grown"
  total_runs=$((total_runs + runs))
  total_rejected=$((total_rejected + rejected))
done
echo "fuzz executions: $total_runs, inputs rejected: $total_rejected"

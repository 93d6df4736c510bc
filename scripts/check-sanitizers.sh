#!/usr/bin/env bash
# The sanitizer and fuzzing checks that .ci/run runs after the test suite
# (docs/RELIABILITY.md): the engine built with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer (no LibTorch, CUDA or MPI: their libraries are not
# instrumented), its CPU test suite, then every libFuzzer target for FUZZ_RUNS
# inputs (default 60000) from seed corpora made from the shipped files. The seed
# is fixed (FUZZ_SEED, default 1), so a run is the same inputs on every machine:
# a finding in CI is found again locally with the same command. FUZZ_SECONDS
# (default 240) caps a target's time on a slow machine (fewer inputs, never others).
# Usage: scripts/check-sanitizers.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build-san}"
seconds="${FUZZ_SECONDS:-240}"
runs="${FUZZ_RUNS:-60000}"
seed="${FUZZ_SEED:-1}"
export ZEROLM_BENCHMARKS="${ZEROLM_BENCHMARKS:-$(pwd)/benchmarks}"
CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZEROLM_SANITIZE=ON \
  -DZEROLM_ENABLE_TORCH=OFF -DZEROLM_ENABLE_CUDA=OFF -DZEROLM_ENABLE_MPI=OFF -DZEROLM_ENABLE_PYTHON=OFF \
  -DZEROLM_WERROR=OFF
cmake --build "$build"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The whole CPU suite but two: one case draws the weights of all 7000 HW-GPT-Bench
# networks (about 2.5e11 weights; 7 minutes under the sanitizers) through the
# same kernels the other sampled-mode cases check on smaller populations, and
# reproduce_results re-derives the documented figures (an enumeration of 10.6M
# architectures among them) through code paths the other tests run. The Python
# package is not built here (an instrumented module loads only into a Python
# started with the sanitizer runtime preloaded); its tests run in the main suite.
ctest --test-dir "$build" --output-on-failure \
  -E "sampled and expected modes rank alike on the shared files|reproduce_results|python_package|python_walkthrough"

corpus="$build/fuzz-corpus"
rm -rf "$corpus"
bash tests/fuzz/seed_corpora.sh "$build/zerolm" "$corpus/seeds" "$ZEROLM_BENCHMARKS"
status=0
export ZEROLM_FUZZ_BERT_JSON="$corpus/seeds/fixtures/BERT_benchmark.json"  # fuzz_upstream's CSV fixture
for target in "$build"/fuzz/fuzz_*; do
  name="$(basename "$target")"
  seeds="$corpus/seeds/${name#fuzz_}"
  mkdir -p "$corpus/$name" "$seeds"
  log="$corpus/$name.log"
  started=$SECONDS
  if "$target" -seed="$seed" -runs="$runs" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$corpus/$name-" "$corpus/$name" "$seeds" >"$log" 2>&1; then
    done_runs="$(grep -o 'Done [0-9]* runs' "$log" | tail -1)"
    echo "fuzz: $name: ${done_runs:-done} (seed $seed), corpus $(find "$corpus/$name" -type f | wc -l) inputs," \
      "$((SECONDS - started)) s, no finding"

  else
    echo "fuzz: $name FOUND A PROBLEM; its log, $log:" >&2
    grep -E "ERROR|runtime error|what\(\)|SUMMARY|Test unit written" "$log" >&2 || tail -20 "$log" >&2
    status=1
  fi
done
exit "$status"

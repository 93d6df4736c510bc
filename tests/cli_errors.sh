#!/usr/bin/env bash
# The CLI on bad input: exit code exactly 2 and exactly one line on stderr that
# starts with "zerolm: error:" (naming the file for file errors). Also --help.
# Usage: ZEROLM=path/to/zerolm bash tests/cli_errors.sh
set -euo pipefail
export LC_ALL=C

if [[ -z "${ZEROLM:-}" || ! -x "${ZEROLM}" ]]; then
  echo "cli_errors: set ZEROLM to the zerolm binary (got '${ZEROLM:-}')" >&2
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_cli_errors.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

checks=0
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_error NAME NEEDLE -- ARGS...: exit 2, one stderr line "zerolm: error: ..."
# containing NEEDLE (an empty NEEDLE checks nothing more).
expect_error() {
  local name="$1" needle="$2"
  shift 3
  local rc=0
  "$ZEROLM" "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null || rc=$?
  local err
  err="$(<"$tmp/stderr")"
  local bytes
  bytes="$(wc -c <"$tmp/stderr")"
  [[ "$rc" -eq 2 ]] || fail "$name: exit code $rc, expected 2 (zerolm $*); stderr: $err"
  # Exactly one line: one newline, at the very end, and nothing else around it.
  [[ "$(wc -l <"$tmp/stderr")" -eq 1 && "$bytes" -eq $((${#err} + 1)) && "$err" != *$'\n'* ]] ||
    fail "$name: stderr is not exactly one line (zerolm $*):"$'\n'"$(cat "$tmp/stderr")"
  [[ "$err" == "zerolm: error:"* ]] || fail "$name: stderr does not start with 'zerolm: error:': $err"
  # Source paths are for internal errors (exit 70), not for a user's mistake.
  [[ ! "$err" =~ \[[a-z_/]+\.(cpp|hpp|cu):[0-9]+\] ]] || fail "$name: stderr names a source path: $err"
  if [[ -n "$needle" && "$err" != *"$needle"* ]]; then
    fail "$name: stderr does not mention '$needle': $err"
  fi
  checks=$((checks + 1))
  echo "ok $checks - $name: $err"
}

# expect_help NAME NEEDLE -- ARGS...: exit 0, nothing on stderr, stdout mentions NEEDLE.
expect_help() {
  local name="$1" needle="$2"
  shift 3
  local rc=0
  "$ZEROLM" "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null || rc=$?
  [[ "$rc" -eq 0 ]] || fail "$name: exit code $rc, expected 0 (zerolm $*); stderr: $(<"$tmp/stderr")"
  [[ ! -s "$tmp/stderr" ]] || fail "$name: help wrote to stderr: $(<"$tmp/stderr")"
  grep -q -e "$needle" "$tmp/stdout" || fail "$name: help does not mention '$needle':"$'\n'"$(<"$tmp/stdout")"
  checks=$((checks + 1))
  echo "ok $checks - $name mentions '$needle'"
}

# Inputs.
missing="$tmp/no_such_benchmark.json"
malformed="$tmp/malformed_benchmark.json"
printf '[{"id": 0, "hidden_size": 128,' >"$malformed"
valid="$tmp/valid_benchmark.json"
cat >"$valid" <<'EOF'
[
 {"id": "a", "hidden_size": 128,
  "encoder_layers": [
   {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 2,
    "feed_forward_dimension": 512, "num_feed_forward": 1},
   {"operation_type": "LT", "operation_parameter": "DCT", "num_operation_heads": 4,
    "feed_forward_dimension": 1024, "num_feed_forward": 3}],
  "scores": {"glue": 70.5}},
 {"id": "b", "hidden_size": 256,
  "encoder_layers": [
   {"operation_type": "DSC", "operation_parameter": 9, "num_operation_heads": 4,
    "feed_forward_dimension": 512, "num_feed_forward": 1},
   {"operation_type": "SA", "operation_parameter": "WMA", "num_operation_heads": 2,
    "feed_forward_dimension": 512, "num_feed_forward": 3}],
  "scores": {"glue": 80.25}}
]
EOF
violating="$tmp/violating_benchmark.json"
cat >"$violating" <<'EOF'
[
 {"id": "too-wide", "hidden_size": 300,
  "encoder_layers": [
   {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 2,
    "feed_forward_dimension": 512, "num_feed_forward": 1},
   {"operation_type": "SA", "operation_parameter": "SDP", "num_operation_heads": 2,
    "feed_forward_dimension": 512, "num_feed_forward": 1}],
  "scores": {"glue": 70.5}}
]
EOF

# Sanity: the valid file is accepted, so the errors below come from what each check changes.
"$ZEROLM" params --benchmark "$valid" >"$tmp/stdout" 2>"$tmp/stderr" ||
  fail "params on a valid file failed: $(<"$tmp/stderr")"
checks=$((checks + 1))
echo "ok $checks - params accepts a valid file"

# File errors name the file.
expect_error "rank: missing --benchmark file" "$missing" -- rank --benchmark "$missing"
expect_error "params: missing --benchmark file" "$missing" -- params --benchmark "$missing"
expect_error "rank: malformed JSON" "$malformed" -- rank --benchmark "$malformed"
expect_error "params: malformed JSON" "$malformed" -- params --benchmark "$malformed"
expect_error "calibrate: malformed JSON" "$malformed" -- calibrate --strategy sample --benchmark "$malformed"
expect_error "params: record violating the space" "$violating" -- params --benchmark "$violating"
expect_error "params: record violating the space names the record" "too-wide" -- params --benchmark "$violating"
expect_error "params: record violating the space names the field" "hidden_size" -- params --benchmark "$violating"
expect_error "rank: unknown --protocol for the file" "$valid" -- rank --benchmark "$valid" --protocol nope
expect_error "params: unknown --protocol for the file" "'nope'" -- params --benchmark "$valid" --protocol nope

# Bad option values.
expect_error "score: unknown --proxy" "'nope'" -- score --sample 10 --proxy nope
expect_error "rank: unknown --proxy" "'nope'" -- rank --benchmark "$valid" --proxy nope
expect_error "score: unknown --protocol" "'nope'" -- score --sample 10 --protocol nope
expect_error "score: unknown --mode" "'nope'" -- score --sample 10 --mode nope
expect_error "rank: unknown --mode" "'nope'" -- rank --benchmark "$valid" --mode nope
expect_error "score: non-numeric --alpha" "'abc'" -- score --sample 10 --alpha abc
expect_error "rank: non-numeric --alpha" "'abc'" -- rank --benchmark "$valid" --alpha abc
expect_error "score: unknown --space" "'nope'" -- score --space nope --sample 10
expect_error "calibrate: unknown --strategy" "'nope'" -- calibrate --strategy nope
expect_error "calibrate: --strategy sample without --benchmark" "--benchmark" -- calibrate --strategy sample
expect_error "score: unknown --device" "'tpu'" -- score --sample 10 --device tpu --mode sampled
expect_error "score: --device where no weights are drawn" "--device cpu: proxy zerolm in the expected mode draws no weights" -- score --sample 10 --device cpu
expect_error "rank: --device for a proxy without a sampled mode" "--device cpu: proxy params reads shapes only" -- rank --benchmark "$valid" --proxy params --device cpu --mode sampled
if ! command -v nvidia-smi >/dev/null 2>&1 || ! nvidia-smi -L >/dev/null 2>&1; then
  expect_error "score: --device cuda without a GPU" "--device cuda" -- score --sample 10 --device cuda --mode sampled
  expect_error "rank: --device cuda without a GPU" "--device cuda" -- rank --benchmark "$valid" --device cuda --mode sampled
fi
expect_help "zerolm rank --help" "--device" -- rank --help

# Command-line errors (CLI11).
expect_error "rank: missing required --benchmark" "--benchmark" -- rank
expect_error "params: missing required --benchmark" "--benchmark" -- params
expect_error "score: non-numeric --sample" "" -- score --sample many
expect_error "unknown subcommand" "unknown subcommand 'frobnicate' (subcommands: search|" -- frobnicate
expect_error "no subcommand" "no subcommand: zerolm search|" --

# Latency models in a search config: bad values named by file, line and column.
printf 'space: gpt2\nlatency: {model: measured, device: tpu}\n' > "$tmp/latency-device.yaml"
expect_error "search: measured latency on an unknown device" "latency-device.yaml:2:36: 'latency.device': value 'tpu' is not cpu|cuda" -- search "$tmp/latency-device.yaml" --out "$tmp/never1"
printf 'space: gpt2\nlatency:\n  model: lut\n' > "$tmp/latency-lut.yaml"
expect_error "search: lut latency without a file" "latency-lut.yaml:3:3: 'latency' with model lut needs a 'file'" -- search "$tmp/latency-lut.yaml" --out "$tmp/never2"
printf 'space: gpt2\nlatency:\n  model: lut\n  file: missing-lut.json\n' > "$tmp/latency-lut-file.yaml"
expect_error "search: lut latency file missing" "missing-lut.json" -- search "$tmp/latency-lut-file.yaml" --out "$tmp/never3"
printf 'space: gpt2\nlatency:\n  model: analytic\n  repeats: 3\n' > "$tmp/latency-key.yaml"
expect_error "search: a key that does not apply to the model" "latency-key.yaml:4:3: 'latency.repeats' does not apply to the analytic model" -- search "$tmp/latency-key.yaml" --out "$tmp/never4"
printf '{"model": "lut", "workload": {"batch": 1}}' > "$tmp/bad-lut.json"
h100="${ZEROLM_BENCHMARKS:-$(cd "$(dirname "$0")/.." && pwd)/benchmarks}/hwgpt-latency/h100.json"
[[ -f "$h100" ]] || { echo "FAIL: $h100 not found (the project's benchmarks/ folder)" >&2; exit 1; }
expect_error "latency eval: malformed lut file" "bad-lut.json: not a lut latency model" -- latency eval --benchmark "$h100" --model "$tmp/bad-lut.json"

# Peak memory: the model, the limit and the objective.
printf 'space: gpt2\nobjectives: [proxy, parameters, memory]\n' > "$tmp/memory-none.yaml"
expect_error "search: a memory objective without a model" "a memory objective or constraints.max_memory needs a 'memory' model" -- search "$tmp/memory-none.yaml" --out "$tmp/never-m1"
printf 'space: gpt2\nconstraints:\n  max_memory: 300\n' > "$tmp/memory-limit.yaml"
expect_error "search: max_memory without a model" "a memory objective or constraints.max_memory needs a 'memory' model" -- search "$tmp/memory-limit.yaml" --out "$tmp/never-m2"
printf 'space: gpt2\nmemory:\n  file: missing-memory.json\nconstraints:\n  max_memory: -1\n' > "$tmp/memory-negative.yaml"
expect_error "search: a missing memory file" "memory-negative.yaml:3:9: 'memory.file'" -- search "$tmp/memory-negative.yaml" --out "$tmp/never-m3"
printf '{"model": "analytic", "constants": {"constant_mb": 150, "mb_per_mparameter": -3, "mb_per_kactivation": 1}}' > "$tmp/memory-bad.json"
printf 'space: gpt2\nmemory:\n  file: memory-bad.json\n' > "$tmp/memory-bad.yaml"
expect_error "search: a memory model with a negative constant" "memory-bad.json: field 'constants.mb_per_mparameter': value -3 is not a finite number >= 0" -- search "$tmp/memory-bad.yaml" --out "$tmp/never-m4"
printf '{"model": "analytic", "constants": {"constant_mb": 150, "mb_per_mparameter": 3, "mb_per_kactivation": 1}}' > "$tmp/memory-good.json"
printf 'space: gpt2\nmemory:\n  file: memory-good.json\nconstraints:\n  max_memory: -1\n' > "$tmp/memory-negative.yaml"
expect_error "search: a negative max_memory" "memory-negative.yaml:5:15: 'constraints.max_memory': value -1 must be positive (MB)" -- search "$tmp/memory-negative.yaml" --out "$tmp/never-m5"
printf 'space: gpt2\nmemory:\n  file: memory-good.json\n  batch: 4\n' > "$tmp/memory-key.yaml"
expect_error "search: a memory key that does not apply" "memory-key.yaml:4:3: 'memory.batch' does not apply with a file" -- search "$tmp/memory-key.yaml" --out "$tmp/never-m6"
printf 'space: gpt2\nmemory: {model: analytic}\n' > "$tmp/memory-nofile.yaml"
expect_error "search: a memory section without a file" "'memory' needs a 'file' (from zerolm memory fit)" -- search "$tmp/memory-nofile.yaml" --out "$tmp/never-m7"
printf 'space: gpt2\nmemory:\n  file: memory-good.json\nlatency: {model: analytic}\nobjectives: [proxy, parameters, latency, memory]\n' > "$tmp/memory-four.yaml"
# Latency and memory both objectives: four objectives, no longer refused.
"$ZEROLM" search "$tmp/memory-four.yaml" --set search.max_evaluations=64 --set search.population=16 \
  --set search.tournament=4 --set search.children=8 --out "$tmp/four" >/dev/null 2>&1 ||
  fail "search: latency and memory both as objectives failed"
"$ZEROLM" export "$tmp/four" --pareto --format json --out "$tmp/four.json" >/dev/null 2>&1 &&
  grep -q '"memory": [0-9]' "$tmp/four.json" || fail "search: the four-objective front has no memories"
echo "ok - search: latency and memory both as objectives (four objectives) run and export"
printf 'space: gpt2\nmemory:\n  file: memory-good.json\nconstraints:\n  max_memory: 1\n' > "$tmp/memory-tight.yaml"
expect_error "search: a memory limit no architecture meets" "peak memory within 1 MB after 1000 draws" -- search "$tmp/memory-tight.yaml" --out "$tmp/never-m9"
for never in "$tmp"/never-m[1-8]; do [[ ! -e "$never/run.sqlite" ]] || fail "a refused memory config left a run store in $never"; done

# Spectral proxies and exact search.
expect_error "rank: unknown spectral statistic" "--statistic: unknown spectral statistic 'svd'" -- rank --benchmark "$malformed" --proxy spectral --statistic svd
expect_error "score: non-positive gain" "--gain: value -1 must be positive" -- score --proxy spectral --gain -1
printf 'proxy:\n  name: spectral\n  aggregate: cubic\n' > "$tmp/bad-aggregate.yaml"
expect_error "search: bad proxy.aggregate" "bad-aggregate.yaml:3:14: 'proxy.aggregate': unknown layer aggregate 'cubic'" -- search "$tmp/bad-aggregate.yaml" --out "$tmp/never5"
printf 'space: gpt2\nsearch:\n  strategy: exact\n' > "$tmp/exact-gpt2.yaml"
expect_error "search: exact on a space without layer families" "not a union of independent-layer families" -- search "$tmp/exact-gpt2.yaml" --out "$tmp/never6"
printf 'constraints:\n  parameters: embedding\n' > "$tmp/bad-count.yaml"
expect_error "search: constraints.parameters not total|non_embedding" "bad-count.yaml:2:15: 'constraints.parameters': value 'embedding' is not total|non_embedding" -- search "$tmp/bad-count.yaml" --out "$tmp/never7"
printf 'constraints:\n  max_parameters: 1e6\n  min_parameters: 2e6\n' > "$tmp/empty-window.yaml"
expect_error "search: min_parameters above max_parameters" "empty-window.yaml:3:19: 'constraints.min_parameters': value 2000000 exceeds max_parameters 1000000" -- search "$tmp/empty-window.yaml" --out "$tmp/never8"
printf 'constraints:\n  min_parameters: -5\n' > "$tmp/negative-min.yaml"
expect_error "search: negative min_parameters" "'constraints.min_parameters': value -5 must be a count of at least 0" -- search "$tmp/negative-min.yaml" --out "$tmp/never9"
printf 'search:\n  strategy: exact\nconstraints:\n  min_parameters: 9e9\n' > "$tmp/exact-nothing.yaml"
expect_error "search: exact with a window no architecture reaches" "no architecture of space 'flexibert' has total parameters in [9000000000, inf]" -- search "$tmp/exact-nothing.yaml" --out "$tmp/never10"
printf 'space: gpt2\nprotocol: hwgpt\nsearch:\n  strategy: exact\nlatency:\n  model: measured\nobjectives: [proxy, parameters, latency]\n' > "$tmp/exact-measured.yaml"
# Without the LibTorch plugin (the sanitizer build) the measured model is refused before exact search sees it.
timed_needle="the latency cost is not a sum over layers here"
[ -e "$(dirname "$ZEROLM")/libzerolm_torch_reference.so" ] || timed_needle="latency model measured needs LibTorch"
expect_error "search: exact with a timed latency model" "$timed_needle" -- search "$tmp/exact-measured.yaml" --out "$tmp/never11"
[ ! -e "$tmp/never11" ] || fail "search: exact with a timed latency model left a run folder"
printf 'objectives: [proxy, speed]\n' > "$tmp/objective-unknown.yaml"
expect_error "search: an unknown objective" "'speed' is not proxy or a cost (parameters|non_embedding_parameters|latency|memory|flops|kv_cache)" -- search "$tmp/objective-unknown.yaml" --out "$tmp/never11b"
printf 'constraints:\n  kv_cache: {max: 0}\n' > "$tmp/kv-zero.yaml"
expect_error "search: a zero KV-cache bound" "'constraints.kv_cache.max': value 0 must be positive" -- search "$tmp/kv-zero.yaml" --out "$tmp/never11c"
printf 'kv_cache: {dtype: fp64}\n' > "$tmp/kv-dtype.yaml"
expect_error "search: an unknown KV-cache dtype" "kv-dtype.yaml:1:19: 'kv_cache.dtype': value 'fp64' is not fp32|fp16|bf16|fp8|int8|int4" -- search "$tmp/kv-dtype.yaml" --out "$tmp/never11d"
expect_error "score: --alpha for a proxy without alpha" "--alpha: proxy params takes no alpha" -- score --space flexibert --proxy params --alpha 0.5 --sample 4 --top 1
expect_error "enumerate: --alpha for a proxy without alpha" "--alpha: proxy params takes no alpha" -- enumerate --space flexibert --proxy params --alpha 0.3 --top 1
expect_error "cost fit: a cost that is not fitted" "--cost: value 'flops' is not a fitted cost (latency|memory)" -- cost fit --cost flops --benchmark x.json
expect_error "cost eval: no --cost" "--cost: value '' is not a fitted cost" -- cost eval --model m.json

# Hugging Face configs as architectures, and seed architectures.
data="$(dirname "$0")/data/hf"
expect_error "params: neither --benchmark nor --from" "exactly one of --benchmark, --from" -- params
expect_error "params --from: a missing file" "$tmp/no-config.json" -- params --from "$tmp/no-config.json"
expect_error "params --from: a block the llama space lacks" "nemotron-nas-tiny-example.json: field 'block_configs[2].attention.replace_with_linear': value true" -- params --from "$data/nemotron-nas-tiny-example.json"
printf '{"model_type": "bert", "hidden_size": 768}' > "$tmp/bert-config.json"
expect_error "params --from: a model type no space reads" "bert-config.json: not an architecture document zerolm reads (model_type \"bert\"" -- params --from "$tmp/bert-config.json"
printf '{"model_type": "llama", "hidden_size": 2048, "num_hidden_layers": 2, "num_attention_heads": 32, "num_key_value_heads": 3, "intermediate_size": 5632, "vocab_size": 32000}' > "$tmp/bad-kv.json"
expect_error "params --from: KV heads that do not divide the query heads" "bad-kv.json: field 'num_key_value_heads': value 3 does not divide num_attention_heads 32" -- params --from "$tmp/bad-kv.json"
expect_error "params --from with --protocol" "--protocol: params --from takes the space and protocol from" -- params --from "$data/gpt2.json" --protocol lts
expect_error "score --from: an HF config of another space than --space" "a hf-llama document describes a llama architecture under protocol hf, not flexibert under pytorch" -- score --from "$data/smollm-135m.json" --space flexibert --protocol pytorch
printf 'space: gpt2\nprotocol: lts\nsearch:\n  seed_architectures: [%s]\n' "$(realpath "$data/gpt2.json")" > "$tmp/seed-protocol.yaml"
expect_error "search: a seed of another protocol" "seed-protocol.yaml:4:24: 'search.seed_architectures[0]'" -- search "$tmp/seed-protocol.yaml" --out "$tmp/never12"
printf 'space: llama\nsearch:\n  max_evaluations: 64\n  population: 16\n  tournament: 4\n  seed_architectures: [%s]\nconstraints:\n  max_parameters: 5e8\n' "$(realpath "$data/tinyllama-1.1b-chat-v1.0.json")" > "$tmp/seed-budget.yaml"
expect_error "search: a seed outside the constraints" "search.seed_architectures[0] (h2048 d64 V32000 untied | 22x q32/kv4 f5632): 1100048384 total parameters" -- search "$tmp/seed-budget.yaml" --out "$tmp/never13"
printf 'space: llama\nsearch:\n  strategy: exact\n  seed_architectures: [%s]\n' "$(realpath "$data/smollm-135m.json")" > "$tmp/seed-exact.yaml"
expect_error "search: seeds with exact search" "seeds are for evolution and random search" -- search "$tmp/seed-exact.yaml" --out "$tmp/never14"

# Help.
# The top-level help lists the subcommands only (CLI11 prints no subcommand options
# there), so it is checked for the rank subcommand and benchmark files; the options
# themselves are in each subcommand's help.
expect_help "zerolm --help" "rank" -- --help
expect_help "zerolm --help" "benchmark" -- --help
expect_help "zerolm rank --help" "--benchmark" -- rank --help
expect_help "zerolm params --help" "--benchmark" -- params --help
expect_help "zerolm calibrate --help" "--benchmark" -- calibrate --help

echo "cli_errors: all $checks checks passed"

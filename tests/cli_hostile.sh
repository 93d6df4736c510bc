#!/usr/bin/env bash
# Hostile input, as a new user and as a careless script would give it: every case
# must end with exit code 2 and exactly one line "zerolm: error: ..." on stderr
# (never an abort, a hang, or exit 0 with a meaningless answer), and must leave
# every file of an existing run as it was. docs/RELIABILITY.md lists the classes.
# Usage: ZEROLM=path/to/zerolm bash tests/cli_hostile.sh
set -euo pipefail
export LC_ALL=C

if [[ -z "${ZEROLM:-}" || ! -x "${ZEROLM}" ]]; then
  echo "cli_hostile: set ZEROLM to the zerolm binary (got '${ZEROLM:-}')" >&2
  exit 1
fi
PYTHON="$(command -v python3 || true)"
[[ -n "$PYTHON" ]] || { echo "cli_hostile: python3 is missing (scripts/install-deps.sh installs it)" >&2; exit 1; }
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_hostile.XXXXXX")"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf -- "$tmp"
}
trap cleanup EXIT

checks=0
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_error NAME NEEDLE -- ARGS...: exit 2 within 60 s, one stderr line
# "zerolm: error: ..." containing NEEDLE.
expect_error() {
  local name="$1" needle="$2"
  shift 3
  local rc=0
  timeout 60 "$ZEROLM" "$@" >"$tmp/stdout" 2>"$tmp/stderr" </dev/null || rc=$?
  local err
  err="$(<"$tmp/stderr")"
  [[ "$rc" -ne 124 ]] || fail "$name: hung (killed after 60 s): zerolm $*"
  [[ "$rc" -eq 2 ]] || fail "$name: exit code $rc, expected 2 (zerolm $*); stderr: $err"
  [[ "$(wc -l <"$tmp/stderr")" -eq 1 && "$err" != *$'\n'* ]] ||
    fail "$name: stderr is not exactly one line (zerolm $*):"$'\n'"$err"
  [[ "$err" == "zerolm: error:"* ]] || fail "$name: stderr does not start with 'zerolm: error:': $err"
  [[ -z "$needle" || "$err" == *"$needle"* ]] || fail "$name: stderr does not mention '$needle': $err"
  checks=$((checks + 1))
  echo "ok $checks - $name: $err"
}

# The same, with the error line written by a shell redirection case (stdout closed).
fingerprint() { (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum); }
expect_unchanged() {
  local name="$1" run="$2" before="$3"
  [[ "$(fingerprint "$run")" == "$before" ]] || fail "$name: a file of $run changed"
  checks=$((checks + 1))
  echo "ok $checks - $name: $run unchanged"
}

experiments="$(cd "$(dirname "$0")/../experiments" && pwd)"
bench="${ZEROLM_BENCHMARKS:-$(cd "$(dirname "$0")/.." && pwd)/benchmarks}"

# A finished run to attack.
run="$tmp/run"
"$ZEROLM" search "$experiments/flexibert-trained.yaml" --set search.max_evaluations=2000 --out "$run" >/dev/null 2>&1 ||
  fail "the reference search failed"
before="$(fingerprint "$run")"

# ---------------------------------------------------------------- outputs
# Complete or absent: a device, a folder or the run's own store is never an
# output target, and /dev/full stays the device it is.
if [[ -c /dev/full ]]; then
  expect_error "report onto /dev/full" "/dev/full: not a regular file" -- report "$run" --out /dev/full
  expect_error "rank --report onto /dev/full" "/dev/full: not a regular file" -- \
    rank --benchmark "$bench/nas-bench-bert/architectures.json" --report /dev/full
  expect_error "latency fit onto /dev/full" "/dev/full: not a regular file" -- \
    latency fit --benchmark "$bench/hwgpt-latency/h100.json" --out /dev/full
  expect_error "memory fit onto /dev/full" "/dev/full: not a regular file" -- \
    memory fit --benchmark "$bench/upstream/lts/pareto_GPT2_lm1b_titanxp" --out /dev/full
  expect_error "export onto /dev/full" "/dev/full: not a regular file" -- export "$run" --pareto --out /dev/full
  [[ -c /dev/full ]] || fail "/dev/full is no longer a device"
fi
expect_error "export onto a folder" "not a regular file (a folder)" -- export "$run" --pareto --out "$tmp"
expect_error "export onto the run's own store" "the run's own store" -- export "$run" --pareto --out "$run/run.sqlite"
expect_error "export onto the run's own WAL" "the run's own store" -- export "$run" --pareto --out "$run/run.sqlite-wal"
[[ "$(fingerprint "$run")" == "$before" ]] || fail "an export attempt changed the run"
[[ -z "$(find "$tmp" "$run" -maxdepth 1 -name '.*' ! -name '.')" ]] || fail "a temporary output file was left behind"

for mixer in "DSC- 5" "DSC-5abc" "DSC-+5" "DSC-99999999999999999999"; do
  expect_error "token mixer '$mixer'" "unknown token mixer '$mixer'" -- \
    score --space flexibert --choices "{\"token_mixer\": [\"$mixer\"]}" --sample 2
done

# Bounded work: user-sized counts are refused past their documented range when
# the command line is read, and enumeration refuses a space it cannot finish.
expect_error "--repeats 2^64-1" "--repeats: value 18446744073709551615 is not in 1..10000" -- \
  rank --benchmark "$bench/lts-gpt2/wt103.json" --calibrate-on "$bench/lts-gpt2/wt103.json" --repeats 18446744073709551615
expect_error "bench --seconds inf" "--seconds: value inf is not in" -- bench --seconds inf
expect_error "bench --seconds nan" "--seconds: value nan is not in" -- bench --seconds nan
expect_error "bench --populations 0" "--populations: value 0 is not in" -- bench --populations 0
expect_error "calibrate --architectures 2^64-1" "--architectures: value 18446744073709551615 is not in" -- \
  calibrate --strategy heuristic --architectures 18446744073709551615
expect_error "latency profile --samples 2^63-1" "--samples: value 9223372036854775807 is not in" -- \
  latency profile --device cpu --samples 9223372036854775807 --out "$tmp/never.json"
expect_error "latency profile --threads -1" "--threads: value -1 is not in" -- \
  latency profile --device cpu --threads -1 --out "$tmp/never.json"
expect_error "--choices number overflow" "--choices: malformed JSON" -- enumerate --choices '{"layers": [1e400]}'
expect_error "enumerate 10^40 architectures" "more than --max-architectures" -- enumerate --choices '{"layers": [24]}'

# ---------------------------------------------------------------- benchmark folders
# An LTS run folder whose record folder names hold numbers past any integer type.
for name in config_99999999999999999999/j0 config_0/j99999999999999999999 M99999999999999999999; do
  rm -rf "$tmp/lts"
  cp -r "$bench/upstream/lts/pareto_GPT2_lm1b_titanxp" "$tmp/lts"
  mkdir -p "$tmp/lts/$name"
  cp "$tmp/lts/M1/model_config.yaml" "$tmp/lts/$name/model_config.yaml"
  expect_error "LTS record folder $name" "is out of range" -- params --benchmark "$tmp/lts"
done
rm -rf "$tmp/lts"

# ---------------------------------------------------------------- configs
printf '' >"$tmp/empty.yaml"
expect_error "empty config" "is empty" -- search "$tmp/empty.yaml" --out "$tmp/never"
expect_error "a folder as the config" "not a file" -- search "$tmp" --out "$tmp/never"
printf '42\n' >"$tmp/scalar.yaml"
expect_error "a scalar config" "must be a YAML mapping" -- search "$tmp/scalar.yaml" --out "$tmp/never"
printf '\x00\x01\x02binary' >"$tmp/binary.yaml"
expect_error "binary config" "not a text file" -- search "$tmp/binary.yaml" --out "$tmp/never"
printf 'space: fl\xe9xibert\n' >"$tmp/latin1.yaml"
expect_error "invalid UTF-8 config" "not UTF-8" -- search "$tmp/latin1.yaml" --out "$tmp/never"
printf 'space: gpt2\nspace: flexibert\n' >"$tmp/duplicate.yaml"
expect_error "duplicate top-level key" "key 'space' appears twice" -- search "$tmp/duplicate.yaml" --out "$tmp/never"
printf 'search:\n  population: 10\n  population: 20\n' >"$tmp/duplicate-nested.yaml"
expect_error "duplicate nested key" "duplicate-nested.yaml:3:3: key 'population' appears twice" -- \
  search "$tmp/duplicate-nested.yaml" --out "$tmp/never"
printf 'space: flexibert\n---\nspace: gpt2\n' >"$tmp/two.yaml"
expect_error "a second YAML document" "more than one YAML document" -- search "$tmp/two.yaml" --out "$tmp/never"
{
  printf 'choices:\n  hidden_size: &a [128, 128, 128, 128, 128, 128, 128, 128, 128]\n'
  printf '  x: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n  y: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n'
  printf '  z: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n  w: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n'
  printf '  v: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n  u: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n'
} >"$tmp/bomb.yaml"
expect_error "YAML alias bomb" "expands to more than" -- search "$tmp/bomb.yaml" --out "$tmp/never"
printf 'proxy:\n  alpha: .nan\n' >"$tmp/nan.yaml"
expect_error "alpha .nan in a config" "'proxy.alpha': value '.nan' is not a number from -100 to 100" -- \
  search "$tmp/nan.yaml" --out "$tmp/never"
printf 'search:\n  max_seconds: .nan\n' >"$tmp/nan-seconds.yaml"
expect_error "max_seconds .nan" "'search.max_seconds'" -- search "$tmp/nan-seconds.yaml" --out "$tmp/never"
printf 'seed: -3\n' >"$tmp/negative-seed.yaml"
expect_error "negative seed in a config" "'seed': value '-3' is not a whole number" -- \
  search "$tmp/negative-seed.yaml" --out "$tmp/never"
printf 'search:\n  max_evaluations: 1e18\n' >"$tmp/huge.yaml"
expect_error "1e18 evaluations: the error says the range" "is not a whole number from 1 to" -- \
  search "$tmp/huge.yaml" --out "$tmp/never"
expect_error "--set names the argument" "--set search.population=abc" -- \
  search "$experiments/flexibert-trained.yaml" --set search.population=abc --out "$tmp/never"
expect_error "--alpha 1e308 says the range" "is not a number from -100 to 100" -- score --sample 3 --alpha 1e308
expect_error "--alpha nan" "" -- score --sample 3 --alpha nan

# ---------------------------------------------------------------- command lines
expect_error "--sample past its range" "--sample: value 18446744073709551615 is not in 1..10000000" -- score --sample 18446744073709551615
expect_error "negative --seed" "is negative" -- score --sample 3 --seed -1
expect_error "negative --sample" "is negative" -- score --sample -5
expect_error "--island on a single-process run" "--island" -- export "$run" --pareto --island -1
expect_error "--reference-parameters nan" "--reference-parameters" -- \
  enumerate --choices '{"layers": [2], "hidden_size": [128]}' --reference-parameters nan
expect_error "modes --alpha nan" "--alpha" -- modes --benchmark "$bench/nas-bench-bert/architectures.json" --alpha nan

# ---------------------------------------------------------------- undefined statistics
one="$tmp/one.json"
printf '[{"id": 0, "hidden_size": 128, "encoder_layers": [{"operation_type": "SA", "operation_parameter": "SDP",
 "num_operation_heads": 2, "feed_forward_dimension": 512, "num_feed_forward": 1}, {"operation_type": "SA",
 "operation_parameter": "SDP", "num_operation_heads": 2, "feed_forward_dimension": 512, "num_feed_forward": 1}],
 "scores": {"glue": 70.0}}]' >"$one"
expect_error "rank on one record" "undefined" -- rank --benchmark "$one" --alpha 0.5
"$PYTHON" - "$bench/nas-bench-bert/architectures.json" "$tmp/tied.json" <<'EOF'
import json, sys
records = json.load(open(sys.argv[1]))[:40]
for r in records:
    r["scores"]["glue"] = 75.0
json.dump(records, open(sys.argv[2], "w"))
EOF
expect_error "rank on all-equal ground truth" "the ground truth is 75 on all 40 rows" -- rank --benchmark "$tmp/tied.json" --alpha 0.5
expect_error "calibration on tied ground truth" "no alpha ranks them better" -- \
  calibrate --strategy sample --benchmark "$tmp/tied.json" --sample 10
"$PYTHON" - "$bench/nas-bench-bert/architectures.json" "$tmp/extreme.json" <<'EOF'
import json, sys
records = json.load(open(sys.argv[1]))[:40]
for i, r in enumerate(records):
    r["scores"]["glue"] = 1.7e308 if i % 2 else -1.7e308
json.dump(records, open(sys.argv[2], "w"))
EOF
"$ZEROLM" rank --benchmark "$tmp/extreme.json" --alpha 0.5 --json >"$tmp/extreme.out" 2>/dev/null || fail "rank on extreme ground truth"
if grep -q 'null\|nan' "$tmp/extreme.out"; then fail "rank on +-1.7e308 ground truth printed null/NaN"; fi
checks=$((checks + 1))
echo "ok $checks - ground truth of +-1.7e308: finite correlations"

# Plot ticks on a range narrower than doubles resolve at its magnitude (1e17 and
# 1e17 + 16 apart by one step of 16): the report ends, with a finite plot.
"$PYTHON" - "$bench/nas-bench-bert/architectures.json" "$tmp/narrow.json" <<'EOF'
import json, sys
records = json.load(open(sys.argv[1]))[:40]
for i, r in enumerate(records):
    r["scores"]["glue"] = 1e17 + (16 if i % 2 else 0)
json.dump(records, open(sys.argv[2], "w"))
EOF
timeout 60 "$ZEROLM" rank --benchmark "$tmp/narrow.json" --alpha 0.5 --report "$tmp/narrow.html" >/dev/null 2>&1 ||
  fail "rank --report on ground truth 1e17 and 1e17 + 16 (exit $?: a hang is 124)"
grep -q 'NaN\|inf' "$tmp/narrow.html" && fail "the narrow-range report holds NaN or inf"
checks=$((checks + 1))
echo "ok $checks - plot ticks on 1e17 .. 1e17 + 16 end"

# ---------------------------------------------------------------- latency models
printf '{"model": "analytic", "device": "x", "fitted": true, "workload": {"batch": 8, "sequence": 1024},
 "milliseconds_per_unit": {"constant": -1, "attention_gflop": 0, "ffn_gflop": 0, "embedding_gflop": 0,
 "attention_score_gflop": 0, "layers": 0, "bias_vectors": 0}}' >"$tmp/negative.json"
expect_error "latency model with a negative constant" "milliseconds_per_unit.constant" -- \
  latency eval --benchmark "$bench/hwgpt-latency/h100.json" --model "$tmp/negative.json"
expect_error "--batch 0" "--batch" -- latency fit --benchmark "$bench/hwgpt-latency/h100.json" --batch 0 --out "$tmp/m.json"
expect_error "--sequence -1" "--sequence" -- latency fit --benchmark "$bench/hwgpt-latency/h100.json" --sequence -1 \
  --out "$tmp/m.json"

# ---------------------------------------------------------------- run stores
rc=0
"$ZEROLM" export "$run" --pareto >&- 2>"$tmp/stderr" || rc=$?
[[ "$rc" -eq 2 && "$(<"$tmp/stderr")" == "zerolm: error:"* ]] || fail "export with stdout closed: exit $rc, $(<"$tmp/stderr")"
checks=$((checks + 1))
echo "ok $checks - export with standard output closed: $(<"$tmp/stderr")"
expect_unchanged "export with stdout closed left the run" "$run" "$before"
expect_error "resume a finished run" "has finished" -- search --resume "$run"
expect_unchanged "hostile commands left the run" "$run" "$before"

{
  damage() {  # damage COPY SQL
    rm -rf "$tmp/damaged"
    cp -r "$run" "$tmp/damaged"
    "$PYTHON" -c "import sqlite3, sys; d = sqlite3.connect(sys.argv[1]); d.executescript(sys.argv[2]); d.commit()" \
      "$tmp/damaged/run.sqlite" "$1"
  }
  damage "UPDATE meta SET value = '{not json' WHERE key = 'checkpoint';"
  expect_error "malformed checkpoint: export" "checkpoint" -- export "$tmp/damaged" --pareto
  expect_error "malformed checkpoint: report" "checkpoint" -- report "$tmp/damaged" --out "$tmp/r.html"
  for version in abc 5abc 2147483648 " 6" -1; do
    damage "UPDATE meta SET value = '$version' WHERE key = 'schema_version';"
    expect_error "schema_version '$version': export" "schema_version '$version' is not a version number" -- \
      export "$tmp/damaged" --pareto
    expect_error "schema_version '$version': resume" "schema_version '$version' is not a version number" -- \
      search --resume "$tmp/damaged"
  done
  damage "DELETE FROM evaluations;"
  expect_error "empty evaluations table: export" "never evaluated" -- export "$tmp/damaged" --top 3
  damage "UPDATE archive SET architecture = '{\"hidden_size\": 99}' WHERE position = (SELECT min(position) FROM archive);"
  expect_error "an unreadable stored architecture" "stored architecture" -- export "$tmp/damaged" --pareto
  rm -rf "$tmp/damaged"
  cp -r "$run" "$tmp/damaged"
  "$PYTHON" - "$tmp/damaged/run.sqlite" <<'EOF'
import sys
path = sys.argv[1]
data = bytearray(open(path, "rb").read())
for offset in range(4096, len(data), 997):  # flip bytes in every page but the header's
    data[offset] ^= 0x5A
open(path, "wb").write(bytes(data))
EOF
  expect_error "flipped bytes: export" "" -- export "$tmp/damaged" --pareto
  expect_error "flipped bytes: report" "" -- report "$tmp/damaged" --out "$tmp/r.html"
  printf 'not a database at all' >"$tmp/damaged/run.sqlite"
  expect_error "not an SQLite file" "not an SQLite database" -- export "$tmp/damaged" --pareto
}

# A live run: report and export read a committed generation while it commits;
# a second writer is refused even after run.lock was deleted by hand.
live="$tmp/live"
"$ZEROLM" search "$experiments/flexibert-trained.yaml" --set search.max_evaluations=100000000 --set search.children=8 \
  --out "$live" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -s "$live/run.sqlite" ]] && "$ZEROLM" export "$live" --top 1 >/dev/null 2>&1 && break; sleep 0.1; done
for i in 1 2 3 4 5 6; do
  "$ZEROLM" report "$live" --out "$tmp/live.html" 2>"$tmp/stderr" || fail "report of a live run ($i): $(<"$tmp/stderr")"
  "$ZEROLM" export "$live" --pareto >/dev/null 2>"$tmp/stderr" || fail "export of a live run ($i): $(<"$tmp/stderr")"
done
checks=$((checks + 1))
echo "ok $checks - report and export of a live run, 6 times each"
rm -f "$live/run.lock"
expect_error "a second writer after run.lock was deleted" "in use by another zerolm process" -- search --resume "$live"
kill -9 "${pids[0]}" 2>/dev/null || true
wait "${pids[0]}" 2>/dev/null || true

# ---------------------------------------------------------------- sweeps
mkdir -p "$tmp/sweep"
cp "$experiments/flexibert-trained.yaml" "$tmp/sweep/base.yaml"
cat >"$tmp/sweep/sweep.yaml" <<'EOF'
base: base.yaml
set: {search.max_evaluations: 300}
axes:
  - {key: proxy.alpha, values: [0.1, 0.2]}
output: out
EOF
"$ZEROLM" sweep "$tmp/sweep/sweep.yaml" --out "$tmp/sweep/out" >/dev/null 2>&1 || fail "the reference sweep failed"
sweep_before="$(fingerprint "$tmp/sweep/out")"
sed -i 's/population: 256/population: 128/' "$tmp/sweep/base.yaml"
expect_error "a sweep whose base config changed" "were run with another config: point 0 (search.population differ)" -- \
  sweep "$tmp/sweep/sweep.yaml" --out "$tmp/sweep/out"
expect_unchanged "the refused sweep left its points" "$tmp/sweep/out" "$sweep_before"
cat >"$tmp/sweep/big.yaml" <<'EOF'
base: base.yaml
axes:
  - {key: seed, values: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]}
  - {key: proxy.alpha, values: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]}
  - {key: search.population, values: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]}
  - {key: search.children, values: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]}
output: big
EOF
expect_error "a 20,000-point sweep without --force" "has 20000 points" -- sweep "$tmp/sweep/big.yaml" --out "$tmp/sweep/big"
[[ ! -e "$tmp/sweep/big" ]] || fail "the refused 20,000-point sweep created its folder"
sed -i 's/population: 128/population: 256/' "$tmp/sweep/base.yaml"
cat >"$tmp/sweep/slow.yaml" <<'EOF'
base: base.yaml
set: {search.max_evaluations: 100000000, search.children: 8}
axes:
  - {key: proxy.alpha, values: [0.1]}
output: slow
EOF
"$ZEROLM" sweep "$tmp/sweep/slow.yaml" --out "$tmp/sweep/slow" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do [[ -e "$tmp/sweep/slow/point-000/run.sqlite" ]] && break; sleep 0.1; done
expect_error "a second sweep on the same folder" "another zerolm sweep is running in this folder" -- \
  sweep "$tmp/sweep/slow.yaml" --out "$tmp/sweep/slow"
kill -9 "${pids[1]}" 2>/dev/null || true
wait "${pids[1]}" 2>/dev/null || true

# Sizes beyond a space's documented ranges, and duplicate record ids.
"$PYTHON" - "$bench" "$tmp" <<'PY'
import json, sys
bench, tmp = sys.argv[1], sys.argv[2]
lts = json.load(open(bench + "/lts-gpt2/wt103.json"))[:3]
huge = json.loads(json.dumps(lts))
huge[1]["config"]["d_model"] = 1000000000
json.dump(huge, open(tmp + "/huge_d_model.json", "w"))
hw = json.load(open(bench + "/hwgpt-latency/h100.json"))[:3]
hw[2]["embed_dim"] = 1000000000
json.dump(hw, open(tmp + "/huge_embed_dim.json", "w"))
twice = lts + [lts[0]]
json.dump(twice, open(tmp + "/twice.json", "w"))
PY
expect_error "gpt2 d_model 1e9 in a benchmark" "d_model': value 1000000000" -- params --benchmark "$tmp/huge_d_model.json"
expect_error "HW-GPT embed_dim 1e9" "embed_dim': value 1000000000" -- params --benchmark "$tmp/huge_embed_dim.json"
expect_error "a record id twice in a benchmark" "is the id of an earlier record" -- params --benchmark "$tmp/twice.json"

root="$(cd "$(dirname "$0")/.." && pwd)"
# Values the option table refuses at its root: empty text, fractions of whole
# numbers, options that the others given make meaningless.
expect_error "--device ''" "--device: the value is empty" -- score --sample 2 --device ''
expect_error "--out ''" "--out: the value is empty" -- export "$run" --pareto --out ''
expect_error "--set ''" "--set: the value is empty" -- search "$root/experiments/flexibert-trained.yaml" --set '' --out "$tmp/x"
expect_error "latency fit --batch 1.5" "--batch: value 1.5 is not a whole number" -- latency fit \
  --benchmark "$root/benchmarks/hwgpt-latency/h100.json" --batch 1.5 --out "$tmp/m.json" --device x
expect_error "score --from F --sample 5" "exclude each other" -- score --from "$root/tests/data/hf/gpt2.json" --sample 5
expect_error "search --resume DIR --out OTHER" "a resumed run stays in its own folder" -- search --resume "$run" --out "$tmp/other"
lts="$root/benchmarks/lts-gpt2/wt103.json"
expect_error "calibrating on all but one record" "leaves 1 to evaluate on; a correlation needs at least 2" -- \
  rank --benchmark "$lts" --calibrate-on "$lts" --sample 199
expect_error "calibrating on another space's file" "records of space flexibert cannot calibrate space gpt2" -- \
  rank --benchmark "$lts" --calibrate-on "$root/benchmarks/nas-bench-bert/architectures.json"
"$(command -v /usr/bin/python3 || command -v python3)" - "$root/benchmarks/hwgpt-latency/h100.json" "$tmp/zero-latency.json" <<'PY'
import json, sys
records = json.load(open(sys.argv[1]))[:50]
records[5]["gpu_latency_ms"] = 0
json.dump(records, open(sys.argv[2], "w"))
PY
expect_error "latency fit on a latency of 0" "zero-latency.json: record 5: its measured latency is 0, not a positive number" -- \
  latency fit --benchmark "$tmp/zero-latency.json" --out "$tmp/zero-model.json" --device x
[ ! -e "$tmp/zero-model.json" ] || fail "latency fit on a latency of 0 wrote a model"
"$ZEROLM" latency fit --benchmark "$root/benchmarks/hwgpt-latency/h100.json" --out "$tmp/good-model.json" \
  --device x >/dev/null 2>&1 || fail "latency fit on the shipped records"
expect_error "latency eval on a latency of 0" "record 5: its measured latency is 0" -- \
  latency eval --benchmark "$tmp/zero-latency.json" --model "$tmp/good-model.json"

echo "cli_hostile: all $checks checks passed"

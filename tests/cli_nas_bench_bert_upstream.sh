#!/usr/bin/env bash
# NAS-Bench-BERT as published: `zerolm rank` on upstream/nas-bench-bert/BERT_benchmark.json
# (published proxies from the CSV beside it) prints exactly the figures of the converted
# nas-bench-bert/architectures.json, for every protocol; bad files exit 2 with one line.
# Usage: ZEROLM=path/to/zerolm ZEROLM_BENCHMARKS=... bash tests/cli_nas_bench_bert_upstream.sh
set -euo pipefail
export LC_ALL=C
[[ -x "${ZEROLM:-}" ]] || { echo "set ZEROLM to the zerolm binary" >&2; exit 1; }
bench="${ZEROLM_BENCHMARKS:-$(cd "$(dirname "$0")/.." && pwd)/benchmarks}"
upstream="$bench/upstream/nas-bench-bert/BERT_benchmark.json"
converted="$bench/nas-bench-bert/architectures.json"
if [[ ! -f "$upstream" || ! -f "$converted" ]]; then
  echo "FAIL: $upstream or $converted not found (the project's benchmarks/ folder, or ZEROLM_BENCHMARKS)" >&2
  exit 1
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_cli_bert.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The rank JSON without the two fields that differ by nature: the path and the timing.
figures() { python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("benchmark", None); d.pop("seconds_per_arch"); print(json.dumps(d, sort_keys=True))'; }

for protocol in paper pytorch trained; do
  for proxy in zerolm params; do
    "$ZEROLM" rank --benchmark "$upstream" --protocol "$protocol" --proxy "$proxy" --json | figures >"$tmp/up.json"
    "$ZEROLM" rank --benchmark "$converted" --protocol "$protocol" --proxy "$proxy" --json | figures >"$tmp/cv.json"
    cmp -s "$tmp/up.json" "$tmp/cv.json" || fail "rank --protocol $protocol --proxy $proxy differs:
$(diff "$tmp/up.json" "$tmp/cv.json" | head -5)"
    grep -q '"number_of_parameters"' "$tmp/up.json" || fail "no published baselines from the CSV beside $upstream"
  done
done
# The plain-text output matches too, but for the path line.
"$ZEROLM" rank --benchmark "$upstream" | tail -n +2 | grep -v "seconds per architecture" >"$tmp/up.txt"
"$ZEROLM" rank --benchmark "$converted" | tail -n +2 | grep -v "seconds per architecture" >"$tmp/cv.txt"
cmp -s "$tmp/up.txt" "$tmp/cv.txt" || fail "rank text output differs: $(diff "$tmp/up.txt" "$tmp/cv.txt" | head -5)"

# Forcing the format, and the baselines from a named file.
cp "$upstream" "$tmp/records.json"
"$ZEROLM" rank --benchmark "$tmp/records.json" --format nas-bench-bert-upstream --json | figures >"$tmp/alone.json"
grep -q '"number_of_parameters"' "$tmp/alone.json" && fail "baselines found without a CSV beside the file"
"$ZEROLM" rank --benchmark "$tmp/records.json" --baselines "$(dirname "$upstream")/BERT_results_activation.csv" \
  --json | figures >"$tmp/named.json"
"$ZEROLM" rank --benchmark "$upstream" --json | figures >"$tmp/beside.json"
cmp -s "$tmp/named.json" "$tmp/beside.json" || fail "--baselines FILE differs from the CSV beside the benchmark"

# expect_error NEEDLE ARGS...: exit 2 and one stderr line "zerolm: error: ..." containing NEEDLE.
expect_error() {
  local needle="$1"; shift
  local rc=0
  "$ZEROLM" "$@" >/dev/null 2>"$tmp/err" || rc=$?
  [[ $rc -eq 2 ]] || fail "exit $rc, expected 2: zerolm $* ($(cat "$tmp/err"))"
  [[ "$(wc -l <"$tmp/err")" -eq 1 ]] || fail "not one line: zerolm $*: $(cat "$tmp/err")"
  grep -q '^zerolm: error:' "$tmp/err" || fail "not an error line: $(cat "$tmp/err")"
  grep -qF -- "$needle" "$tmp/err" || fail "no '$needle' in: $(cat "$tmp/err")"
}
python3 - "$(dirname "$upstream")/BERT_results_activation.csv" "$tmp" <<'PY'
import sys
rows = open(sys.argv[1]).read().splitlines()
bad = rows[:]
cells = bad[3].split(","); cells[2] = "n/a"; bad[3] = ",".join(cells)
open(sys.argv[2] + "/nonnumeric.csv", "w").write("\n".join(bad) + "\n")
short = rows[:]; short[5] = ",".join(short[5].split(",")[:-1])
open(sys.argv[2] + "/short.csv", "w").write("\n".join(short) + "\n")
PY
expect_error "nonnumeric.csv: row 3 (line 4), column 'Synaptic Diversity': value 'n/a' is not a finite number" \
  rank --benchmark "$tmp/records.json" --baselines "$tmp/nonnumeric.csv"
expect_error "short.csv: row 5 (line 6) has 16 columns; the header has 17" \
  params --benchmark "$tmp/records.json" --baselines "$tmp/short.csv"
expect_error "--format: value 'bert' is not a benchmark format" rank --benchmark "$upstream" --format bert
expect_error "--baselines: format nas-bench-bert takes no baselines file" \
  rank --benchmark "$converted" --baselines "$tmp/short.csv"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); d[4]["id"] = d[2]["id"]
json.dump(d, open(sys.argv[2] + "/dup.json", "w"))
d = json.load(open(sys.argv[1])); del d[7]["hparams"]["model_hparam_overrides"]["nas_config"]
json.dump(d, open(sys.argv[2] + "/missing.json", "w"))' "$upstream" "$tmp"
expect_error "dup.json: record 2: field 'id': value 2 is the id of an earlier record" rank --benchmark "$tmp/dup.json"
expect_error "missing.json: record 10: field 'hparams.model_hparam_overrides.nas_config' is missing" \
  rank --benchmark "$tmp/missing.json"
echo "cli_nas_bench_bert_upstream: ok"

#!/usr/bin/env bash
# zerolm sweep end to end: a grid and a zip of searches; killed mid-sweep and run
# again, it ends with the same per-point results as an uninterrupted sweep;
# finished points are not run twice; bad sweeps are named by file and point.
set -uo pipefail
fail() { echo "FAIL: $*"; exit 1; }
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_sweep.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT

cat > "$tmp/sweep.yaml" <<YAML
base: $root/experiments/flexibert-trained.yaml
set: {search.max_evaluations: 600, search.population: 32, search.tournament: 8, search.children: 16}
axes:
  - {key: proxy.alpha, values: [0.1, 0.3]}
  - {key: seed, values: [0, 1, 2]}
parallel: 2
YAML
# The results that must not depend on interruptions: point, values, best, archive, hypervolume, evaluations.
results() { cut -d, -f1-3,5-8 "$1/summary.csv"; }

"$ZEROLM" sweep "$tmp/sweep.yaml" --out "$tmp/reference" 2>"$tmp/reference.err" || fail "sweep: $(cat "$tmp/reference.err")"
[ "$(wc -l < "$tmp/reference/summary.csv")" -eq 7 ] || fail "summary.csv should have a header and 6 points"
[ "$(grep -c '"status": "finished"' "$tmp/reference/summary.json")" -eq 6 ] || fail "summary.json: 6 finished points expected"
for p in 000 001 002 003 004 005; do [ -f "$tmp/reference/point-$p/run.sqlite" ] || fail "point-$p has no run store"; done
grep -q '^0,0.1,0,finished,' "$tmp/reference/summary.csv" || fail "point 0 values: $(sed -n 2p "$tmp/reference/summary.csv")"
grep -q '^5,0.3,2,finished,' "$tmp/reference/summary.csv" || fail "point 5 values: $(sed -n 7p "$tmp/reference/summary.csv")"
# Points differ (alpha and seed reach the searches).
[ "$(cut -d, -f5 "$tmp/reference/summary.csv" | sort -u | wc -l)" -ge 3 ] || fail "points gave the same best score"

# Run again: nothing is recomputed.
"$ZEROLM" sweep "$tmp/sweep.yaml" --out "$tmp/reference" 2>"$tmp/again.err" || fail "rerun: $(cat "$tmp/again.err")"
[ "$(grep -c 'done earlier' "$tmp/again.err")" -eq 6 ] || fail "rerun should skip all 6 points: $(cat "$tmp/again.err")"
cmp -s <(results "$tmp/reference") <(cd "$tmp" && results reference) || fail "rerun changed the summary"

# Killed in the middle of a point (SIGKILL at generation 10), then run again.
ZEROLM_KILL_AT="10:in_transaction" bash -c '"$@" >/dev/null 2>&1; exit $?' _ "$ZEROLM" sweep "$tmp/sweep.yaml" --out "$tmp/killed" 2>/dev/null
[ $? -eq 137 ] || fail "the sweep was not killed"
"$ZEROLM" sweep "$tmp/sweep.yaml" --out "$tmp/killed" 2>"$tmp/killed.err" || fail "resume: $(cat "$tmp/killed.err")"
grep -q 'resumed' "$tmp/killed.err" || fail "no point was resumed: $(cat "$tmp/killed.err")"
cmp -s <(results "$tmp/reference") <(results "$tmp/killed") || fail "interrupted sweep differs: $(diff <(results "$tmp/reference") <(results "$tmp/killed"))"
echo "ok: a 2x3 grid; a rerun skips finished points; a killed sweep resumes to the same results"

# Zipped axes advance together.
cat > "$tmp/zip.yaml" <<YAML
base: $root/experiments/flexibert-trained.yaml
set: {search.max_evaluations: 200, search.population: 16, search.tournament: 4, search.children: 8}
axes:
  - {key: seed, values: [3, 4, 5], zip: true}
  - {key: proxy.alpha, values: [0.0, 0.5, 1.0], zip: true}
  - {key: search.strategy, values: [evolution, random]}
YAML
"$ZEROLM" sweep "$tmp/zip.yaml" --out "$tmp/zip" 2>"$tmp/zip.err" || fail "zip: $(cat "$tmp/zip.err")"
[ "$(wc -l < "$tmp/zip/summary.csv")" -eq 7 ] || fail "zip: 3 zipped x 2 = 6 points expected"
grep -q '^3,4,0.5,random,' "$tmp/zip/summary.csv" || fail "zip: point 3 should be seed 4, alpha 0.5, random: $(cat "$tmp/zip/summary.csv")"
echo "ok: zipped axes"

# Bad sweeps: one line naming the file (and the point), exit 2, nothing run.
expect() {
  local name="$1" needle="$2" file="$3"
  "$ZEROLM" sweep "$file" --out "$tmp/never-$name" 2>"$tmp/$name.err"
  [ $? -eq 2 ] || fail "$name: expected exit 2"
  [ "$(wc -l < "$tmp/$name.err")" -eq 1 ] || fail "$name: expected one line: $(cat "$tmp/$name.err")"
  grep -qF -- "$needle" "$tmp/$name.err" || fail "$name: '$needle' not in: $(cat "$tmp/$name.err")"
  [ ! -d "$tmp/never-$name/point-000" ] || fail "$name: a point ran"
}
printf 'base: %s\naxes:\n  - {key: proxy.alpah, values: [0.1]}\n' "$root/experiments/flexibert-trained.yaml" > "$tmp/badkey.yaml"
expect badkey "badkey.yaml: point 0 (proxy.alpah=0.1)" "$tmp/badkey.yaml"
printf 'base: %s\naxes:\n  - {key: search.populaton, values: [3]}\n' "$root/experiments/flexibert-trained.yaml" > "$tmp/badfield.yaml"
expect badfield "badfield.yaml:3:11: 'axes[].key': 'search.populaton' is not a config key ('search' keys: strategy, population" "$tmp/badfield.yaml"
printf 'base: %s\naxes:\n  - {key: seed, values: [1, 2], zip: true}\n  - {key: proxy.alpha, values: [0.1], zip: true}\n' "$root/experiments/flexibert-trained.yaml" > "$tmp/badzip.yaml"
expect badzip "badzip.yaml:4:32: zipped axis 'proxy.alpha' has 1 values, the other zipped axes 2" "$tmp/badzip.yaml"
printf 'base: nowhere.yaml\naxes:\n  - {key: seed, values: [1]}\n' > "$tmp/nobase.yaml"
expect nobase "nobase.yaml:1:7: 'base': file" "$tmp/nobase.yaml"
printf 'base: %s\naxes:\n  - {key: seed, values: [7]}\n' "$root/experiments/flexibert-trained.yaml" > "$tmp/other.yaml"
"$ZEROLM" sweep "$tmp/other.yaml" --out "$tmp/reference" 2>"$tmp/other.err"
[ $? -eq 2 ] || fail "a different sweep in the same folder: expected exit 2"
grep -q "holds a different sweep" "$tmp/other.err" || fail "different sweep: $(cat "$tmp/other.err")"
echo "ok: bad sweeps are refused with file, line and point"

# The shipped sweeps run.
for sweep in "$root"/experiments/sweeps/*.yaml; do
  name="$(basename "$sweep" .yaml)"
  "$ZEROLM" sweep "$sweep" --out "$tmp/shipped-$name" 2>"$tmp/shipped.err" || fail "$name: $(cat "$tmp/shipped.err")"
  ! grep -q failed "$tmp/shipped-$name/summary.csv" || fail "$name: a point failed"
  echo "ok: experiments/sweeps/$name.yaml ($(($(wc -l < "$tmp/shipped-$name/summary.csv") - 1)) points)"
done

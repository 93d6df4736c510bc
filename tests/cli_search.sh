#!/usr/bin/env bash
# zerolm search end to end: a run killed with SIGKILL at several points and then
# resumed ends with the same archive and population as an uninterrupted run; a
# second process is kept out of a live run; a finished run is not overwritten.
set -uo pipefail
fail() { echo "FAIL: $*"; exit 1; }
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_search.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
config="$root/experiments/flexibert-trained.yaml"
# Runs zerolm with ZEROLM_KILL_AT=$1 inside a shell whose stderr (where bash
# reports "Killed") is discarded; returns zerolm's status (137 when killed).
killable() {
  local point="$1"
  shift
  ZEROLM_KILL_AT="$point" bash -c '"$@" >/dev/null 2>&1; exit $?' _ "$ZEROLM" "$@" 2>/dev/null
}
small=(--set search.population=32 --set search.tournament=8 --set search.children=16 --set search.max_evaluations=400)

"$ZEROLM" search "$config" "${small[@]}" --out "$tmp/reference" --log-json >/dev/null 2>&1 || fail "uninterrupted run"
"$ZEROLM" export "$tmp/reference" --pareto --out "$tmp/reference.pareto.json" || fail "export --pareto"
"$ZEROLM" export "$tmp/reference" --population --out "$tmp/reference.population.json" || fail "export --population"
[ "$(grep -c '"hash"' "$tmp/reference.population.json")" -eq 32 ] || fail "population of the reference run is not 32"
# --format csv: the json export's rows and fields, untracked costs empty (NaN in pandas, never 0).
"$ZEROLM" export "$tmp/reference" --pareto --format csv --out "$tmp/reference.pareto.csv" || fail "export --format csv"
py="$(command -v /usr/bin/python3 || command -v python3)"  # Debian's, with python3-pandas
"$py" - "$tmp/reference.pareto.csv" "$tmp/reference.pareto.json" <<'PY' || fail "the csv export differs from the json export"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
listed = json.load(open(sys.argv[2]))
assert len(rows) == len(listed) > 0, (len(rows), len(listed))
for row, item in zip(rows, listed):
    assert row["hash"] == item["hash"] and float(row["score"]) == item["score"], (row["hash"], item["hash"])
    assert int(row["parameters"]) == item["parameters"]
    assert json.loads(row["architecture"]) == item["architecture"]
    for cost in ("latency", "memory", "flops", "kv_cache"):
        assert (row[cost] == "") == (item[cost] is None), (cost, row[cost], item[cost])
try:
    import pandas
except ImportError:
    sys.exit(0)
frame = pandas.read_csv(sys.argv[1], float_precision="round_trip")  # the C parser rounds otherwise
assert len(frame) == len(listed) and frame["latency"].isna().all() and (frame["score"] == [i["score"] for i in listed]).all()
PY

for point in 0:before_commit 0:in_transaction 3:in_transaction 7:after_commit 12:before_commit 20:after_commit; do
  run="$tmp/killed-${point/:/-}"
  killable "$point" search "$config" "${small[@]}" --out "$run" --log-json
  rc=$?
  [ "$rc" -eq 137 ] || fail "$point: expected the run to be killed (137), got $rc"
  # Killed before the first checkpoint, the store holds only the config: resume starts at generation 0.
  "$ZEROLM" search --resume "$run" --log-json >/dev/null 2>"$tmp/resume.err" || fail "$point: resume failed: $(cat "$tmp/resume.err")"
  "$ZEROLM" export "$run" --pareto --out "$tmp/pareto.json" || fail "$point: export"
  "$ZEROLM" export "$run" --population --out "$tmp/population.json" || fail "$point: export"
  cmp -s "$tmp/pareto.json" "$tmp/reference.pareto.json" || fail "$point: the archive differs from the uninterrupted run's"
  cmp -s "$tmp/population.json" "$tmp/reference.population.json" || fail "$point: the population differs"
  echo "ok: killed at $point, resumed, same archive and population"
done

# A live run keeps a second process out.
if command -v flock >/dev/null 2>&1; then
  killable 5:after_commit search "$config" "${small[@]}" --out "$tmp/live" --log-json
  flock "$tmp/live/run.lock" sleep 5 &
  # Wait until the holder has the lock (a busy machine may start it late).
  for _ in $(seq 50); do flock -n "$tmp/live/run.lock" true 2>/dev/null || break; sleep 0.1; done
  "$ZEROLM" search --resume "$tmp/live" >/dev/null 2>"$tmp/lock.err"
  rc=$?
  wait
  [ "$rc" -eq 2 ] || fail "second process: exit $rc, expected 2"
  grep -q "in use by another zerolm process" "$tmp/lock.err" || fail "second process: $(cat "$tmp/lock.err")"
  echo "ok: a second process gets a clear error"
fi

# A folder that holds a run is never overwritten.
"$ZEROLM" search "$config" "${small[@]}" --out "$tmp/reference" >/dev/null 2>"$tmp/exists.err"
[ $? -eq 2 ] || fail "existing run: expected exit 2"
grep -q "already holds a run" "$tmp/exists.err" || fail "existing run: $(cat "$tmp/exists.err")"
cmp -s <("$ZEROLM" export "$tmp/reference" --pareto) "$tmp/reference.pareto.json" || fail "existing run was changed"
echo "ok: an existing run is kept"

# A finished run: --resume says so, and --set search.max_evaluations=N --resume
# extends it to the run that the larger budget gives in one go (400 = 32 + 23 x 16
# and 592 = 32 + 35 x 16 end at generation boundaries).
"$ZEROLM" search --resume "$tmp/reference" >/dev/null 2>"$tmp/finished.err"
[ $? -eq 2 ] || fail "resume of a finished run: expected exit 2"
grep -q "the run has finished" "$tmp/finished.err" || fail "resume of a finished run: $(cat "$tmp/finished.err")"
cp -r "$tmp/reference" "$tmp/extended"
"$ZEROLM" search --resume "$tmp/extended" --set search.max_evaluations=592 --log-json >/dev/null 2>"$tmp/extend.err" ||
  fail "extend a finished run: $(cat "$tmp/extend.err")"
longer=(--set search.population=32 --set search.tournament=8 --set search.children=16 --set search.max_evaluations=592)
"$ZEROLM" search "$config" "${longer[@]}" --out "$tmp/longer" --log-json >/dev/null 2>&1 || fail "the longer run"
for what in --pareto --population; do
  cmp -s <("$ZEROLM" export "$tmp/extended" $what) <("$ZEROLM" export "$tmp/longer" $what) ||
    fail "extended run: $what differs from one run of the larger budget"
done
"$ZEROLM" search --resume "$tmp/extended" --set search.population=64 >/dev/null 2>"$tmp/extend-key.err"
[ $? -eq 2 ] && grep -q "only search.max_evaluations and search.max_seconds extend it" "$tmp/extend-key.err" ||
  fail "--set of another key with --resume: $(cat "$tmp/extend-key.err")"
"$ZEROLM" search --resume "$tmp/extended" --set search.max_evaluations=100 >/dev/null 2>"$tmp/shrink.err"
[ $? -eq 2 ] && grep -q "can only grow" "$tmp/shrink.err" || fail "shrinking a run: $(cat "$tmp/shrink.err")"
echo "ok: a finished run says so on --resume, and extends to the run of the larger budget"

# --overwrite replaces a finished run (here with seed 1: the same as a fresh seed-1 run).
"$ZEROLM" search "$config" "${small[@]}" --set seed=1 --out "$tmp/extended" --overwrite --log-json >/dev/null \
  2>"$tmp/overwrite.err" || fail "--overwrite: $(cat "$tmp/overwrite.err")"
grep -q "overwrite: removed the run stored in" "$tmp/overwrite.err" || fail "--overwrite: $(cat "$tmp/overwrite.err")"
"$ZEROLM" search "$config" "${small[@]}" --set seed=1 --out "$tmp/seed1" --log-json >/dev/null 2>&1 || fail "seed 1 run"
cmp -s <("$ZEROLM" export "$tmp/extended" --pareto) <("$ZEROLM" export "$tmp/seed1" --pareto) ||
  fail "--overwrite: the new run differs from a fresh one"
if command -v flock >/dev/null 2>&1; then
  flock "$tmp/extended/run.lock" sleep 5 &
  for _ in $(seq 50); do flock -n "$tmp/extended/run.lock" true 2>/dev/null || break; sleep 0.1; done
  "$ZEROLM" search "$config" "${small[@]}" --out "$tmp/extended" --overwrite >/dev/null 2>"$tmp/overwrite-live.err"
  rc=$?
  wait
  [ "$rc" -eq 2 ] && grep -q "in use by another zerolm process" "$tmp/overwrite-live.err" ||
    fail "--overwrite of a live run: exit $rc: $(cat "$tmp/overwrite-live.err")"
  cmp -s <("$ZEROLM" export "$tmp/extended" --pareto) <("$ZEROLM" export "$tmp/seed1" --pareto) ||
    fail "--overwrite of a live run changed it"
fi
echo "ok: --overwrite replaces a finished run and refuses a live one"

# A run that fails before its first generation leaves no store: running it again
# gives the same error, not "already holds a run".
for attempt in 1 2; do
  "$ZEROLM" search "$root/experiments/flexibert-spectral-exact.yaml" --set constraints.parameters.max=1 \
    --out "$tmp/impossible" >/dev/null 2>"$tmp/impossible.err"
  [ $? -eq 2 ] && grep -q "no architecture of space" "$tmp/impossible.err" ||
    fail "impossible exact search (attempt $attempt): $(cat "$tmp/impossible.err")"
  [ ! -e "$tmp/impossible/run.sqlite" ] || fail "a run that failed before its first generation left a store"
done
echo "ok: a run that fails before its first generation leaves no store"

# Bad configs: one line, file:line:column, exit 2.
printf 'space: flexibert\nsearch:\n  populaton: 3\n' > "$tmp/bad.yaml"
"$ZEROLM" search "$tmp/bad.yaml" --out "$tmp/bad" 2>"$tmp/bad.err"
[ $? -eq 2 ] || fail "bad config: expected exit 2"
grep -q "bad.yaml:3:3: unknown key 'search.populaton'" "$tmp/bad.err" || fail "bad config: $(cat "$tmp/bad.err")"
[ ! -e "$tmp/bad/run.sqlite" ] || fail "bad config created a run"
echo "ok: bad config named by file, line and column"

# Every shipped config parses and runs (on a small budget).
for config_file in "$root"/experiments/*.yaml; do
  name="$(basename "$config_file" .yaml)"
  "$ZEROLM" search "$config_file" --set search.population=8 --set search.tournament=4 --set search.children=4 \
    --set search.max_evaluations=16 --out "$tmp/shipped-$name" --log-json >/dev/null 2>"$tmp/shipped.err" ||
    fail "experiments/$name.yaml: $(cat "$tmp/shipped.err")"
  echo "ok: experiments/$name.yaml runs"
done

# Exports round-trip through zerolm: the exported architectures score as stored.
for format in json yaml; do
  "$ZEROLM" export "$tmp/reference" --top 5 --format "$format" --out "$tmp/top.$format" || fail "export --top --format $format"
  "$ZEROLM" score --space flexibert --protocol trained --alpha 0.205 --from "$tmp/top.$format" --top 5 --json >"$tmp/rescored.json" ||
    fail "score --from top.$format"
  stored="$(grep -o '"score": [0-9.e+-]*' "$tmp/top.json" 2>/dev/null | sort | head -5)"
  [ "$format" = yaml ] || [ -n "$stored" ] || fail "no scores in top.json"
  rescored="$(grep -o '"score": [0-9.e+-]*' "$tmp/rescored.json" | sort | head -5)"
  [ "$format" = yaml ] || [ "$stored" = "$rescored" ] || fail "re-scored exports differ: $stored vs $rescored"
  echo "ok: export --format $format reads back into zerolm score --from"
done

# Training-code formats.
"$ZEROLM" export "$tmp/reference" --top 3 --format nas-bench-bert --out "$tmp/nbb.json" || fail "export nas-bench-bert"
[ "$(grep -c '"model_hparam_overrides"' "$tmp/nbb.json")" -eq 3 ] || fail "nas-bench-bert export lacks model_hparam_overrides"
# LTS networks are no GPT2LMHeadModel: --format hf refuses them in one line naming
# --format pytorch (tests/export_hf.py checks the configs it does write), and
# --format archai writes archai's own model_config.yaml.
"$ZEROLM" export "$tmp/shipped-gpt2-lts" --pareto --format hf --out "$tmp/hf" 2>"$tmp/hf.err"
[ $? -eq 2 ] && [ "$(wc -l < "$tmp/hf.err")" -eq 1 ] && grep -q -- '--format pytorch' "$tmp/hf.err" ||
  fail "hf export of gpt2 lts should be refused naming --format pytorch: $(cat "$tmp/hf.err")"
"$ZEROLM" export "$tmp/shipped-gpt2-lts" --pareto --format archai --out "$tmp/archai" 2>/dev/null || fail "export archai"
configs=$(find "$tmp/archai" -name model_config.yaml | wc -l)
[ "$configs" -ge 1 ] || fail "archai export wrote no model_config.yaml"
"$ZEROLM" export "$tmp/reference" --top 1 --format hf --out "$tmp/hf2" 2>"$tmp/hf.err"
[ $? -eq 2 ] || fail "hf export of flexibert should be refused"
echo "ok: nas-bench-bert, archai ($configs model_config.yaml files) and refused hf exports"

# Choice overrides narrow and widen the space.
cat > "$tmp/narrow.yaml" <<'YAML'
space: flexibert
protocol: trained
choices:
  hidden_size: [256]
  layers: [4, 6]
  token_mixer: [SA-SDP, DSC-7]
search: {population: 16, tournament: 4, children: 8, max_evaluations: 200}
YAML
"$ZEROLM" search "$tmp/narrow.yaml" --out "$tmp/narrow" --log-json >/dev/null 2>"$tmp/narrow.err" || fail "choices: $(cat "$tmp/narrow.err")"
"$ZEROLM" export "$tmp/narrow" --top 50 --out "$tmp/narrow.json" || fail "choices: export"
! grep -q '"hidden_size": 128' "$tmp/narrow.json" || fail "choices: hidden_size 128 appeared"
! grep -Eq '"operation_type": "LT"|"operation_parameter": "WMA"' "$tmp/narrow.json" || fail "choices: an excluded mixer appeared"
grep -q '"operation_parameter": 7' "$tmp/narrow.json" || fail "choices: the widened DSC-7 never appeared"
printf 'space: flexibert\nchoices:\n  hidden: [256]\n' > "$tmp/badchoice.yaml"
"$ZEROLM" search "$tmp/badchoice.yaml" --out "$tmp/badchoice" 2>"$tmp/badchoice.err"
[ $? -eq 2 ] || fail "bad choice: expected exit 2"
grep -q "badchoice.yaml:3:3: field 'choices.hidden' is not a choice of this space" "$tmp/badchoice.err" || fail "bad choice: $(cat "$tmp/badchoice.err")"
echo "ok: choices narrow and widen the space; a bad choice is named by file, line and column"

# With the LibTorch plugin: the torchscript export, and a search on measured
# latencies whose measurements survive a kill (a resumed run reuses them).
if [ -e "$(dirname "$ZEROLM")/libzerolm_torch_reference.so" ]; then
  "$ZEROLM" export "$tmp/reference" --top 2 --format torchscript --out "$tmp/ts" 2>"$tmp/ts.err" || fail "torchscript: $(cat "$tmp/ts.err")"
  [ "$(find "$tmp/ts" -name '*.pt' | wc -l)" -eq 2 ] || fail "torchscript export did not write 2 modules"
  cat > "$tmp/measured.yaml" <<'YAML'
space: gpt2
protocol: gpt2
choices: {n_layer: [2, 3], d_model: [64, 128], d_inner: [256, 512]}
latency: {model: measured, device: cpu, batch: 1, sequence: 8, warmup: 0, repeats: 1}
objectives: [proxy, parameters, latency]
search: {population: 8, tournament: 2, children: 4, max_evaluations: 32}
YAML
  latencies() { "$ZEROLM" export "$1" --top 1000 | awk '/"hash"/ {h = $2} /"latency"/ {print h, $2}' | sort; }
  killable 3:after_commit search "$tmp/measured.yaml" --out "$tmp/measured" --log-json
  [ $? -eq 137 ] || fail "measured: the run was not killed"
  latencies "$tmp/measured" > "$tmp/measured.before"
  [ -s "$tmp/measured.before" ] || fail "measured: nothing stored before the kill"
  "$ZEROLM" search --resume "$tmp/measured" --log-json >/dev/null 2>"$tmp/measured.err" || fail "measured: resume: $(cat "$tmp/measured.err")"
  grep -Eq 'resuming .* [1-9][0-9]* latencies measured earlier' "$tmp/measured.err" || fail "measured: $(cat "$tmp/measured.err")"
  latencies "$tmp/measured" > "$tmp/measured.after"
  [ -z "$(comm -23 "$tmp/measured.before" "$tmp/measured.after")" ] || fail "measured: a latency changed on resume"
  [ "$(wc -l < "$tmp/measured.after")" -gt "$(wc -l < "$tmp/measured.before")" ] || fail "measured: the resumed run added nothing"
  awk '$2 + 0 <= 0 {exit 1}' "$tmp/measured.after" || fail "measured: a latency is not positive"
  echo "ok: torchscript export; measured latencies kept across a kill ($(wc -l < "$tmp/measured.before") before, $(wc -l < "$tmp/measured.after") after)"
else
  echo "note: no LibTorch plugin; torchscript export and measured latency not exercised"
fi

# Exact search: one program over the whole default FlexiBERT space; its front is
# enumeration's (equality on narrowed spaces is a unit test); killed inside its
# transaction it leaves nothing half-written and reruns on resume.
exact="$root/experiments/flexibert-spectral-exact.yaml"
"$ZEROLM" search "$exact" --out "$tmp/exact" 2>"$tmp/exact.err" >/dev/null || fail "exact search: $(cat "$tmp/exact.err")"
grep -q "exact search over 10621440 architectures" "$tmp/exact.err" || fail "exact search did not cover the space: $(cat "$tmp/exact.err")"
"$ZEROLM" export "$tmp/exact" --pareto --out "$tmp/exact.pareto.json" || fail "export of the exact run"
[ "$(grep -c '"hash"' "$tmp/exact.pareto.json")" -gt 100 ] || fail "exact front has too few points"
killable 0:in_transaction search "$exact" --out "$tmp/exact-killed"
"$ZEROLM" search --resume "$tmp/exact-killed" >/dev/null 2>&1 || fail "resume of a killed exact search"
"$ZEROLM" export "$tmp/exact-killed" --pareto --out "$tmp/exact-killed.pareto.json" || fail "export of the resumed exact run"
cmp -s "$tmp/exact.pareto.json" "$tmp/exact-killed.pareto.json" || fail "resumed exact search differs"
echo "ok: exact search covers the space, exports its front, survives a kill"

# The shipped 1B-class llama config (run above; exact search ignores the
# evaluation budget): every front point inside the parameter and H100 latency
# budget, with both parameter counts.
"$ZEROLM" export "$tmp/shipped-llama" --pareto --out "$tmp/llama.pareto.json" || fail "export of the llama run"
# (json export: one "key": value line per objective; no python on CI)
awk -F': ' '
  /^    "parameters": / { p = $2 + 0; if (p > 1.2e9) bad = bad " parameters " p }
  /^    "non_embedding_parameters": / { n = $2 + 0; if (n < 0) bad = bad " non-embedding " n; ne++ }
  /^    "latency": / { l = $2 + 0; if (l > 66.7 || l <= 0) bad = bad " latency " l }
  END { if (bad != "" || ne < 1000) { print "outside the budget:" bad " (" ne " points)"; exit 1 } }
' "$tmp/llama.pareto.json" || fail "llama front outside its budget"
echo "ok: experiments/llama.yaml: exact front of $(grep -c '"hash"' "$tmp/llama.pareto.json") points inside 1.2e9 parameters and 66.7 ms"

# The shipped TitanXP memory config (models fitted on LTS's TitanXP folder): peak
# memory as the third objective under max_memory; every front point within the
# limit, the memories survive a kill and resume, and the report shows them.
memory_config="$root/experiments/gpt2-lts-titanxp-memory.yaml"
memory_small=(--set search.population=32 --set search.tournament=8 --set search.children=16
              --set search.max_evaluations=320)
"$ZEROLM" search "$memory_config" "${memory_small[@]}" --out "$tmp/memory" >/dev/null 2>"$tmp/memory.err" ||
  fail "memory config: $(cat "$tmp/memory.err")"
"$ZEROLM" export "$tmp/memory" --pareto --out "$tmp/memory.pareto.json" || fail "export of the memory run"
awk -F': ' '
  /^    "memory": / { m = $2 + 0; if (m > 250 || m <= 150) bad = bad " " m; n++ }
  END { if (bad != "" || n < 10) { print "memories outside (150, 250] MB:" bad " (" n " points)"; exit 1 } }
' "$tmp/memory.pareto.json" || fail "memory front outside its limit"
killable 6:in_transaction search "$memory_config" "${memory_small[@]}" --out "$tmp/memory-killed"
[ $? -eq 137 ] || fail "memory: the run was not killed"
"$ZEROLM" search --resume "$tmp/memory-killed" >/dev/null 2>&1 || fail "memory: resume"
"$ZEROLM" export "$tmp/memory-killed" --pareto --out "$tmp/memory-killed.pareto.json" || fail "memory: export"
cmp -s "$tmp/memory.pareto.json" "$tmp/memory-killed.pareto.json" || fail "memory: the resumed front differs"
"$ZEROLM" report "$tmp/memory" --out "$tmp/memory.html" >/dev/null 2>&1 || fail "memory: report"
grep -q "peak memory (MB)" "$tmp/memory.html" || fail "memory: the report shows no peak memory"
echo "ok: experiments/gpt2-lts-titanxp-memory.yaml: front of $(grep -c '"hash"' "$tmp/memory.pareto.json") points within 250 MB, same after a kill"
# The same config under exact search (peak memory is a sum over layers): the
# front within the limit.
"$ZEROLM" search "$memory_config" --set search.strategy=exact --set 'choices.n_layer_values=[2,3,4]' \
  --set 'choices.d_inner_values=[512,1024,2048]' --out "$tmp/memory-exact" >/dev/null 2>&1 || fail "memory: exact search"
"$ZEROLM" export "$tmp/memory-exact" --pareto --out "$tmp/memory-exact.json" || fail "memory: export of the exact run"
awk -F': ' '/^    "memory": / { m = $2 + 0; if (m > 250 || m <= 150) exit 1; n++ } END { exit n < 5 }' \
  "$tmp/memory-exact.json" || fail "memory: the exact front is outside (150, 250] MB or has fewer than 5 points"
echo "ok: exact search with the memory objective: front of $(grep -c '"hash"' "$tmp/memory-exact.json") points within 250 MB"

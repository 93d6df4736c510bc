#!/usr/bin/env bash
# Distributed search and sweeps under mpirun (2 ranks on loopback): the global
# archive is the non-dominated union of the islands' archives, migrations
# happen, a run whose rank dies stops with a clear error and resumes to exactly
# the uninterrupted run's archives and populations; sweeps spread their points
# over the ranks. Skipped (77) when zerolm was built without MPI.
set -uo pipefail
fail() { echo "FAIL: $*"; exit 1; }
root="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_distributed.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
# The whole of `info` first: `info | grep -q` under pipefail fails whenever grep
# exits before zerolm has written everything (SIGPIPE), which skipped the test.
info="$("$ZEROLM" info 2>/dev/null || true)"
[[ "$info" == *"MPI: yes"* ]] || { echo "skip: zerolm built without MPI"; exit 77; }
command -v mpirun >/dev/null || { echo "skip: no mpirun"; exit 77; }
# Loopback only; root is allowed (CI containers); no shared-memory single copy
# (containers often forbid ptrace between processes).
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
mpi=(mpirun -n 2 --oversubscribe --bind-to none)
config="$root/experiments/flexibert-trained.yaml"
small=(--set search.population=32 --set search.tournament=8 --set search.children=16 --set search.max_evaluations=1200
       --set islands.migrate_every=3 --set islands.migrants=2)

exports() {  # the global archive and each island's archive and population
  local run="$1" name="$2"
  "$ZEROLM" export "$run" --pareto --out "$tmp/$name.pareto.json" || fail "$name: export --pareto"
  for i in 0 1; do
    "$ZEROLM" export "$run" --island $i --pareto --out "$tmp/$name.island$i.pareto.json" || fail "$name: export --island $i"
    "$ZEROLM" export "$run" --island $i --population --out "$tmp/$name.island$i.population.json" || fail "$name: export --island $i --population"
  done
}
same_as_reference() {
  local name="$1"
  for part in pareto island0.pareto island1.pareto island0.population island1.population; do
    cmp -s "$tmp/$name.$part.json" "$tmp/reference.$part.json" || fail "$name: $part differs from the uninterrupted run's"
  done
}

"${mpi[@]}" "$ZEROLM" search "$config" "${small[@]}" --out "$tmp/reference" --distributed --log-json >"$tmp/ref.out" 2>"$tmp/ref.err" ||
  fail "distributed run: $(tail -3 "$tmp/ref.err")"
"$INSPECT_ISLANDS" "$tmp/reference" || fail "the stored run breaks the island model's invariants"
exports "$tmp/reference" reference
[ "$(grep -c '"hash"' "$tmp/reference.island1.population.json")" -eq 32 ] || fail "island 1's population is not 32"
cmp -s "$tmp/reference.island0.pareto.json" "$tmp/reference.island1.pareto.json" && fail "the islands' archives are identical"
echo "ok: 2 islands, global archive, migrations and budget shares"

# One rank dies (SIGKILL) mid-run: the job stops with an error, the store resumes exactly.
for kill in "ZEROLM_KILL_RANK_AT=1:7" "ZEROLM_KILL_AT=4:in_transaction" "ZEROLM_KILL_RANK_AT=0:12"; do
  run="$tmp/killed-${kill%%=*}-${kill##*=}"
  run="${run/:/-}"
  env "$kill" "${mpi[@]}" "$ZEROLM" search "$config" "${small[@]}" --out "$run" --distributed --log-json >/dev/null 2>"$tmp/kill.err"
  rc=$?
  [ "$rc" -ne 0 ] || fail "$kill: the job should fail when a rank dies"
  if [[ "$kill" == ZEROLM_KILL_RANK_AT=1:* ]]; then  # rank 0 survives the failure long enough to say what to do
    grep -q "zerolm: error: the distributed run was stopped by the launcher.*holds generation 6 and continues with: mpirun -n 2 zerolm search --resume" "$tmp/kill.err" ||
      fail "$kill: rank 0 did not say how to resume: $(cat "$tmp/kill.err")"
  fi
  "$ZEROLM" export "$run" --pareto >/dev/null 2>&1 || fail "$kill: the store is unreadable after the failure"
  "${mpi[@]}" "$ZEROLM" search --resume "$run" --distributed --log-json >/dev/null 2>"$tmp/resume.err" ||
    fail "$kill: resume failed: $(tail -3 "$tmp/resume.err")"
  grep -q "resuming" "$tmp/resume.err" || fail "$kill: did not resume: $(cat "$tmp/resume.err")"
  exports "$run" resumed
  same_as_reference resumed
  echo "ok: $kill (exit $rc), resumed, same global and island archives and populations"
done

# Wrong ways to resume or launch: one line, exit 2.
env ZEROLM_KILL_RANK_AT=1:5 "${mpi[@]}" "$ZEROLM" search "$config" "${small[@]}" --out "$tmp/half" --distributed --log-json >/dev/null 2>&1
"$ZEROLM" search --resume "$tmp/half" >/dev/null 2>"$tmp/err"
[ $? -eq 2 ] && grep -q "distributed run of 2 islands" "$tmp/err" || fail "single-process resume of a distributed run: $(cat "$tmp/err")"
mpirun -n 3 --oversubscribe "$ZEROLM" search --resume "$tmp/half" --distributed >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "has 2 islands but 3 ranks" "$tmp/err" || fail "resume with 3 ranks: $(cat "$tmp/err")"
[ "$(grep -c "zerolm: error" "$tmp/err")" -eq 1 ] || fail "resume with 3 ranks: the error is not printed once: $(cat "$tmp/err")"
"${mpi[@]}" "$ZEROLM" search "$config" "${small[@]}" --out "$tmp/plain" >/dev/null 2>"$tmp/err"
[ $? -ne 0 ] && grep -q "add --distributed" "$tmp/err" || fail "search under mpirun without --distributed: $(cat "$tmp/err")"
echo "ok: wrong launches and resumes are refused with one clear line"

# Peak memory as the third objective across islands (experiments/gpt2-lts-titanxp-memory.yaml):
# memories travel with the island messages, the global archive is the union's
# front by memory, and a rank killed mid-run resumes to the same fronts.
memory_config="$root/experiments/gpt2-lts-titanxp-memory.yaml"
memory_small=(--set search.population=16 --set search.tournament=4 --set search.children=8
              --set search.max_evaluations=480 --set islands.migrate_every=2 --set islands.migrants=2)
"${mpi[@]}" "$ZEROLM" search "$memory_config" "${memory_small[@]}" --out "$tmp/memory" --distributed \
  >/dev/null 2>"$tmp/memory.err" || fail "distributed memory run: $(tail -3 "$tmp/memory.err")"
"$INSPECT_ISLANDS" "$tmp/memory" || fail "the memory run breaks the island model's invariants"
"$ZEROLM" export "$tmp/memory" --pareto --out "$tmp/memory.pareto.json" || fail "memory: export"
awk -F': ' '/^    "memory": / { m = $2 + 0; if (m > 250 || m <= 150) exit 1; n++ } END { exit n < 5 }' \
  "$tmp/memory.pareto.json" || fail "memory: the global front is outside (150, 250] MB or has fewer than 5 points"
env ZEROLM_KILL_RANK_AT=1:9 "${mpi[@]}" "$ZEROLM" search "$memory_config" "${memory_small[@]}" \
  --out "$tmp/memory-killed" --distributed >/dev/null 2>&1 && fail "memory: the job should fail when a rank dies"
"${mpi[@]}" "$ZEROLM" search --resume "$tmp/memory-killed" --distributed >/dev/null 2>"$tmp/memory.err" ||
  fail "memory: resume: $(tail -3 "$tmp/memory.err")"
"$ZEROLM" export "$tmp/memory-killed" --pareto --out "$tmp/memory-killed.pareto.json" || fail "memory: export"
cmp -s "$tmp/memory.pareto.json" "$tmp/memory-killed.pareto.json" || fail "memory: the resumed global front differs"
echo "ok: memory objective over 2 islands: global front of $(grep -c '"hash"' "$tmp/memory.pareto.json"), same after a killed rank"

# Golden distributed stores of every schema version that had distributed search
# (2 on; tests/data/stores/make.sh): the finished one exports as the same config
# run now does; the killed one resumes to it.
golden_small=(--set search.population=32 --set search.tournament=8 --set search.children=16
              --set search.max_evaluations=320 --set islands.migrate_every=3 --set islands.migrants=2)
"${mpi[@]}" "$ZEROLM" search "$config" "${golden_small[@]}" --out "$tmp/golden-fresh" --distributed >/dev/null 2>&1 ||
  fail "golden: the fresh distributed run failed"
"$ZEROLM" export "$tmp/golden-fresh" --pareto --out "$tmp/golden-fresh.json" || fail "golden: export fresh"
golden_versions=0
for version in "$root"/tests/data/stores/v*; do
  # Version 1 had no distributed search.
  [ "$(basename "$version")" != v1 ] || continue
  cp -r "$version/distributed" "$tmp/golden-done" && cp -r "$version/distributed-killed" "$tmp/golden-killed" ||
    fail "golden: $version has no distributed stores"
  golden_versions=$((golden_versions + 1))
  "$ZEROLM" export "$tmp/golden-done" --pareto --out "$tmp/golden-done.json" || fail "golden: export $version"
  "${mpi[@]}" "$ZEROLM" search --resume "$tmp/golden-killed" --distributed >/dev/null 2>"$tmp/golden.err" ||
    fail "golden: resume of $version/distributed-killed: $(tail -3 "$tmp/golden.err")"
  "$ZEROLM" export "$tmp/golden-killed" --pareto --out "$tmp/golden-killed.json" || fail "golden: export resumed"
  cmp -s "$tmp/golden-fresh.json" "$tmp/golden-done.json" || fail "golden: $version/distributed differs from a run now"
  cmp -s "$tmp/golden-fresh.json" "$tmp/golden-killed.json" || fail "golden: $version/distributed-killed resumed elsewhere"
  "$INSPECT_ISLANDS" "$tmp/golden-killed" >/dev/null || fail "golden: the resumed $version store breaks the island invariants"
  rm -rf "$tmp/golden-done" "$tmp/golden-killed"
  echo "ok: $(basename "$version") distributed stores: the finished one holds today's front, the killed one resumes to it"
done
[ "$golden_versions" -ge 4 ] || fail "golden: distributed stores of $golden_versions schema versions, expected v2-v5"

# A sweep spreads its points over the ranks; rank 0 writes the summaries.
cat >"$tmp/sweep.yaml" <<YAML
base: $config
set:
  search.population: 16
  search.tournament: 4
  search.children: 8
  search.max_evaluations: 200
axes:
  - key: proxy.alpha
    values: [0.2, 0.4, 0.6]
YAML
"${mpi[@]}" "$ZEROLM" sweep "$tmp/sweep.yaml" --out "$tmp/sweep" 2>"$tmp/sweep.err" || fail "sweep over ranks: $(tail -3 "$tmp/sweep.err")"
grep -q "rank 1: point 2/3" "$tmp/sweep.err" || fail "point 2 did not run on rank 1: $(cat "$tmp/sweep.err")"
[ "$(grep -c ',finished,' "$tmp/sweep/summary.csv")" -eq 3 ] || fail "summary.csv lacks points: $(cat "$tmp/sweep/summary.csv")"
"$ZEROLM" sweep "$tmp/sweep.yaml" --out "$tmp/sweep" 2>/dev/null || fail "the sweep does not resume on one process"
[ "$(grep -c ',done earlier,' "$tmp/sweep/summary.csv")" -eq 3 ] || fail "resumed sweep: $(cat "$tmp/sweep/summary.csv")"
echo "ok: a sweep over 2 ranks runs each point once and summarises all"

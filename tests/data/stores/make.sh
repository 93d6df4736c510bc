#!/usr/bin/env bash
# Writes the golden run stores of one schema version with the zerolm binary of
# that version: `tests/data/stores/make.sh BUILD/zerolm VERSION`, run from the
# repository root of the commit that wrote that version (its experiments/).
# Each store is a real run of a shipped config, made small with --set; the
# `-killed` ones stop (SIGKILL) after a generation's commit, so they resume.
# tests/test_run_store_golden.cpp opens, migrates, loads and resumes every one.
# A config the version does not ship, or distributed search before it existed,
# is skipped.
set -euo pipefail
zerolm=$(realpath "$1")
out=$(realpath -m "tests/data/stores/v$2")
rm -rf "$out"
mkdir -p "$out"
small=(--set search.population=32 --set search.tournament=8 --set search.children=16)
run() {  # NAME CONFIG EVALUATIONS [KILL] [extra args]
  local name=$1 config=$2 evaluations=$3 kill=${4:-}
  shift 4 || shift $#
  [ -e "$config" ] || { echo "make.sh: $config is not in this version; no $name store"; return 0; }
  rm -rf "$out/$name.run"
  if [ -n "$kill" ]; then
    (env "$kill" "$zerolm" search "$config" "${small[@]}" --set "search.max_evaluations=$evaluations" \
       --out "$out/$name.run" "$@" >/dev/null 2>&1 || true)
  else
    "$zerolm" search "$config" "${small[@]}" --set "search.max_evaluations=$evaluations" --out "$out/$name.run" "$@" \
      >/dev/null 2>&1
  fi
  mkdir -p "$out/$name"
  cp "$out/$name.run/run.sqlite" "$out/$name/run.sqlite"
  [ ! -e "$out/$name.run/run.sqlite-wal" ] || cp "$out/$name.run/run.sqlite-wal" "$out/$name/run.sqlite-wal"
  rm -rf "$out/$name.run"
}
run flexibert-trained experiments/flexibert-trained.yaml 320 ""
run flexibert-trained-killed experiments/flexibert-trained.yaml 320 ZEROLM_KILL_AT=5:after_commit
run gpt2-lts-titanxp-memory experiments/gpt2-lts-titanxp-memory.yaml 240 ""
run gpt2-lts-titanxp-memory-killed experiments/gpt2-lts-titanxp-memory.yaml 240 ZEROLM_KILL_AT=4:after_commit
run gpt2-h100-latency experiments/gpt2-h100-latency.yaml 240 ""
# LTS's space with archai's adaptive embeddings, in the closed form (the sampled
# mode would make the golden test slow).
run gpt2-lts-expected experiments/gpt2-lts.yaml 240 "" --set proxy.mode=expected
run gpt2-h100-latency-killed experiments/gpt2-h100-latency.yaml 240 ZEROLM_KILL_AT=4:after_commit
run flexibert-spectral-exact experiments/flexibert-spectral-exact.yaml 1 ""
if command -v mpirun >/dev/null && "$zerolm" search --help 2>&1 | grep -q -- --distributed; then
  mpi=(mpirun -n 2 --oversubscribe --bind-to none)
  [ "$(id -u)" -ne 0 ] || mpi+=(--allow-run-as-root)
  rm -rf "$out/distributed.run" "$out/distributed-killed.run"
  islands=(--set islands.migrate_every=3 --set islands.migrants=2)
  "${mpi[@]}" "$zerolm" search experiments/flexibert-trained.yaml "${small[@]}" "${islands[@]}" \
    --set search.max_evaluations=320 --out "$out/distributed.run" --distributed >/dev/null 2>&1
  (env ZEROLM_KILL_RANK_AT=1:6 "${mpi[@]}" "$zerolm" search experiments/flexibert-trained.yaml "${small[@]}" \
     "${islands[@]}" --set search.max_evaluations=320 --out "$out/distributed-killed.run" --distributed \
     >/dev/null 2>&1 || true)
  for name in distributed distributed-killed; do
    mkdir -p "$out/$name"
    cp "$out/$name.run/run.sqlite" "$out/$name/"
    [ ! -e "$out/$name.run/run.sqlite-wal" ] || cp "$out/$name.run/run.sqlite-wal" "$out/$name/"
    rm -rf "$out/$name.run"
  done
fi
ls -la "$out"/*

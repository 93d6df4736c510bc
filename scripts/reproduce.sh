#!/usr/bin/env bash
# Regenerates every table of docs/RESULTS.md and the headline figures of
# docs/LATENCY.md and docs/SEARCH.md that do not depend on time, from the
# shipped benchmarks/, and writes them into the docs (scripts/reproduce.py
# holds the rows and how each figure is computed).
#   scripts/reproduce.sh            rewrite the docs' numbers (fast rows)
#   scripts/reproduce.sh --all      also the sampled-mode rows (tens of minutes on 2 cores)
#   scripts/reproduce.sh --check    compare only; exit 1 when a documented figure differs (ctest reproduce_results)
set -euo pipefail
cd "$(dirname "$0")/.."
mode=--write
for arg in "$@"; do
  case "$arg" in --check | --write | --list) mode="" ;; esac
done
exec python3 scripts/reproduce.py $mode "$@"

#!/usr/bin/env bash
# NSC-DP beside zerolm's exact search on NSC's Transformer-XL space, on one
# machine in one run (docs/SEARCH.md). NSC's code is not part of zerolm: pass
# the folder of a checkout of Optima-CityU/neural-spectral-capacity (its
# search/txl/nsc_dp_search.py needs python3-numpy and python3-scipy; PYTHON picks
# the interpreter, default python3).
# Usage: scripts/nsc-side-by-side.sh NSC_CHECKOUT [ZEROLM_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
nsc="${1:?usage: scripts/nsc-side-by-side.sh NSC_CHECKOUT [ZEROLM_BINARY]}"
zerolm="${2:-build/zerolm}"
[[ -f "$nsc/search/txl/nsc_dp_search.py" ]] || { echo "no search/txl/nsc_dp_search.py in $nsc" >&2; exit 2; }
tmp="$(mktemp -d)"
trap 'rm -rf -- "$tmp"' EXIT
clock() { date +%s.%N; }

start=$(clock)
"${PYTHON:-python3}" "$nsc/search/txl/nsc_dp_search.py" >"$tmp/nsc.out"
nsc_seconds=$(python3 -c "print(round($(clock) - $start, 3))")
start=$(clock)
"$zerolm" search experiments/txl-wt103-nsc-dp.yaml --out "$tmp/run" >"$tmp/zerolm.out"
"$zerolm" export "$tmp/run" --pareto --out "$tmp/front.json"
zerolm_seconds=$(python3 -c "print(round($(clock) - $start, 3))")

echo "NSC-DP (whole process, python3 $("${PYTHON:-python3}" -c 'import numpy, scipy; print("numpy", numpy.__version__, "scipy", scipy.__version__)')): ${nsc_seconds} s"
grep -E "feasible solutions|d_model  =|n_layer  =|n_head   =|d_inner  =|params   =|NSC-MP   =" "$tmp/nsc.out" | sed 's/^ */  /'
echo "zerolm exact search (whole process: config, search, run store, export of the front): ${zerolm_seconds} s"
python3 - "$tmp/front.json" <<'PY'
import json, sys
front = json.load(open(sys.argv[1]))
points = front if isinstance(front, list) else front.get("architectures", front.get("pareto", []))
print(f"  front: {len(points)} architectures")
best = max(points, key=lambda p: p["score"])
print("  best by proxy:", json.dumps({k: best[k] for k in best if k in ("score", "parameters", "non_embedding_parameters", "summary", "architecture")}))
PY
echo "speed-up (NSC-DP / zerolm): $(python3 -c "print(round($nsc_seconds / $zerolm_seconds, 1))")x"

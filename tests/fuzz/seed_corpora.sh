#!/usr/bin/env bash
# Seed corpora for the libFuzzer targets, from the shipped files: the experiment
# configs and sweeps, slices of the benchmark files, exports and checkpoints of a
# small run. Usage: seed_corpora.sh ZEROLM OUT_DIR [BENCHMARKS_DIR]
set -euo pipefail
zerolm="$1"
out="$2"
bench="${3:-}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$out"/{search_config,sweep_config,benchmark,architecture,run_store,documents,upstream,fixtures}
for f in "$root"/experiments/*.yaml; do
  # Model files (latency, memory) as absolute paths, so the seed reaches past reading them.
  sed "s|^  file: \([^/]\)|  file: $root/experiments/\1|" "$f" >"$out/search_config/$(basename "$f")"
  cp "$f" "$out/documents/"
done
for f in "$root"/experiments/sweeps/*.yaml; do
  # The base as an absolute path, so the seed reaches past the base check.
  sed "s|^base: \.\./|base: $root/experiments/|" "$f" >"$out/sweep_config/$(basename "$f")"
done
if [[ -n "$bench" && -d "$bench" ]]; then
  python3 - "$bench" "$out" <<'PY'
import json, sys, os
bench, out = sys.argv[1], sys.argv[2]
for name, rel in [("nbb", "nas-bench-bert/architectures.json"), ("lts", "lts-gpt2/wt103.json"),
                  ("hwgpt", "hwgpt-latency/h100.json")]:
    path = os.path.join(bench, rel)
    if not os.path.exists(path):
        continue
    records = json.load(open(path))
    json.dump(records[:3], open(os.path.join(out, "benchmark", name + ".json"), "w"))
    for i, r in enumerate(records[:3]):
        json.dump(r, open(os.path.join(out, "architecture", f"{name}-record-{i}.json"), "w"))
# The published formats (fuzz_upstream): model_config.yaml of LTS records, and
# NAS-Bench-BERT's CSV rows of three records with those records as the fixture.
import csv, glob, io
for run in ["random_GPT2_wt103", "random_TransXL_wt103", "pareto_GPT2_lm1b_titanxp"]:
    configs = sorted(glob.glob(os.path.join(bench, "upstream", "lts", run, "*", "*model_config.yaml")) +
                     glob.glob(os.path.join(bench, "upstream", "lts", run, "*", "*", "model_config.yaml")))
    for i, c in enumerate(configs[:2]):
        open(os.path.join(out, "upstream", f"{run}-{i}.yaml"), "w").write(open(c).read())
nbb = os.path.join(bench, "upstream", "nas-bench-bert")
if os.path.exists(os.path.join(nbb, "BERT_benchmark.json")):
    records = json.load(open(os.path.join(nbb, "BERT_benchmark.json")))[:3]
    json.dump(records, open(os.path.join(out, "fixtures", "BERT_benchmark.json"), "w"))
    json.dump(records, open(os.path.join(out, "benchmark", "nbb-upstream.json"), "w"))
    ids = {str(r["id"]) for r in records}
    lines = open(os.path.join(nbb, "BERT_results_activation.csv"), newline="").read().splitlines(True)
    rows = [lines[0]] + [l for l in lines[1:] if next(csv.reader(io.StringIO(l)))[0] in ids]
    open(os.path.join(out, "upstream", "bert.csv"), "w").write("csv\n" + "".join(rows))
PY
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
for config in flexibert-trained gpt2-lts; do
  "$zerolm" search "$root/experiments/$config.yaml" --set search.max_evaluations=200 --set proxy.mode=expected \
    --out "$tmp/$config" >/dev/null 2>&1
  "$zerolm" export "$tmp/$config" --top 2 --format json >"$out/documents/$config-export.json"
  python3 - "$tmp/$config/run.sqlite" "$out" "$config" <<'PY'
import json, sqlite3, sys
db, out, name = sqlite3.connect(sys.argv[1]), sys.argv[2], sys.argv[3]
meta = dict(db.execute("SELECT key, value FROM meta"))
open(f"{out}/run_store/{name}-checkpoint.json", "w").write(meta["checkpoint"])
open(f"{out}/run_store/{name}-config.json", "w").write(meta["config"])
for i, (text,) in enumerate(db.execute("SELECT architecture FROM archive LIMIT 2")):
    open(f"{out}/architecture/{name}-{i}.json", "w").write(text)
PY
done

#!/usr/bin/env bash
# The main job and the rank command as a user runs them.
set -euo pipefail
fail() { echo "FAIL: $*"; exit 1; }

out=$("$ZEROLM" score --space flexibert --protocol trained --sample 3000 --top 3)
head -3 <<<"$out"
[ "$(echo "$out" | grep -cE '^ +[0-9]+ ')" -eq 3 ] || fail "score did not print 3 ranked rows"
json=$("$ZEROLM" score --space gpt2 --sample 200 --top 2 --json)
for key in '"alpha_source"' '"top"' '"parameters"' '"architecture"'; do
  grep -q "$key" <<<"$json" || fail "score --json lacks $key"
done
echo "ok: score"

# Published Hugging Face configs as architectures: exact parameter counts.
data="$(dirname "$0")/data/hf"
for pair in tinyllama-1.1b-chat-v1.0.json:1100048384 smollm-135m.json:134515008 gpt2.json:124439808 \
            tinyllama-as-nemotron-nas.json:1100048384 nemotron-nas-skips.json:205793280; do
  json=$("$ZEROLM" params --from "$data/${pair%%:*}" --json)
  grep -qE "\"total\": ${pair##*:},?$" <<<"$json" || fail "params --from ${pair%%:*}: total is not ${pair##*:}: $json"
done
out=$("$ZEROLM" score --from "$data/smollm-135m.json" --json)
grep -q '"space": "llama"' <<<"$out" || fail "score --from an HF config did not score it in the llama space"
grep -q '"parameters": 134515008' <<<"$out" || fail "score --from smollm: parameters"
echo "ok: params and score --from Hugging Face configs"

bench_dir=${ZEROLM_BENCHMARKS:-$(cd "$(dirname "$0")/.." && pwd)/benchmarks}
file="$bench_dir/nas-bench-bert/architectures.json"
if [ ! -f "$file" ]; then echo "FAIL: $file not found (the project's benchmarks/ folder, or ZEROLM_BENCHMARKS)" >&2; exit 1; fi
json=$("$ZEROLM" rank --benchmark "$file" --protocol paper --calibrate-on "$file" --sample 50 --repeats 3 --json)
for key in n protocol proxy spearman kendall pearson kendall_10pct seconds_per_arch alpha spearman_sd kendall_sd baselines; do
  grep -q "\"$key\":" <<<"$json" || fail "rank --json lacks $key"
done
grep -q '"n": 300' <<<"$json" || fail "rank --json: n is not 300"
params=$("$ZEROLM" params --benchmark "$file" --json)
grep -q '"non_embedding": 8' <<<"$params" || fail "params --json lacks non_embedding counts"
echo "ok: rank, params"

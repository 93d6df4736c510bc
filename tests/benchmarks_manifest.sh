#!/usr/bin/env bash
# The project's benchmark data (benchmarks/) is what its manifest says: every
# file listed in SHA256SUMS with its digest, no file unlisted, and every data
# folder with its upstream LICENSE and a SOURCE.md naming repository and commit.
set -euo pipefail
export LC_ALL=C
bench="$(cd "$(dirname "$0")/../benchmarks" && pwd)"
cd "$bench"
fail() { echo "FAIL: benchmarks/$*" >&2; exit 1; }
[[ -f SHA256SUMS ]] || fail "SHA256SUMS is missing"
sha256sum --check --strict --quiet SHA256SUMS || fail "SHA256SUMS: a file differs from its digest (above)"
listed="$(sed -E 's/^[0-9a-f]{64}  //' SHA256SUMS | sort)"
present="$(find . -type f ! -name SHA256SUMS | sort)"
unlisted="$(comm -13 <(echo "$listed") <(echo "$present"))"
[[ -z "$unlisted" ]] || fail "files not in SHA256SUMS: $(echo $unlisted)"
folders=0
for folder in nas-bench-bert lts-gpt2 hwgpt-latency upstream/nas-bench-bert upstream/lts; do
  [[ -f "$folder/LICENSE" ]] || fail "$folder: no LICENSE"
  [[ -f "$folder/SOURCE.md" ]] || fail "$folder: no SOURCE.md"
  grep -q "https://github.com/" "$folder/SOURCE.md" || fail "$folder/SOURCE.md: no source repository"
  folders=$((folders + 1))
done
echo "ok: $(echo "$listed" | wc -l) files match SHA256SUMS; $folders folders with LICENSE and SOURCE.md"

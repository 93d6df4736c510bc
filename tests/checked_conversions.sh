#!/usr/bin/env bash
# Text from outside becomes a number in one checked place (engine/core/parse_number.cpp):
# no std::sto*, atoi/atol/atoll or strto* anywhere else in the engine, kernels,
# proxies or search spaces, where a stray one would throw or silently accept
# " 5", "5abc" or 2^64 (issue 29).
set -euo pipefail
cd "$(dirname "$0")/.."
hits="$(grep -rnE '\bstd::sto(i|l|ll|ul|ull|f|d|ld)\(|\b(atoi|atol|atoll|strtol|strtoll|strtoul|strtoull)\(' \
  --include='*.cpp' --include='*.hpp' --include='*.cu' --include='*.cuh' engine kernels proxies search_spaces |
  grep -v '^engine/core/parse_number\.cpp:' || true)"
if [[ -n "$hits" ]]; then
  echo "FAIL: unchecked text-to-number conversions (use engine/core/parse_number.hpp):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "ok: no unchecked text-to-number conversion outside engine/core/parse_number.cpp"

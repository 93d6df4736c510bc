#!/usr/bin/env bash
# LTS run folders on the command line: params --check exits 1 on a folder counted
# under the other backbone (built here from the upstream files), 0 under the right
# one; rank warns once; bad folders exit 2 with one line. Needs ZEROLM_BENCHMARKS.
set -euo pipefail
export LC_ALL=C
[[ -n "${ZEROLM:-}" && -x "${ZEROLM}" ]] || { echo "set ZEROLM" >&2; exit 1; }
up="${ZEROLM_BENCHMARKS:-$(cd "$(dirname "$0")/.." && pwd)/benchmarks}/upstream/lts"
if [[ ! -d "$up/random_TransXL_wt103" ]]; then
  echo "cli_lts_folders: FAIL: no $up (the project's benchmarks/ folder, or ZEROLM_BENCHMARKS)" >&2
  exit 1
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_cli_lts.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# A folder of Transformer-XL records (config_0, its summaries' lines), and one of GPT-2 records.
make_folder() {  # SOURCE DEST
  mkdir -p "$2"
  cp -r "$1/config_0" "$2/"
  for summary in ppl_summary.yaml params_summary.yaml; do
    awk '/^config_0_j[0-9]+:/{keep=1; print; next} /^[^ ]/{keep=0} keep' "$1/$summary" > "$2/$summary"
  done
}
make_folder "$up/random_TransXL_wt103" "$tmp/txl"
make_folder "$up/random_GPT2_wt103" "$tmp/gpt2"

rc=0; "$ZEROLM" params --benchmark "$tmp/txl" --check > "$tmp/out" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "params --check on Transformer-XL records under lts: exit $rc, expected 1: $(cat "$tmp/out")"
grep -q "transxl *10 of 10" "$tmp/out" || fail "params --check does not show transxl reproducing 10 of 10: $(cat "$tmp/out")"
rc=0; "$ZEROLM" params --benchmark "$tmp/txl" --protocol transxl --check > "$tmp/out" 2>&1 || rc=$?
[[ $rc -eq 0 ]] || fail "params --check under transxl: exit $rc: $(cat "$tmp/out")"
rc=0; "$ZEROLM" params --benchmark "$tmp/gpt2" --protocol transxl --check > "$tmp/out" 2>&1 || rc=$?
[[ $rc -eq 1 ]] || fail "params --check on GPT-2 records under transxl: exit $rc, expected 1"

# rank warns once when the protocol does not give the file's counts.
"$ZEROLM" rank --benchmark "$tmp/txl" --proxy zerolm > /dev/null 2> "$tmp/err" || fail "rank on the folder"
[[ "$(grep -c "warning: protocol lts reproduces the published parameter counts of 0 of 10" "$tmp/err")" -eq 1 ]] ||
  fail "rank: no single warning: $(cat "$tmp/err")"
"$ZEROLM" rank --benchmark "$tmp/txl" --protocol transxl --proxy zerolm > /dev/null 2> "$tmp/err" || fail "rank"
grep -q warning "$tmp/err" && fail "rank under transxl warned: $(cat "$tmp/err")"

# Bad folders: exit 2, one line naming the file.
expect_error() {  # NAME NEEDLE FOLDER
  local rc=0
  "$ZEROLM" params --benchmark "$3" > /dev/null 2> "$tmp/err" || rc=$?
  [[ $rc -eq 2 ]] || fail "$1: exit $rc, expected 2: $(cat "$tmp/err")"
  [[ "$(wc -l < "$tmp/err")" -eq 1 ]] || fail "$1: not one line: $(cat "$tmp/err")"
  grep -q -- "$2" "$tmp/err" || fail "$1: stderr does not name '$2': $(cat "$tmp/err")"
}
cp -r "$tmp/gpt2" "$tmp/no_params" && rm "$tmp/no_params/params_summary.yaml"
expect_error "missing summary" "params_summary.yaml" "$tmp/no_params"
cp -r "$tmp/gpt2" "$tmp/no_field" && sed -i '0,/  FFN:/{/  FFN:/d}' "$tmp/no_field/params_summary.yaml"
expect_error "a record missing a field" "params_summary.yaml: record config_0_j0: field 'FFN' is missing" "$tmp/no_field"
cp -r "$tmp/gpt2" "$tmp/list" && printf -- '- 1\n- 2\n' > "$tmp/list/config_0/j3/model_config.yaml"
expect_error "a YAML that is not a mapping" "config_0/j3/model_config.yaml" "$tmp/list"
echo "cli_lts_folders: passed"

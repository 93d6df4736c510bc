#!/usr/bin/env bash
# The HTML reports as a person sees them: each page opened in headless Chromium,
# no console errors, every plot drew its points (the page's own check, read from
# the rendered DOM), and a screenshot saved next to the test's output.
# Skipped (exit 77) when Chromium is absent; CI installs Debian's chromium.
set -uo pipefail
fail() { echo "FAIL: $*"; exit 1; }
root="$(cd "$(dirname "$0")/.." && pwd)"
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then echo "skipped: no Chromium"; exit 77; fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/zerolm_report.XXXXXX")"
trap 'rm -rf -- "$tmp"' EXIT
shots="${REPORT_SCREENSHOTS:-$PWD/report-screenshots}"
mkdir -p "$shots"
chrome() { "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$tmp/profile" "$@"; }

# check NAME HTML PLOTS: the page renders PLOTS plots, each with points, no console error.
check() {
  local name="$1" html="$2" plots="$3"
  chrome --enable-logging=stderr --v=0 --dump-dom "file://$html" >"$tmp/$name.dom" 2>"$tmp/$name.console" \
    || fail "$name: chromium failed: $(tail -3 "$tmp/$name.console")"
  grep -q "data-check=\"ok:$plots\"" "$tmp/$name.dom" || fail "$name: page check: $(grep -o 'data-check="[^"]*"' "$tmp/$name.dom")"
  [ "$(grep -o 'data-drawn="[1-9][0-9]*"' "$tmp/$name.dom" | wc -l)" -eq "$plots" ] || fail "$name: a plot drew nothing"
  ! grep -E 'CONSOLE|Uncaught' "$tmp/$name.console" | grep -qv 'Fontconfig' || fail "$name: console: $(grep -E 'CONSOLE|Uncaught' "$tmp/$name.console")"
  chrome --window-size=1300,1000 --screenshot="$shots/report-$name.png" "file://$html" >/dev/null 2>&1 || fail "$name: screenshot"
  [ -s "$shots/report-$name.png" ] || fail "$name: empty screenshot"
  ! grep -Eq '<(script|link|img)[^>]+(src|href)=' "$html" || fail "$name: the page loads something external"
  echo "ok: $name report: $plots plots with points, no console error; screenshot $shots/report-$name.png"
}

"$ZEROLM" search "$root/experiments/gpt2-h100-latency.yaml" --set search.max_evaluations=2000 --out "$tmp/run" >/dev/null 2>&1 || fail "search"
"$ZEROLM" report "$tmp/run" --out "$tmp/run.html" 2>/dev/null || fail "report of a run"
check run "$tmp/run.html" 3

cat > "$tmp/sweep.yaml" <<YAML
base: $root/experiments/flexibert-trained.yaml
set: {search.max_evaluations: 1000}
axes:
  - {key: choices.hidden_size, values: [[128], [256]]}
  - {key: seed, values: [0, 1]}
parallel: 2
YAML
"$ZEROLM" sweep "$tmp/sweep.yaml" --out "$tmp/sweep" 2>/dev/null || fail "sweep"
"$ZEROLM" report "$tmp/sweep" --out "$tmp/sweep.html" 2>/dev/null || fail "report of a sweep"
check sweep "$tmp/sweep.html" 1
[ "$(grep -c '<polyline class="line"' "$tmp/sweep.html")" -eq 4 ] || fail "sweep: 4 fronts expected"

bench="${ZEROLM_BENCHMARKS:-$root/benchmarks}/nas-bench-bert/architectures.json"
if [ -f "$bench" ]; then
  "$ZEROLM" rank --benchmark "$bench" --protocol paper --alpha 0.03 --report "$tmp/rank.html" >/dev/null 2>&1 || fail "rank --report"
  check rank "$tmp/rank.html" 1
  grep -q 'data-points="350"' "$tmp/rank.html" || fail "rank: the scatter should hold all 350 records"
else
  fail "$bench not found (the project's benchmarks/ folder)"
fi

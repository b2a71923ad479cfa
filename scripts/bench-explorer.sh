#!/usr/bin/env bash
# Size and speed of the lead explorer in report.html (issue 22): for a run of 10,000
# evaluated leads × 5 scorers (heuristic, learned, three LLM prompts with justifications,
# raw answers, some parse errors and timeouts), written by `examples/scale_run`:
#   - report.html's size (target <= 8 MB) and `bench report`'s wall time, release (<= 2 s);
#   - in headless Chromium, driven through the DevTools protocol by the ignored test
#     `explorer_chromium::explorer_timings`: when the first rows appear, measured by the page
#     with performance.now() from navigation start (<= 1.5 s), and how long each filter
#     takes to apply and redraw (<= 200 ms).
# Prints the figures; asserts nothing (no test carries a timing).
#
# Usage: scripts/bench-explorer.sh [LEADS] [SCORERS]   (default 10000 5)
# Needs /usr/bin/chromium (scripts/test.sh installs it).
set -euo pipefail

cd "$(dirname "$0")/.."
leads="${1:-10000}"
scorers="${2:-5}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
target="${CARGO_TARGET_DIR:-target}"

cargo build --release --quiet --bin bench --example scale_run
cp "$target/release/bench" "$work/bench"
"$target/release/examples/scale_run" "$work/run" "$leads" "$scorers" 1 >/dev/null

/usr/bin/time -f "%e %M" -o "$work/time" "$work/bench" report "$work/run" >/dev/null 2>&1
read -r wall rss <"$work/time"
bytes=$(stat -c %s "$work/run/report.html")
echo "run: $leads leads × $scorers scorers; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
awk -v b="$bytes" -v w="$wall" -v r="$rss" 'BEGIN {
    printf "report.html: %.2f MB (target <= 8 MB) %s\n", b / 1e6, (b <= 8e6) ? "ok" : "OVER"
    printf "bench report (release): %.2f s, peak RSS %.0f MB (target <= 2 s) %s\n", w, r / 1024, (w <= 2) ? "ok" : "OVER"
}'

EXPLORER_BENCH_RUN="$work/run" cargo test --quiet --test it -- --ignored explorer_timings --nocapture 2>&1 |
    grep -E '^(first rows|filter|console errors)'
echo "targets: first rows <= 1500 ms, each filter <= 200 ms"

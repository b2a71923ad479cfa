#!/usr/bin/env bash
# Wall time and peak memory of `bench report` on 1,000,000 prediction rows, and peak memory of
# `bench run` on 100,000 generated leads with the two baselines (issue 19, item 9 "Scale").
#
# Usage: scripts/bench-report-scale.sh [CASE…]   (default: all three)
#   wide     bench report: 100,000 leads × 10 scorers (heuristic, learned, 8 LLM prompts)
#   repeats  bench report: 100 leads × 1 LLM scorer × 10,000 repeats
#   run      bench run: 100,000 generated leads (40 % test), heuristic + learned, no LLM
# Environment: SCALE_DIR keeps the run folders there (reused when present, so a second
# call measures `bench report` alone without writing 1 GB again); BENCH uses that binary
# instead of building the release one (e.g. an older build, to compare).
#
# Builds the release `bench` and `examples/scale_run`, writes the run folders with
# scale_run (rows as `bench run` writes them, raw answers and justifications included),
# runs each command once under /usr/bin/time -v and prints wall time, CPU time and peak RSS
# against the targets: report <= 15 s and <= 600 MB, run <= 120 MB.
set -euo pipefail

cd "$(dirname "$0")/.."
cases=("$@")
[ ${#cases[@]} -eq 0 ] && cases=(wide repeats run)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
data="${SCALE_DIR:-$work}"
mkdir -p "$data"

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin bench --example scale_run
# Copies, so that a concurrent build cannot swap the binaries during a measurement.
cp "$target/release/examples/scale_run" "$work/scale_run"
if [ -n "${BENCH:-}" ]; then
    cp "$BENCH" "$work/bench"
else
    cp "$target/release/bench" "$work/bench"
fi

# measure LABEL TARGET_S TARGET_MB CMD…: runs CMD under GNU time, prints one line.
measure() {
    local label="$1" max_s="$2" max_mb="$3"
    shift 3
    if ! /usr/bin/time -v "$@" >"$work/stdout" 2>"$work/time"; then
        cat "$work/stdout" "$work/time" >&2
        echo "$label: the command failed" >&2
        exit 1
    fi
    awk -F': ' -v label="$label" -v max_s="$max_s" -v max_mb="$max_mb" '
        /Elapsed \(wall clock\)/ {
            n = split($2, t, ":")
            wall = (n == 3) ? t[1] * 3600 + t[2] * 60 + t[3] : t[1] * 60 + t[2]
        }
        /User time|System time/ { cpu += $2 }
        /Maximum resident set size/ { mb = $2 / 1024 }
        END {
            ok = (max_s == "-" || wall <= max_s) && mb <= max_mb
            target = (max_s == "-") ? sprintf("<= %s MB", max_mb) : sprintf("<= %s s, <= %s MB", max_s, max_mb)
            printf "%-58s wall %6.2f s  cpu %6.2f s  peak RSS %7.1f MB  (target %s) %s\n",
                label, wall, cpu, mb, target, ok ? "ok" : "OVER"
        }' "$work/time"
}

# folder NAME LEADS SCORERS REPEATS: a run folder made by scale_run, reused when complete.
folder() {
    local dir="$data/$1"
    if [ ! -f "$dir/run.json" ]; then
        rm -rf "$dir"
        "$work/scale_run" "$dir" "$2" "$3" "$4" >/dev/null
    fi
    echo "$dir"
}

echo "bench: $("$work/bench" --version 2>/dev/null || echo "$work/bench"); $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for c in "${cases[@]}"; do
    case "$c" in
    wide)
        dir="$(folder wide-100k-x10 100000 10 1)"
        measure "bench report: 100,000 leads × 10 scorers (1,000,000 rows)" 15 600 \
            "$work/bench" report "$dir"
        ;;
    repeats)
        dir="$(folder repeats-100-x10000 100 1 10000)"
        measure "bench report: 100 leads × 10,000 repeats (1,000,000 rows)" 15 600 \
            "$work/bench" report "$dir"
        ;;
    run)
        cat >"$work/run.toml" <<EOF
[run]
name = "scale"
results_dir = "$work/results"
seed = 42
cache = "$work/cache.sqlite"

[dataset.generate]
n = 100000
seed = 42
test_fraction = 0.4

[baselines]
heuristic = true
learned = true
EOF
        rm -rf "$work/run"
        measure "bench run: 100,000 leads (40,192 test) × heuristic + learned" - 120 \
            "$work/bench" run --config "$work/run.toml" --out "$work/run" --quiet
        ;;
    *)
        echo "unknown case $c (expected wide, repeats or run)" >&2
        exit 2
        ;;
    esac
done
if [ -n "${SCALE_DIR:-}" ]; then
    echo "run folders kept in $SCALE_DIR"
fi

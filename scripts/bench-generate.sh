#!/usr/bin/env bash
# Throughput and peak memory of `bench generate` writing 1,000,000 leads to CSV.
# Usage: scripts/bench-generate.sh [N] [OUT] [FLAG…]   (defaults: 1000000, a temporary file;
# FLAGs go to `bench generate`, e.g. `scripts/bench-generate.sh 1000000 "" --enrich`)
# Builds the release binary, runs it once, prints leads/s and peak RSS (VmHWM) in MB.
# Targets (issue 2): >= 250,000 leads/s and < 64 MB peak RSS at N = 1,000,000.
set -euo pipefail

n="${1:-1000000}"
dir="$(mktemp -d)"
out="${2:-$dir/leads.csv}"
flags=("${@:3}")
trap 'rm -rf "$dir"' EXIT

cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin bench
bin="$target/release/bench"
# Copy the binary so that a concurrent build cannot swap it during the run.
cp "$bin" "$dir/bench"

if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$dir/bench" generate --n "$n" --seed 42 --label-noise 0.05 --out "$out" \
        "${flags[@]}" >"$dir/stdout" 2>"$dir/time"
    secs="$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$dir/time" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')"
    peak_kb="$(awk -F': ' '/Maximum resident set size/ {print $2}' "$dir/time")"
    cpu="$(awk -F': ' '/User time|System time/ {s += $2} END {print s}' "$dir/time")"
else
    # Without GNU time: poll VmHWM from /proc while the process runs.
    start="$(date +%s.%N)"
    "$dir/bench" generate --n "$n" --seed 42 --label-noise 0.05 --out "$out" "${flags[@]}" >"$dir/stdout" &
    pid=$!
    peak_kb=0
    while kill -0 "$pid" 2>/dev/null; do
        hwm="$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)"
        [ -n "$hwm" ] && [ "$hwm" -gt "$peak_kb" ] && peak_kb="$hwm"
        sleep 0.02
    done
    wait "$pid"
    secs="$(echo "$(date +%s.%N) - $start" | bc -l)"
    cpu=0
fi

cat "$dir/stdout"
rows=$(($(wc -l <"$out") - 1))
size_mb="$(du -m "$out" | cut -f1)"
# The machine may be shared: CPU time (user + sys) shows the cost without the waiting.
awk -v n="$n" -v s="$secs" -v c="$cpu" -v kb="$peak_kb" -v rows="$rows" -v mb="$size_mb" \
    -v load="$(cut -d' ' -f1-3 /proc/loadavg)" -v cores="$(nproc)" 'BEGIN {
    printf "leads: %d (rows in file: %d, %d MB)\n", n, rows, mb
    printf "wall time: %.2f s (load average %s on %d cores)\n", s, load, cores
    printf "throughput (wall): %.0f leads/s\n", n / s
    if (c > 0) printf "CPU time: %.2f s, throughput per CPU second: %.0f leads/s\n", c, n / c
    printf "peak RSS: %.1f MB\n", kb / 1024
}'

#!/usr/bin/env bash
# Captures real raw answers from an OpenAI-compatible endpoint (by default the local llama.cpp
# server of scripts/local-llm.sh) for every shipped prompt × the leads in
# tests/fixtures/llm_answers/leads.csv × structured-output mode, into
# tests/fixtures/llm_answers/<template>__<lead>__<mode>.json, plus index.tsv with the
# seconds each request took. tests/answer.rs parses every captured file.
#
# Usage: scripts/capture-llm-answers.sh [BASE_URL] [MODEL]
#   default BASE_URL http://127.0.0.1:8089/v1, MODEL smollm2-135m
# MODES (env): space-separated subset of "none json_object" (default both).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BASE_URL="${1:-http://127.0.0.1:8089/v1}"
MODEL="${2:-smollm2-135m}"
MODES="${MODES:-none json_object}"
OUT="$ROOT/tests/fixtures/llm_answers"
LEADS="$OUT/leads.csv"

cd "$ROOT"
cargo build --quiet --example render_prompt
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/debug/examples/render_prompt"
ids="$(tail -n +2 "$LEADS" | cut -d, -f1)"
printf 'file\ttemplate\tlead\tmode\tseconds\n' >"$OUT/index.tsv"
for tmpl in prompts/*.j2; do
    name="$(basename "$tmpl" .j2)"
    for id in $ids; do
        for mode in $MODES; do
            body="$(mktemp)"
            "$BIN" "$tmpl" "$LEADS" "$id" "$mode" "$MODEL" >"$body"
            file="${name}__${id}__${mode}.json"
            secs="$(curl -sS --max-time 300 -o "$OUT/$file" -w '%{time_total}' \
                -H 'Content-Type: application/json' -d @"$body" "$BASE_URL/chat/completions")"
            rm -f "$body"
            printf '%s\t%s\t%s\t%s\t%s\n' "$file" "$name" "$id" "$mode" "$secs" >>"$OUT/index.tsv"
            printf '%s %ss\n' "$file" "$secs" >&2
        done
    done
done

#!/usr/bin/env bash
# Captures real raw answers from an OpenAI-compatible endpoint (by default the local llama.cpp
# server of scripts/local-llm.sh) for every shipped prompt × the leads in
# tests/fixtures/llm_answers/leads.csv × structured-output mode, into
# tests/fixtures/llm_answers/<template>__<lead>__<mode>.json, plus index.tsv with the
# seconds each request took. tests/it/answer.rs parses every captured file.
#
# Usage: scripts/capture-llm-answers.sh [BASE_URL] [MODEL]
#   default BASE_URL http://127.0.0.1:8089/v1, MODEL smollm2-135m
# Env: MODES, a subset of "none json_object" (default both); LEAD_IDS, the leads to use
# (default all in leads.csv); MAX_TOKENS (default 300).
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
ids="${LEAD_IDS:-$(tail -n +2 "$LEADS" | cut -d, -f1)}"
[[ -f "$OUT/index.tsv" ]] || printf 'file\ttemplate\tlead\tmode\tseconds\n' >"$OUT/index.tsv"
for tmpl in prompts/*.j2; do
    name="$(basename "$tmpl" .j2)"
    for id in $ids; do
        for mode in $MODES; do
            file="${name}__${id}__${mode}.json"
            # Answers already captured are kept: delete a file to capture it again.
            [[ -s "$OUT/$file" ]] && continue
            body="$(mktemp)"
            "$BIN" "$tmpl" "$LEADS" "$id" "$mode" "$MODEL" >"$body"
            secs="$(curl -sS --max-time 300 -o "$OUT/$file" -w '%{time_total}' \
                -H 'Content-Type: application/json' -d @"$body" "$BASE_URL/chat/completions")"
            rm -f "$body"
            printf '%s\t%s\t%s\t%s\t%s\n' "$file" "$name" "$id" "$mode" "$secs" >>"$OUT/index.tsv"
            printf '%s %ss\n' "$file" "$secs" >&2
        done
    done
done

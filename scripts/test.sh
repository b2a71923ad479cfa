#!/usr/bin/env bash
# The whole test suite, as README.md documents it. It installs what the tests need first:
#   - Debian's chromium (the report test opens report.html in it), when running as root;
#   - llama.cpp's server and the SmolLM2 model (scripts/local-llm.sh install: a venv in
#     .venv-llm/ and the model in .cache/, both git-ignored; the first build of llama.cpp
#     takes several minutes, pip caches the wheel after that).
# Then: cargo test, every test binary, including the end-to-end run with the real model.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
    if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "test.sh: installing chromium (Debian package) for the report test" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "test.sh: chromium is missing and cannot be installed here; the report test will skip (or fail under CI)" >&2
    fi
fi

scripts/local-llm.sh install

cargo test --locked

#!/usr/bin/env bash
# The whole test suite, as README.md documents it: installs what the tests need, then runs them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test --all-targets --locked

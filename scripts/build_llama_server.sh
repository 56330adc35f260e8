#!/usr/bin/env bash
# Build llama.cpp's own HTTP server, `llama-server`, into .venv/bin from the
# llama.cpp that llama-cpp-python's source distribution vendors, so the
# in-process engine and the remote one run the same llama.cpp.  The CPU flags
# are the ones scripts/setup.sh gives llama-cpp-python (a GGML_NATIVE build
# segfaults on these machines' AMX); set CMAKE_ARGS to build for CUDA or
# another CPU.  Cached: it does nothing when .venv/bin/llama-server runs.
#
#   bash scripts/build_llama_server.sh          # about 5-8 minutes on 2 cores
#   FORCE=1 bash scripts/build_llama_server.sh  # rebuild
#
set -euo pipefail
cd "$(dirname "$0")/.."

LLAMA_CPP_VERSION=${LLAMA_CPP_VERSION:-0.3.36}
TARGET=.venv/bin/llama-server
JOBS=${JOBS:-2}

if [ -z "${FORCE:-}" ] && [ -x "$TARGET" ] && "$TARGET" --version >/dev/null 2>&1; then
    echo "llama-server is already built: $TARGET" >&2
    exit 0
fi

CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DLLAVA_BUILD=OFF}"
WORK=${LLAMA_SERVER_BUILD_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/cwm-lsp/llama-server-build}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)

SDIST=$(ls "$WORK"/llama_cpp_python-"$LLAMA_CPP_VERSION".tar.gz 2>/dev/null || true)
if [ -z "$SDIST" ]; then
    echo "downloading the llama-cpp-python $LLAMA_CPP_VERSION source distribution" >&2
    .venv/bin/python -m pip download --quiet --no-binary :all: --no-deps \
        --dest "$WORK" "llama-cpp-python==$LLAMA_CPP_VERSION"
    SDIST=$(ls "$WORK"/llama_cpp_python-"$LLAMA_CPP_VERSION".tar.gz)
fi
SRC="$WORK/llama_cpp_python-$LLAMA_CPP_VERSION"
if [ ! -d "$SRC/vendor/llama.cpp/tools/server" ]; then
    tar -xzf "$SDIST" -C "$WORK"
fi
LLAMA="$SRC/vendor/llama.cpp"

echo "building llama-server from $LLAMA with $CMAKE_ARGS" >&2
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of flags
cmake -S "$LLAMA" -B "$WORK/build" -DCMAKE_BUILD_TYPE=Release \
    -DLLAMA_CURL=OFF -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TESTS=OFF \
    -DLLAMA_BUILD_EXAMPLES=OFF -DBUILD_SHARED_LIBS=OFF $CMAKE_ARGS >&2
cmake --build "$WORK/build" --target llama-server -j "$JOBS" >&2
install -m 0755 "$WORK/build/bin/llama-server" "$TARGET"
"$TARGET" --version >&2
echo "llama-server is built: $TARGET" >&2

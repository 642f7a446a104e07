#!/usr/bin/env bash
# Configures and builds radhpc (Release) into build/ (or $RADHPC_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD="${RADHPC_BUILD_DIR:-build}"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" -j"$(nproc)"

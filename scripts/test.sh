#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite through ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
BUILD="${RADHPC_BUILD_DIR:-build}"
cd "$BUILD"
ctest --output-on-failure -j"$(nproc)" --timeout 900

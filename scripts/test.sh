#!/usr/bin/env bash
# Installs what is missing, builds the release preset and runs the whole test suite.
# Usage: scripts/test.sh [preset]   (release by default; asan and tsan also work)
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-release}"
bash scripts/install-deps.sh
bash scripts/build.sh "$preset"
ctest --preset "$preset" -j "$(nproc)"

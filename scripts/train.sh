#!/usr/bin/env bash
# Installs what is missing, builds, and trains the default CNN on Fashion-MNIST
# (from Debian's dataset-fashion-mnist). Extra arguments go to tapegrad-train.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh release
exec ./build/release/examples/tapegrad-train "$@"

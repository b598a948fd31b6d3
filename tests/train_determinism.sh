#!/usr/bin/env bash
# tapegrad-train is deterministic: the same seed gives the same weights with 1 and 2 threads,
# and stopping after one epoch then resuming gives the same weights as an uninterrupted run.
# Uses a small slice of Fashion-MNIST (Debian's dataset-fashion-mnist).
set -euo pipefail
train="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--model lenet --limit-train 1024 --limit-test 256 --batch-size 64 --seed 5 --plain)
"$train" "${common[@]}" --epochs 2 --threads 1 --out-dir "$work/a" --export-weights "$work/a.safetensors" >/dev/null
"$train" "${common[@]}" --epochs 2 --threads 2 --out-dir "$work/b" --export-weights "$work/b.safetensors" >/dev/null
cmp "$work/a.safetensors" "$work/b.safetensors"
echo "same weights with 1 and 2 threads"
"$train" "${common[@]}" --epochs 2 --stop-after 1 --threads 2 --out-dir "$work/c" >/dev/null
"$train" "${common[@]}" --epochs 2 --threads 2 --out-dir "$work/c" --resume "$work/c/last.safetensors" \
  --export-weights "$work/c.safetensors" >/dev/null
cmp "$work/a.safetensors" "$work/c.safetensors"
echo "resumed run equals the uninterrupted run"

#!/usr/bin/env bash
# tapegrad-train fails loudly: a non-finite loss with --stop-on-nonfinite stops the run naming
# the step, and a checkpoint that cannot be written (a directory in its place) is an error,
# not a run that exits 0 claiming it wrote it. Uses a small slice of Fashion-MNIST.
set -uo pipefail
train="$1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
common=(--model lenet --limit-train 256 --limit-test 64 --batch-size 32 --seed 5 --plain --epochs 1)

# A learning rate that overflows the weights after the first step.
"$train" "${common[@]}" --optimizer sgd --momentum 0 --lr 1e30 --schedule none \
  --stop-on-nonfinite --out-dir "$work/nan" >"$work/nan.out" 2>"$work/nan.err"
status=$?
if [ "$status" -eq 0 ] || ! grep -q "non-finite loss .* at epoch 1, step [0-9]* of 8" "$work/nan.err"; then
  echo "expected a failure naming the step, got status $status:"; cat "$work/nan.err"; exit 1
fi
echo "stopped: $(cat "$work/nan.err")"

mkdir -p "$work/dir/last.safetensors/inside"
"$train" "${common[@]}" --out-dir "$work/dir" >"$work/dir.out" 2>"$work/dir.err"
status=$?
if [ "$status" -eq 0 ] || ! grep -q "last.safetensors" "$work/dir.err"; then
  echo "expected a failure naming last.safetensors, got status $status:"; cat "$work/dir.err"; exit 1
fi
echo "refused: $(cat "$work/dir.err")"

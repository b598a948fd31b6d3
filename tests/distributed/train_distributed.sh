#!/usr/bin/env bash
# Usage: train_distributed.sh MPIEXEC TAPEGRAD_TRAIN [more tapegrad-train options, e.g. --model]
# The main job on two ranks follows the one-process run with the same global batch (same
# test loss and accuracy to the printed digits), prints once, and resumes from rank 0's
# checkpoint to the same result as the uninterrupted run.
set -euo pipefail
mpiexec=$1 train=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args=(--epochs 2 --limit-train 1280 --limit-test 500 --optimizer sgd --lr 0.05 --plain --threads 1
      "${@:3}")

"$train" "${args[@]}" --out-dir "$work/one" > "$work/one.log"
"$mpiexec" -np 2 "$train" "${args[@]}" --distributed --out-dir "$work/two" > "$work/two.log"
"$mpiexec" -np 2 "$train" "${args[@]}" --distributed --out-dir "$work/resumed" --stop-after 1 > /dev/null
"$mpiexec" -np 2 "$train" "${args[@]}" --distributed --out-dir "$work/resumed" \
  --resume "$work/resumed/last.safetensors" > "$work/resumed.log"

results() { grep -o 'epoch [0-9]*: test loss [0-9.]*, test accuracy [0-9.]*%' "$1"; }
echo "one process:"; results "$work/one.log"
echo "two ranks:";   results "$work/two.log"
[[ "$(results "$work/one.log")" == "$(results "$work/two.log")" ]] || { echo "FAIL: curves differ"; exit 1; }
[[ $(grep -c '^epoch 2: test loss' "$work/two.log") -eq 1 ]] || { echo "FAIL: not printed once"; exit 1; }
grep -q '2 processes (batch 32 each)' "$work/two.log" || { echo "FAIL: no split reported"; exit 1; }
[[ -f "$work/two/last.safetensors" && -f "$work/two/curve.csv" ]] || { echo "FAIL: no files"; exit 1; }
[[ "$(results "$work/resumed.log")" == "$(results "$work/two.log" | tail -1)" ]] ||
  { echo "FAIL: the resumed run differs"; results "$work/resumed.log"; exit 1; }
echo PASS

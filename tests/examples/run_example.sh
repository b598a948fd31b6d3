#!/usr/bin/env bash
# A reduced run of one example program (few steps, little data) with checks that can fail:
# exit code, the PNG it writes (signature and a non-empty image), and its printed figures
# (finite, in range, and what must hold even after a short run).
# Usage: run_example.sh detect|segment|style_transfer <program> <work dir>
set -euo pipefail
name="$1" program="$2" work="$3"
rm -rf "$work" && mkdir -p "$work"
log="$work/output.txt"

fail() { echo "FAIL ($name): $*" >&2; echo "--- output:" >&2; cat "$log" >&2; exit 1; }

# PNG signature, then a positive width and height in the IHDR chunk.
check_png() {
  local f="$work/$1"
  [[ -s "$f" ]] || fail "$1 was not written"
  [[ "$(od -An -tx1 -N8 "$f" | tr -d ' \n')" == "89504e470d0a1a0a" ]] || fail "$1 is not a PNG"
  local w h
  w=$((16#$(od -An -tx1 -j16 -N4 "$f" | tr -d ' \n')))
  h=$((16#$(od -An -tx1 -j20 -N4 "$f" | tr -d ' \n')))
  ((w > 0 && h > 0)) || fail "$1 has size ${w}x${h}"
  echo "$1: ${w}x${h}"
}

# The number after `label` on the first line matching `pattern`; must lie in [lo, hi].
check_figure() {
  local pattern="$1" label="$2" lo="$3" hi="$4" value
  value=$(grep -m1 -- "$pattern" "$log" | sed -n "s/.*$label \([-0-9.eE+naif]*\).*/\1/p")
  [[ -n "$value" ]] || fail "no '$label' on a line matching '$pattern'"
  awk -v v="$value" -v lo="$lo" -v hi="$hi" 'BEGIN { exit !(v == v + 0 && v >= lo && v <= hi) }' ||
    fail "'$label' = $value, expected a number in [$lo, $hi]"
  echo "$label $value"
}

common=(--threads 2 --out-dir "$work")
case "$name" in
  detect)
    "$program" "${common[@]}" --limit-images 2000 --loc-steps 150 --det-steps 40 \
      --batch-size 16 --test-canvases 100 >"$log" 2>&1 || fail "exit code $?"
    check_png detect_localization.png
    check_png detect_boxes.png
    check_figure "baseline" "mean IoU" 0 1
    check_figure "CNN on" "mean IoU" 0 1
    check_figure "mAP@0.5 =" "mAP@0.5 =" 0 1
    # The evaluation scores the ground truth itself as perfect.
    grep -q "ground truth as detections: 1.000" "$log" || fail "mAP of the ground truth is not 1"
    # Even 150 steps localize better than always answering the mean box.
    base=$(grep -m1 "baseline" "$log" | sed -n 's/.*mean IoU \([0-9.]*\).*/\1/p')
    cnn=$(grep -m1 "CNN on" "$log" | sed -n 's/.*mean IoU \([0-9.]*\).*/\1/p')
    awk -v a="$cnn" -v b="$base" 'BEGIN { exit !(a > b) }' ||
      fail "CNN mean IoU $cnn is not above the baseline's $base"
    ;;
  segment)
    "$program" "${common[@]}" --limit-images 1000 --steps 25 --batch-size 8 \
      --test-canvases 16 >"$log" 2>&1 || fail "exit code $?"
    check_png segment.png
    check_figure "mean IoU" "mean IoU" 0 1
    check_figure "mean IoU" "mean Dice" 0 1
    check_figure "pixel accuracy" "pixel accuracy" 0 1
    check_figure "test losses" "Dice" 0 1
    ;;
  style_transfer)
    "$program" "${common[@]}" --train-steps 30 --steps 40 --side 28 >"$log" 2>&1 ||
      fail "exit code $?"
    check_png style_transfer.png
    # The optimisation must lower the style loss.
    check_figure "style loss reduction" "reduction" 1.01 1e30
    ;;
  *) echo "unknown example $name" >&2; exit 2 ;;
esac
echo "PASS ($name)"

#!/usr/bin/env bash
# Fuzzes one file reader with libFuzzer (Debian's clang-14, ASan + UBSan):
#   bash scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
# TARGET is npy, npz, safetensors, idx or png. Each target links only the reader's own sources
# (no tensor library), so a build takes seconds. The run starts from the committed seed corpus
# fuzz/corpus/TARGET (new inputs go to build/fuzz/corpus-TARGET) with the dictionary
# fuzz/TARGET.dict; a crash leaves its input in build/fuzz/ and fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: fuzz.sh TARGET SECONDS}"
seconds="${2:?usage: fuzz.sh TARGET SECONDS}"
shift 2
case "$target" in
  npy) sources=(data/npy.cpp); libs=() ;;
  npz) sources=(data/npz.cpp data/npy.cpp); libs=(-lz) ;;
  safetensors) sources=(data/safetensors.cpp); libs=() ;;
  idx) sources=(data/idx.cpp); libs=(-lz) ;;
  png) sources=(data/png.cpp); libs=(-lpng -lz) ;;
  *) echo "unknown target '$target' (npy, npz, safetensors, idx, png)" >&2; exit 2 ;;
esac
command -v clang++-14 >/dev/null || apt-get install -y clang-14 >/dev/null
out=build/fuzz
mkdir -p "$out/corpus-$target"
binary="$out/fuzz_$target"
flags=(-std=c++17 -O1 -g -I. -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
clang++-14 "${flags[@]}" "fuzz/fuzz_$target.cpp" "${sources[@]}" data/atomic_file.cpp \
  "${libs[@]}" -o "$binary"
"$binary" -max_total_time="$seconds" -dict="fuzz/$target.dict" -rss_limit_mb=2048 \
  -artifact_prefix="$out/crash-$target-" -print_final_stats=1 "$@" \
  "$out/corpus-$target" "fuzz/corpus/$target"

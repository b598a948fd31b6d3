#!/usr/bin/env bash
# Compiles every program in tests/libtorch/ against the real libtorch (Debian's libtorch-dev,
# PyTorch 1.13) and runs it, to show that they are genuine libtorch programs whose checks
# hold there too. Run by hand when adding or changing a program; not part of CI (libtorch-dev
# is large). Usage: bash scripts/check_libtorch_programs.sh [program.cpp ...]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
if [ ! -f /usr/include/torch/csrc/api/include/torch/torch.h ]; then
  echo "libtorch-dev is not installed (apt-get install libtorch-dev)" >&2
  exit 2
fi
out=${TMPDIR:-/tmp}/tapegrad-libtorch-check
mkdir -p "$out"
# The programs that train on MNIST read ./data; libtorch reads only uncompressed IDX files,
# so Debian's Fashion-MNIST files (the same format) are unpacked there once.
mkdir -p "$out/data"
for gz in /usr/share/datasets/fashion-mnist/*-ubyte.gz; do
  raw="$out/data/$(basename "$gz" .gz)"
  [ -f "$raw" ] || gunzip -c "$gz" > "$raw"
done
programs=("$@")
[ ${#programs[@]} -eq 0 ] && programs=(tests/libtorch/*.cpp)
status=0
for src in "${programs[@]}"; do
  name=$(basename "$src" .cpp)
  echo "== $name"
  if ! g++ -std=c++17 -O1 -w -o "$out/$name" "$src" \
      -DTAPEGRAD_SOURCE_DIR="\"$root\"" \
      -I/usr/include/torch/csrc/api/include \
      -ltorch -ltorch_cpu -lc10 -lpthread; then
    echo "$name: does not compile against libtorch" >&2
    status=1
    continue
  fi
  if ! (cd "$out" && OMP_NUM_THREADS=1 "./$name" > "$name.log" 2>&1); then
    echo "$name: failed under libtorch (see $out/$name.log)" >&2
    tail -5 "$out/$name.log" >&2
    status=1
  fi
done
exit $status

#!/usr/bin/env bash
# Fuzzes tapegrad's file readers with libFuzzer (Debian's clang-14, ASan + UBSan):
#   bash scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]   one target
#   bash scripts/fuzz.sh all SECONDS [libFuzzer options...]      every target, SECONDS each,
#                                                                 as many at once as cores
# Targets:
#   npy, safetensors, idx (plain and gzip), png, jpeg   one reader each
#   npz        the .npz reader built without its CRC-32 check
#   npz_crc    the .npz reader as in production (CRC-32 checked); the harness rewrites each
#              member's CRC and size to match its mutated bytes before parsing
#   pytorch    the safe torch.save reader (zip and legacy formats)
#   state      loading a model's state, an optimizer's state and a tapegrad-train checkpoint
#              into live objects (fuzz/fuzz_state.cpp)
# Most targets link only their reader's sources (no tensor library), so a build takes seconds.
# pytorch and state compile the readers and the parsing code into the target and take tensors,
# modules and optimizers from the release library, built first if needed (not instrumented:
# its own code is outside coverage).
# A run starts from the committed seed corpus fuzz/corpus/TARGET (new inputs go to
# build/fuzz/corpus-TARGET) with the dictionary fuzz/TARGET.dict (npz_crc uses npz's). Any
# finding (crash, UB, leak, an input taking over 25 s, an allocation over 2 GiB) leaves its
# input in build/fuzz/ and fails the script; `all` runs every target, then fails if any target
# had a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(npy npz npz_crc safetensors idx png jpeg pytorch state)
usage="usage: fuzz.sh TARGET|all SECONDS [libFuzzer options...]  (targets: ${targets[*]})"
target="${1:?$usage}"
seconds="${2:?$usage}"
shift 2

bash scripts/install-deps.sh  # clang-14 and libFuzzer's runtime are among the packages
out=build/fuzz
mkdir -p "$out"

# Builds build/fuzz/fuzz_TARGET.
build_target() {
  local t="$1" sources=() libs=() defines=(-DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
  case "$t" in
    npy) sources=(data/npy.cpp data/file_bytes.cpp) ;;
    npz) sources=(data/npz.cpp data/zip.cpp data/npy.cpp data/file_bytes.cpp); libs=(-lz) ;;
    npz_crc) sources=(data/npz.cpp data/zip.cpp data/npy.cpp data/file_bytes.cpp); libs=(-lz); defines=() ;;
    safetensors) sources=(data/safetensors.cpp data/file_bytes.cpp) ;;
    idx) sources=(data/idx.cpp); libs=(-lz) ;;
    png) sources=(data/png.cpp data/file_bytes.cpp); libs=(-lpng -lz) ;;
    jpeg) sources=(data/jpeg.cpp data/png.cpp data/file_bytes.cpp); libs=(-ljpeg -lpng -lz) ;;
    pytorch)
      cmake --preset release >/dev/null
      nice -n 10 cmake --build build/release --target tapegrad -j "$(nproc)" >/dev/null
      sources=(data/pytorch_file.cpp data/zip.cpp data/file_bytes.cpp)
      libs=(-Lbuild/release -ltapegrad -Wl,-rpath,"$PWD/build/release" -ltbb -lz) ;;
    state)
      cmake --preset release >/dev/null
      nice -n 10 cmake --build build/release --target tapegrad -j "$(nproc)" >/dev/null
      sources=(nn/serialize.cpp optim/serialize.cpp examples/tapegrad-train/checkpoint.cpp
               data/safetensors.cpp data/tensor_io.cpp data/npz.cpp data/npy.cpp
               data/pytorch_file.cpp data/zip.cpp data/file_bytes.cpp)
      libs=(-Lbuild/release -ltapegrad -Wl,-rpath,"$PWD/build/release" -ltbb -lz) ;;
    *) echo "unknown target '$t' ($usage)" >&2; return 2 ;;
  esac
  local flags=(-std=c++17 -O1 -g -I. -fsanitize=fuzzer,address,undefined
               -fno-sanitize-recover=undefined -Wno-unknown-warning-option "${defines[@]}")
  # One object per source through ccache (when there is one), so a rebuild compiles only
  # what changed.
  local cc=(clang++-14) objects=() src obj
  command -v ccache >/dev/null && cc=(ccache clang++-14)
  mkdir -p "$out/obj-$t"
  for src in "fuzz/fuzz_$t.cpp" "${sources[@]}" data/atomic_file.cpp; do
    obj="$out/obj-$t/$(echo "$src" | tr / _).o"
    "${cc[@]}" "${flags[@]}" -c "$src" -o "$obj"
    objects+=("$obj")
  done
  clang++-14 -fsanitize=fuzzer,address,undefined "${objects[@]}" "${libs[@]}" -o "$out/fuzz_$t"
}

# Runs one target for $seconds; its output goes to build/fuzz/TARGET.log and a summary line
# (executions, corpus size, result) to stdout.
run_target() {
  local t="$1"; shift
  mkdir -p "$out/corpus-$t"
  local seeds="$t" rc=0
  [[ "$t" == npz_crc ]] && seeds=npz  # the same archives, the same dictionary
  "$out/fuzz_$t" -max_total_time="$seconds" -dict="fuzz/$seeds.dict" -rss_limit_mb=2048 \
    -timeout=25 -artifact_prefix="$out/crash-$t-" -print_final_stats=1 "$@" \
    "$out/corpus-$t" "fuzz/corpus/$seeds" >"$out/$t.log" 2>&1 || rc=$?
  local execs corpus
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log" | tail -n 1)
  corpus=$(ls "$out/corpus-$t" | wc -l)
  if ((rc == 0)); then
    echo "fuzz $t: ${execs:-?} executions in ${seconds} s, no findings ($out/corpus-$t holds $corpus inputs)"
  else
    echo "fuzz $t: FINDING (exit $rc) after ${execs:-?} executions; input and report:" >&2
    ls "$out"/crash-"$t"-* 2>/dev/null >&2 || true
    grep -m 3 -E "^==[0-9]+==ERROR|runtime error|SUMMARY|ERROR: libFuzzer" "$out/$t.log" >&2 || true
    echo "  (full log: $out/$t.log)" >&2
  fi
  return "$rc"
}

command -v clang++-14 >/dev/null || { echo "clang++-14 is missing" >&2; exit 1; }
if [[ "$target" == all ]]; then
  # Every target is built first, then they run one per core, SECONDS each.
  for t in "${targets[@]}"; do build_target "$t"; done
  rm -f "$out"/failed-*
  for t in "${targets[@]}"; do
    while (($(jobs -rp | wc -l) >= $(nproc))); do wait -n || true; done
    { run_target "$t" "$@" || touch "$out/failed-$t"; } &
  done
  wait
  # A glob, not `ls failed-*`: ls exits 2 when nothing matches, which pipefail would turn
  # into a failure of a clean run.
  shopt -s nullglob
  failed=("$out"/failed-*)
  if ((${#failed[@]} > 0)); then
    echo "fuzzing found problems in: ${failed[*]##*/failed-}" >&2
    exit 1
  fi
  echo "fuzz: ${#targets[@]} targets, ${seconds} s each, no findings"
else
  build_target "$target"
  run_target "$target" "$@"
fi

#!/usr/bin/env bash
# Installs the Debian 12 packages tapegrad needs to build, test and train (as root).
# Skips apt entirely when everything is already there.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libxtensor-dev xtl-dev libxsimd-dev libtbb-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  zlib1g-dev libpng-dev libjpeg-dev nlohmann-json3-dev libfmt-dev libcli11-dev
  dataset-fashion-mnist
  libopenmpi-dev openmpi-bin
  libstb-dev  # stb_easy_font: the text in the example programs' pictures
  graphviz                 # renders the recorded graph (autograd::to_dot) in tests and examples
  python-matplotlib-data   # its sample photograph is the filters example's default image
  clang-14 libclang-rt-14-dev  # libFuzzer and clang's sanitizers (scripts/fuzz.sh)
  dpkg-dev  # apt-get source: oneTBB's Debian source for the TSan build (scripts/build-tsan-tbb.sh)
)
# Optional extras: PyTorch (only to regenerate fixtures and for the side-by-side benchmark,
# which also times whole runs with /usr/bin/time).
if [[ "${TAPEGRAD_WITH_TORCH:-0}" == 1 ]]; then
  packages+=(python3-torch python3-numpy libopenblas0-pthread time)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

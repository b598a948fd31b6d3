#!/usr/bin/env bash
# Builds oneTBB with -fsanitize=thread from Debian's own source package (the same version as
# the installed libtbb-dev) and installs it into a cache directory outside the repository:
#   ${TAPEGRAD_TSAN_TBB_CACHE:-/var/cache/tapegrad}/tbb-tsan-<version>
# and points the link tbb-tsan beside it (the tsan preset's TAPEGRAD_TBB_ROOT) at it.
# ThreadSanitizer only understands synchronisation in code it instrumented; with Debian's
# uninstrumented libtbb it cannot see the task scheduler's hand-offs and reports a race inside
# every parallel loop. The `tsan` CMake preset links this build instead.
# A second run with the same libtbb-dev version and the same recipe reuses the cache and does
# nothing. Only libtbb and libtbbmalloc are built (no tests, no tbbbind, no malloc proxy).
# Prints the install directory as its last line. Needs root (apt) on a machine without it cached.
set -euo pipefail

version="$(dpkg-query -W -f='${Version}' libtbb-dev 2>/dev/null || true)"
if [[ -z "$version" ]]; then
  echo "build-tsan-tbb: libtbb-dev is not installed (run scripts/install-deps.sh)" >&2
  exit 1
fi
cache_root="${TAPEGRAD_TSAN_TBB_CACHE:-/var/cache/tapegrad}"
prefix="$cache_root/tbb-tsan-$version"
link_current() {  # replaces the link in one rename, so a build reading it never sees it missing
  ln -sfn "tbb-tsan-$version" "$cache_root/.tbb-tsan.link.$$"
  mv -fT "$cache_root/.tbb-tsan.link.$$" "$cache_root/tbb-tsan"
}
# What the build depends on besides the version: this recipe and the compiler (libtsan's ABI).
recipe="recipe 1; $(g++ --version | head -n1); TBB_SANITIZE=thread -O2 -g1 RelWithDebInfo"
if [[ -f "$prefix/.recipe" && "$(cat "$prefix/.recipe")" == "$recipe" ]]; then
  echo "build-tsan-tbb: cached, nothing to do" >&2
  link_current
  echo "$prefix"
  exit 0
fi

mkdir -p "$cache_root"
exec 9>"$cache_root/.tbb-tsan.lock"
flock 9  # one build at a time on this machine; a waiting run then finds the cache filled
if [[ -f "$prefix/.recipe" && "$(cat "$prefix/.recipe")" == "$recipe" ]]; then
  link_current
  echo "$prefix"
  exit 0
fi

sudo_cmd=()
[[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
start=$(date +%s)

# Debian's source index: add deb-src entries for the suites already configured for binaries
# (the installed version comes from one of them) unless some deb-src entry can serve it.
if ! apt-cache showsrc onetbb 2>/dev/null | grep -qx "Version: $version"; then
  src_list=/etc/apt/sources.list.d/tapegrad-deb-src.sources
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      "${sudo_cmd[@]}" tee "$src_list" >/dev/null
  else
    src_list=/etc/apt/sources.list.d/tapegrad-deb-src.list
    grep -h '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed 's/^deb /deb-src /' | "${sudo_cmd[@]}" tee "$src_list" >/dev/null
  fi
  echo "build-tsan-tbb: added $src_list, updating the package lists" >&2
  "${sudo_cmd[@]}" apt-get update -q >&2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/tbb-tsan.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# apt-get source unpacks and applies Debian's patches (dpkg-source, from dpkg-dev).
(cd "$work" && apt-get source -q "onetbb=$version" >&2)
src="$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'onetbb-*' | head -n1)"
[[ -n "$src" ]] || { echo "build-tsan-tbb: apt-get source onetbb=$version unpacked nothing" >&2; exit 1; }

staging="$prefix.tmp.$$"
rm -rf "$staging"
cmake -S "$src" -B "$work/build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" \
  -DTBB_SANITIZE=thread -DTBB_TEST=OFF -DTBB_EXAMPLES=OFF -DTBB_STRICT=OFF -DTBB4PY_BUILD=OFF \
  -DTBBMALLOC_PROXY_BUILD=OFF -DTBB_DISABLE_HWLOC_AUTOMATIC_SEARCH=ON \
  -DCMAKE_INSTALL_PREFIX="$prefix" -DCMAKE_INSTALL_LIBDIR=lib >&2
nice -n 10 cmake --build "$work/build" -j "$(nproc)" >&2
# Installed with its final prefix baked into TBBConfig, then moved into place in one step.
DESTDIR="$staging" cmake --install "$work/build" >&2
rm -rf "$prefix"
mv "$staging$prefix" "$prefix"
rm -rf "$staging"
echo "$recipe" >"$prefix/.recipe"
link_current
echo "build-tsan-tbb: built oneTBB $version with -fsanitize=thread in $(($(date +%s) - start)) s" >&2
echo "$prefix"

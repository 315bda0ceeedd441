#!/usr/bin/env bash
# Installs the Debian packages boilerstrip builds and tests with, when any is missing.
# Quiet when everything is there already.
set -euo pipefail
pkgs=(build-essential cmake pkg-config zstd python3 time
      libhyperscan-dev libsimdjson-dev libzstd-dev libisal-dev libtbb-dev libpsl-dev publicsuffix
      libgtest-dev libbenchmark-dev
      python3-dev pybind11-dev python3-pybind11 python3-pytest python3-venv
      python3-dill python3-humanize python3-loguru python3-multiprocess python3-tqdm python3-fsspec
      chromium)
# (The python3-* after pytest are what the vendored datatrove's base classes import, for the
# tests of boilerstrip.datatrove; python3-venv is for the test of the pip install; chromium
# renders the HTML report in the browser test, about 20 s to install.)
# `--fuzz` (make fuzz): clang and its libFuzzer runtime too; the main build needs neither.
[ "${1:-}" = "--fuzz" ] && pkgs+=(clang libclang-rt-14-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "install-deps: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo="sudo"; else
  echo "install-deps: not root and no sudo; run: apt-get install ${missing[*]}" >&2; exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

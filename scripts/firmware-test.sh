#!/usr/bin/env bash
# Builds the firmware's host targets (portable core, POSIX port, baton-vdevice, unit tests)
# and runs the C unit tests with CTest. Exits non-zero on any failure.
#
# Needs: cmake pkg-config libwebsockets-dev libcurl4-openssl-dev libcmocka-dev libmsgpack-dev libcjson-dev
# (gcc-multilib for the -m32 check; without it that check is skipped with a warning).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BATON_FIRMWARE_BUILD_DIR:-$repo_root/firmware/build-host}"
jobs="$(nproc 2>/dev/null || echo 2)"

# The Debian packages the host build needs: installed here when we can (root with apt),
# otherwise the exact command to run is printed and the script stops.
packages=(cmake pkg-config gcc g++ gcc-multilib libwebsockets-dev libcurl4-openssl-dev libcmocka-dev libmsgpack-dev libcjson-dev)
missing=()
command -v dpkg >/dev/null 2>&1 && for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "firmware: installing Debian packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "firmware: missing Debian packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

cmake -S "$repo_root/firmware/host" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug
cmake --build "$build_dir" --parallel "$jobs"
ctest --test-dir "$build_dir" --output-on-failure --timeout 60

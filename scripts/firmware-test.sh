#!/usr/bin/env bash
# Builds the firmware's host targets (portable core, POSIX port, baton-vdevice, unit tests)
# and runs the C unit tests with CTest (gcc, ASan + UBSan); then the unit tests again built
# with clang and its sanitizers (firmware/build-host-clang), and each libFuzzer target for a
# bounded time from the committed seed corpus (scripts/firmware-fuzz.sh, FUZZ_SECONDS, 20 s
# a target; 0 replays the seeds only). Exits non-zero on any failure, a fuzz finding included.
# Together the clang steps add about two minutes.
#
# Needs: cmake pkg-config libwebsockets-dev libcurl4-openssl-dev libcmocka-dev libmsgpack-dev libcjson-dev clang
# (gcc-multilib for the -m32 check; without it that check is skipped with a warning).
# BATON_SKIP_CLANG=1 skips the clang build and the fuzzing (for a quick local loop only).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BATON_FIRMWARE_BUILD_DIR:-$repo_root/firmware/build-host}"
jobs="$(nproc 2>/dev/null || echo 2)"

# The Debian packages the host build needs: installed here when we can (root with apt),
# otherwise the exact command to run is printed and the script stops.
packages=(cmake pkg-config gcc g++ gcc-multilib libwebsockets-dev libcurl4-openssl-dev libcmocka-dev libmsgpack-dev libcjson-dev clang)
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

if [ "${BATON_SKIP_CLANG:-0}" = "1" ]; then
  echo "firmware: BATON_SKIP_CLANG=1: the clang sanitizer build and the fuzzing were NOT run" >&2
  exit 0
fi
command -v clang >/dev/null || { echo "firmware: clang is missing (apt-get install -y clang)" >&2; exit 1; }

# The unit tests under clang's sanitizers too: clang's UBSan checks more than GCC's (e.g.
# float-cast-overflow is in its `undefined` group) and its ASan differs. Only the portable
# code and its tests: the vdevice, -m32 and ESP-IDF type checks ran above.
clang_build_dir="${BATON_FIRMWARE_CLANG_BUILD_DIR:-${build_dir}-clang}"
CC=clang cmake -S "$repo_root/firmware/host" -B "$clang_build_dir" -DCMAKE_BUILD_TYPE=Debug -DBATON_SANITIZE=ON \
  -DBATON_BUILD_VDEVICE=OFF -DBATON_CHECK_M32=OFF -DBATON_TYPECHECK_ESPIDF=OFF
cmake --build "$clang_build_dir" --parallel "$jobs"
ctest --test-dir "$clang_build_dir" --output-on-failure --timeout 60

# Every libFuzzer target for a bounded time; a crash or sanitizer report fails the run.
FUZZ_SECONDS="${FUZZ_SECONDS:-20}" bash "$repo_root/scripts/firmware-fuzz.sh"

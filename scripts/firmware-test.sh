#!/usr/bin/env bash
# Builds the firmware's host targets (portable core, POSIX port, baton-vdevice, unit tests)
# and runs the C unit tests with CTest. Exits non-zero on any failure.
#
# Needs: cmake pkg-config libwebsockets-dev libcurl4-openssl-dev libcmocka-dev libmsgpack-dev
# (gcc-multilib for the -m32 check; without it that check is skipped with a warning).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_dir="${BATON_FIRMWARE_BUILD_DIR:-$repo_root/firmware/build-host}"
jobs="$(nproc 2>/dev/null || echo 2)"

cmake -S "$repo_root/firmware/host" -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug
cmake --build "$build_dir" --parallel "$jobs"
ctest --test-dir "$build_dir" --output-on-failure --timeout 60

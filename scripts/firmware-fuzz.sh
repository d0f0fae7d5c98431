#!/usr/bin/env bash
# Builds the firmware core's libFuzzer targets (firmware/tests/fuzz/) with clang, ASan, UBSan
# and float-cast-overflow, and runs each for a while from its seed corpus. Not part of
# `npm test` (fuzzing is open-ended); every finding is turned into a cmocka test instead, so
# the suite reproduces it deterministically (issue 10: test_frame.c, test_json_matchmake.c).
#
#   bash scripts/firmware-fuzz.sh            # 30 s per target
#   FUZZ_SECONDS=300 bash scripts/firmware-fuzz.sh
#
# Needs: clang (Debian: apt-get install -y clang). Exits non-zero on the first crash; the
# crashing input is left in firmware/build-fuzz/<target>/.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
core="$repo_root/firmware/components/baton_core"
fuzz_dir="$repo_root/firmware/tests/fuzz"
out="${BATON_FUZZ_BUILD_DIR:-$repo_root/firmware/build-fuzz}"
seconds="${FUZZ_SECONDS:-30}"

command -v clang >/dev/null || { echo "fuzz: clang is missing (apt-get install -y clang)" >&2; exit 1; }
flags=(-g -O1 -fsanitize=fuzzer,address,undefined,float-cast-overflow -fno-sanitize-recover=all
       -I"$core/include" -I"$core/src")

for target in frame matchmake session; do
  mkdir -p "$out/$target" "$out/$target/corpus"
  cp -n "$fuzz_dir/corpus/$target/"* "$out/$target/corpus/" 2>/dev/null || true
  clang "${flags[@]}" "$fuzz_dir/fuzz_$target.c" "$core"/src/*.c -o "$out/fuzz_$target"
  echo "fuzz: $target for ${seconds}s"
  (cd "$out/$target" && "$out/fuzz_$target" -max_total_time="$seconds" -print_final_stats=0 corpus)
done
echo "fuzz: no findings"

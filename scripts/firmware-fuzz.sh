#!/usr/bin/env bash
# Builds the firmware core's libFuzzer targets (firmware/tests/fuzz/) with clang, ASan, UBSan
# (float-cast-overflow included, every finding fatal) and runs each for FUZZ_SECONDS from
# the committed seed corpus. `npm test` runs it through scripts/firmware-test.sh for a bounded
# time (FUZZ_SECONDS, 20 s a target there); run it longer by hand when the decoders change.
# Every finding is turned into a cmocka test, so the suite reproduces it deterministically
# (issue 10: test_frame.c, test_json_matchmake.c).
#
#   bash scripts/firmware-fuzz.sh                   # 20 s per target
#   FUZZ_SECONDS=300 bash scripts/firmware-fuzz.sh  # longer
#   FUZZ_SECONDS=0 bash scripts/firmware-fuzz.sh    # build, and replay the seed corpus once
#
# Targets: frame (server messages), matchmake (HTTP answers), msgpack (the pull reader),
# session (a joined session fed message sequences with time passing).
# Needs: clang (Debian: apt-get install -y clang). Exits non-zero on the first crash, leak,
# timeout or sanitizer report; the input that caused it is left in
# firmware/build-fuzz/<target>/ (crash-*, leak-*, timeout-*) and its path is printed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
core="$repo_root/firmware/components/baton_core"
fuzz_dir="$repo_root/firmware/tests/fuzz"
out="${BATON_FUZZ_BUILD_DIR:-$repo_root/firmware/build-fuzz}"
seconds="${FUZZ_SECONDS:-20}"
targets=(frame matchmake msgpack session)

command -v clang >/dev/null || { echo "fuzz: clang is missing (apt-get install -y clang)" >&2; exit 1; }
case "$seconds" in '' | *[!0-9]*) echo "fuzz: FUZZ_SECONDS must be a whole number" >&2; exit 2 ;; esac

sanitizers="address,undefined,float-cast-overflow"
common=(-g -O1 -fno-omit-frame-pointer -fno-sanitize-recover=all -I"$core/include" -I"$core/src")

# The core once, instrumented for coverage but without libFuzzer's main; each target links it.
mkdir -p "$out/core"
rm -f "$out/core"/*.o
(cd "$out/core" && clang "${common[@]}" -fsanitize=fuzzer-no-link,"$sanitizers" -c "$core"/src/*.c)
rm -f "$out/libbaton_core_fuzz.a"
ar rcs "$out/libbaton_core_fuzz.a" "$out/core"/*.o

for target in "${targets[@]}"; do
  clang "${common[@]}" -fsanitize=fuzzer,"$sanitizers" "$fuzz_dir/fuzz_$target.c" "$out/libbaton_core_fuzz.a" \
    -o "$out/fuzz_$target"
done

# One target's bounded run; its log stays in $out/<target>/log, and a failure prints its tail.
fuzz_one() {
  local target="$1" seeds="$fuzz_dir/corpus/$1" limit
  [ -d "$seeds" ] || { echo "fuzz: no seed corpus at $seeds" >&2; return 1; }
  # New inputs go to the build's corpus; the committed seeds are read only.
  mkdir -p "$out/$target/corpus"
  if [ "$seconds" -eq 0 ]; then
    limit=(-runs=0)
    echo "fuzz: $target: replaying the seed corpus"
  else
    limit=(-max_total_time="$seconds")
    echo "fuzz: $target for ${seconds}s"
  fi
  if ! (cd "$out/$target" && "$out/fuzz_$target" "${limit[@]}" -timeout=10 -rss_limit_mb=2048 -print_final_stats=0 \
          -artifact_prefix="$out/$target/" corpus "$seeds" 2>"$out/$target/log"); then
    tail -n 60 "$out/$target/log" >&2
    echo "fuzz: $target FAILED; the input is in $out/$target/ (reproduce: $out/fuzz_$target <file>)" >&2
    return 1
  fi
  grep -E '^Done [0-9]+ runs' "$out/$target/log" | tail -n 1 | sed "s/^/fuzz: $target: /" || true
}

# The targets run side by side, as many at once as there are cores (FUZZ_JOBS), each for its
# full FUZZ_SECONDS: the same budget per target as one after the other, in half the time on
# two cores (issue 17).
jobs="${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}"
failed=0
running=()
for target in "${targets[@]}"; do
  fuzz_one "$target" &
  running+=($!)
  if [ ${#running[@]} -ge "$jobs" ]; then
    wait "${running[0]}" || failed=1
    running=("${running[@]:1}")
  fi
done
for pid in "${running[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || exit 1
echo "fuzz: no findings"

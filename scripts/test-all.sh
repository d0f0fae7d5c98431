#!/usr/bin/env bash
# `npm test`: every stage in order — Chromium present, types, the firmware (C unit tests with
# gcc and clang, fuzzers), the TypeScript tests — stopping at the first that fails, and a
# closing table of how long each stage took (CONTRIBUTING.md keeps the figures).
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

timings=()
run_stage() {
  local name="$1"; shift
  local started=$SECONDS
  "$@"
  local status=$?
  timings+=("$(printf '%-18s %4ss  %s' "$name" "$((SECONDS - started))" "$([ $status -eq 0 ] && echo ok || echo "FAILED ($status)")")")
  if [ $status -ne 0 ]; then
    print_timings
    exit $status
  fi
}
print_timings() {
  echo
  echo "npm test, time per stage:"
  for line in "${timings[@]}"; do echo "  $line"; done
}

run_stage "chromium" bash scripts/ensure-chromium.sh
run_stage "typecheck" npm run --silent typecheck
run_stage "firmware" npm run --silent test:firmware
run_stage "vitest" npx vitest run
print_timings

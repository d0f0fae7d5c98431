#!/usr/bin/env bash
# Copies the dashboard screenshots that the browser tests wrote to build/screenshots/ into
# docs/screenshots/ (the README's pictures). `npm test` never writes into docs/ itself, so
# a test run leaves `git status` clean; run this on purpose when the dashboard's look changed:
#
#   npx vitest run test/browser/dashboard.browser.test.ts test/browser/admin.browser.test.ts && npm run screenshots:update
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
from="$repo_root/build/screenshots"
to="$repo_root/docs/screenshots"
shopt -s nullglob
pictures=("$from"/*.png)
if [ ${#pictures[@]} -eq 0 ]; then
  echo "No screenshots in build/screenshots/: run the browser tests first (npx vitest run test/browser/dashboard.browser.test.ts test/browser/admin.browser.test.ts)." >&2
  exit 1
fi
mkdir -p "$to"
cp "${pictures[@]}" "$to/"
echo "Copied ${#pictures[@]} screenshots into docs/screenshots/:"
for picture in "${pictures[@]}"; do echo "  $(basename "$picture")"; done

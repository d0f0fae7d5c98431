#!/usr/bin/env bash
# The dashboard's browser tests (test/browser/) drive Debian's Chromium at /usr/bin/chromium
# through playwright-core (no browser download). `npm test` calls this first: it installs
# Chromium when it can (root with apt), and otherwise stops with the command to run.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "browser tests: installing Debian's chromium"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
  exit 0
fi
echo "browser tests: /usr/bin/chromium is missing. Install it with:  sudo apt-get install -y chromium" >&2
exit 1

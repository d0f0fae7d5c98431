#!/bin/sh
# The session's source files call one way only (issue 10: the circle between baton_session.c,
# baton_session_commands.c and baton_session_reports.c went). Listed top to bottom as in
# baton_session_internal.h; fails when a file calls a function defined in a file above it.
#   sh check_session_layers.sh <baton_core/src>
set -eu
src="$1"
order="baton_session.c baton_session_commands.c baton_session_reports.c baton_session_link.c baton_session_resend.c
       baton_session_held.c baton_session_types.c baton_str.c baton_actions.c"
status=0
above=""
for file in $order; do
  [ -f "$src/$file" ] || { echo "missing $src/$file" >&2; exit 1; }
  for upper in $above; do
    # Functions with external linkage defined in the upper file (a definition starts in column 0).
    for fn in $(sed -n 's/^[a-z][^;(]*[ *]\(baton_[a-z0-9_]*\)(.*[^;]$/\1/p' "$src/$upper"); do
      if grep -q "[^a-z0-9_]$fn(" "$src/$file"; then
        echo "$file calls $fn(), which is defined above it in $upper" >&2
        status=1
      fi
    done
  done
  above="$above $file"
done
[ "$status" -eq 0 ] && echo "session layers: calls go one way"
exit "$status"

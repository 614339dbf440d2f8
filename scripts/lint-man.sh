#!/bin/sh
# Lints the manual pages in man/. Fails if groff or mandoc -Tlint says anything:
# groff exits 0 even when it warns, so its output is what counts.
set -eu
cd "$(dirname "$0")/.."

pages=$(ls man/*.[1-9] 2>/dev/null || true)
if [ -z "$pages" ]; then
  echo "lint-man: no pages in man/" >&2
  exit 1
fi
for linter in groff mandoc; do
  command -v "$linter" >/dev/null 2>&1 || {
    echo "lint-man: $linter is missing (apt-get install groff-base mandoc, or scripts/bootstrap.sh)" >&2
    exit 2
  }
done

status=0
for page in $pages; do
  # -z checks the input; a full render also reports warnings raised only on output (mdoc's
  # macro-argument warnings among them).
  out=$( { groff -mandoc -ww -z "$page"; groff -mandoc -ww -Tutf8 "$page" >/dev/null; } 2>&1 )
  if [ -n "$out" ]; then
    printf '%s\n' "$out" | awk '!seen[$0]++' | sed "s|^|$page: |" >&2
    status=1
  fi
  # Style notes are advice; warnings and errors fail the lint.
  out=$(mandoc -Tlint -Wwarning "$page" 2>&1 || true)
  if [ -n "$out" ]; then
    printf '%s\n' "$out" >&2
    status=1
  fi
done
if [ "$status" -eq 0 ]; then
  echo "lint-man: $(echo "$pages" | wc -w) pages clean"
fi
exit "$status"

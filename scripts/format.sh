#!/bin/sh
# Formats the Swift sources with `swift format` and the committed .swift-format
# (2-space indent, 100 columns).
#   scripts/format.sh              rewrite the files in place
#   scripts/format.sh --lint       only report what would change (exit 1 if anything would)
#   scripts/format.sh [--lint] PATH...   only these files or folders
# scripts/test.sh (and so CI) runs the --lint form.
set -eu
cd "$(dirname "$0")/.."
command -v swift >/dev/null 2>&1 || PATH="/opt/swift/usr/bin:$PATH"

mode=format
if [ "${1:-}" = --lint ]; then
  mode=lint
  shift
fi
[ $# -gt 0 ] || set -- Package.swift Sources Tests

if [ "$mode" = lint ]; then
  exec swift format lint --strict --configuration .swift-format --recursive "$@"
fi
exec swift format format --in-place --configuration .swift-format --recursive "$@"

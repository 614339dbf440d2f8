#!/bin/sh
# THE test command, for people and for CI (.ci/run): installs the system packages, lints the
# manual pages and the Swift formatting, builds, and runs every test. Extra arguments go to
# `swift test` (for example --filter EndToEndTests). The last lines printed are the test summary.
set -eu
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
command -v swift >/dev/null 2>&1 || PATH="/opt/swift/usr/bin:$PATH"

scripts/lint-man.sh
scripts/format.sh --lint
swift build
exec swift test "$@"

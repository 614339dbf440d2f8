#!/bin/sh
# THE test command, for people and for CI (.ci/run): installs the system packages, builds,
# lints the manual pages and runs every test. Extra arguments go to `swift test`
# (for example --filter EndToEndTests). The last lines printed are the test summary.
set -eu
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
command -v swift >/dev/null 2>&1 || PATH="/opt/swift/usr/bin:$PATH"

scripts/lint-man.sh
swift build
exec swift test "$@"

#!/bin/sh
# Installs what atk needs to build, test and run its demo on Debian 12, as root (or through
# sudo). Safe to run any number of times.
#
#   scripts/bootstrap.sh           build and test dependencies
#   scripts/bootstrap.sh --bench   also the peers scripts/bench compares atk with
#                                  (sox, ffmpeg, lame, flac)
#
# A Swift 6 toolchain must already be installed (on PATH or in /opt/swift); this script checks
# for it and says so when it is missing.
set -eu
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "$0"
}

bench=0
for arg in "$@"; do
  case $arg in
    --bench) bench=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bootstrap: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
  esac
done

# Build and test: the C libraries atk links, pkg-config to find them, groff and mandoc for
# lint-man.sh, GNU parallel and time for the fan-out tests and memcheck, python3 for the demo's
# audio generator and scripts/fuzz, git for SwiftPM, the lame command, which the tests use (never
# atk) to make MP3s without a Xing/LAME tag, script(1) (bsdutils), which gives a tool a terminal
# in the tests of its terminal hints, the sqlite3 command, which the journal tests use to check
# damaged databases and to change one behind atk-journal's back, jq and sox, which the manual
# pages' examples use (a test runs every example), and binutils, whose readelf the linkage tests
# use to list the libraries each tool links.
packages="libsndfile1-dev libmp3lame-dev libsqlite3-dev libsoxr-dev pkg-config groff-base mandoc
  parallel time python3 git ca-certificates lame bsdutils sqlite3 jq sox binutils"
# Benchmark peers: never called by atk itself.
bench_packages="libsox-fmt-all ffmpeg flac"

wanted=$packages
[ "$bench" -eq 1 ] && wanted="$wanted $bench_packages"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "bootstrap: run as root (or install sudo) to install: $wanted" >&2
    exit 2
  fi
}

echo "bootstrap: installing $(echo $wanted)"
as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086 # the list is meant to split into words
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $wanted

swift_prefix=/opt/swift
if command -v swift >/dev/null 2>&1 || [ -x "$swift_prefix/usr/bin/swift" ]; then
  PATH="$PATH:$swift_prefix/usr/bin"
  echo "bootstrap: $(swift --version 2>/dev/null | head -n 1)"
else
  echo "bootstrap: no Swift toolchain found; install Swift 6 (swift.org) into $swift_prefix" >&2
  exit 2
fi

#!/bin/sh
# Installs what atk needs to build, test and run its demo on Debian 12, as root (or through
# sudo). Safe to run any number of times: when every package is already installed it changes
# nothing and touches no network.
#
#   scripts/bootstrap.sh           build and test dependencies
#   scripts/bootstrap.sh --bench   also the peers scripts/bench compares atk with
#                                  (sox, ffmpeg, lame, flac)
#
# A Swift 6 toolchain is needed too. When none is found (on PATH or in /opt/swift), the
# release tarball is fetched from swift.org, checked against its signature and unpacked into
# /opt/swift; set ATK_SKIP_SWIFT=1 to skip that and install Swift yourself.
set -eu
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,13s/^# \{0,1\}//p' "$0"
}

bench=0
for arg in "$@"; do
  case $arg in
    --bench) bench=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bootstrap: unknown argument '$arg' (try --help)" >&2; exit 64 ;;
  esac
done

# Build and test: the C libraries atk links, pkg-config to find them, groff for lint-man.sh,
# GNU parallel and time for the fan-out tests and memcheck, python3 for the demo's audio
# generator, git and certificates so SwiftPM can fetch swift-argument-parser.
packages="libsndfile1-dev libmp3lame-dev libsqlite3-dev libsoxr-dev pkg-config groff-base
  parallel time python3 git ca-certificates"
# Benchmark peers: never called by atk itself.
bench_packages="sox libsox-fmt-all ffmpeg lame flac"
# What the swift.org toolchain needs on Debian 12.
swift_packages="binutils-gold curl gpg libicu-dev libcurl4-openssl-dev libedit-dev libncurses-dev
  libpython3-dev libxml2-dev uuid-dev tzdata gcc libstdc++-12-dev"

swift_version=6.3.1
swift_prefix=/opt/swift

find_swift() {
  command -v swift >/dev/null 2>&1 || [ -x "$swift_prefix/usr/bin/swift" ]
}

wanted=$packages
[ "$bench" -eq 1 ] && wanted="$wanted $bench_packages"
need_swift=0
if ! find_swift && [ "${ATK_SKIP_SWIFT:-0}" != 1 ]; then
  need_swift=1
  wanted="$wanted $swift_packages"
fi

# Which of them are missing? dpkg-query is cheap and needs no network.
missing=""
for package in $wanted; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = installed ] || missing="$missing $package"
done

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "bootstrap: run as root (or install sudo) to install:$missing" >&2
    exit 2
  fi
}

if [ -n "$missing" ]; then
  echo "bootstrap: installing$missing"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # shellcheck disable=SC2086 # the list is meant to split into words
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
else
  echo "bootstrap: system packages already installed"
fi

if [ "$need_swift" -eq 1 ]; then
  case $(uname -m) in
    x86_64) platform=debian12 ;;
    aarch64) platform=debian12-aarch64 ;;
    *) echo "bootstrap: no Swift toolchain for $(uname -m); install Swift $swift_version" >&2; exit 2 ;;
  esac
  name="swift-$swift_version-RELEASE-$platform"
  url="https://download.swift.org/swift-$swift_version-release/$platform"
  url="$url/swift-$swift_version-RELEASE/$name.tar.gz"
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  echo "bootstrap: fetching $url"
  curl -fsSL -o "$work/swift.tar.gz" "$url"
  curl -fsSL -o "$work/swift.tar.gz.sig" "$url.sig"
  curl -fsSL -o "$work/keys.asc" https://swift.org/keys/all-keys.asc
  GNUPGHOME="$work/gnupg" && export GNUPGHOME && mkdir -m 700 "$GNUPGHOME"
  gpg -q --import "$work/keys.asc"
  gpg -q --verify "$work/swift.tar.gz.sig" "$work/swift.tar.gz"
  as_root mkdir -p "$swift_prefix"
  as_root tar -xzf "$work/swift.tar.gz" -C "$swift_prefix" --strip-components=1
  echo "bootstrap: Swift $swift_version installed in $swift_prefix (add $swift_prefix/usr/bin to PATH)"
fi

if find_swift; then
  PATH="$PATH:$swift_prefix/usr/bin"
  echo "bootstrap: $(swift --version 2>/dev/null | head -n 1)"
else
  echo "bootstrap: no Swift toolchain found; install Swift $swift_version or unset ATK_SKIP_SWIFT" >&2
  exit 2
fi

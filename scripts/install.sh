#!/bin/sh
# Builds atk in release mode and installs it below PREFIX:
#   PREFIX/bin/atk-*                 the tools (and the atk-run script)
#   PREFIX/share/man/man1, man5      the manual pages
# Usage: scripts/install.sh PREFIX      (for example /usr/local or ~/.local)
set -eu
cd "$(dirname "$0")/.."

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: scripts/install.sh PREFIX" >&2
  exit 64
fi
prefix=$1
command -v swift >/dev/null 2>&1 || PATH="/opt/swift/usr/bin:$PATH"

swift build -c release
bin=$(swift build -c release --show-bin-path)

mkdir -p "$prefix/bin" "$prefix/share/man/man1" "$prefix/share/man/man5"
for tool in "$bin"/atk-*; do
  # Executables only: skip SwiftPM's *.product and *.build folders.
  [ -f "$tool" ] && [ -x "$tool" ] || continue
  install -m 755 "$tool" "$prefix/bin/"
done
if [ -f scripts/atk-run ]; then
  install -m 755 scripts/atk-run "$prefix/bin/atk-run"
fi
for page in man/*.1; do
  [ -f "$page" ] && install -m 644 "$page" "$prefix/share/man/man1/"
done
for page in man/*.5; do
  [ -f "$page" ] && install -m 644 "$page" "$prefix/share/man/man5/"
done
echo "install: atk installed below $prefix"
ls "$prefix/bin" | grep '^atk-' | sed 's/^/  bin\//'

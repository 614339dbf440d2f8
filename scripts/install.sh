#!/bin/sh
# Builds atk in release mode and installs it below PREFIX (under DESTDIR when set, for
# packaging):
#   PREFIX/bin/atk-*                                  the tools (and the atk-run script)
#   PREFIX/share/man/man1, man5                       the manual pages
#   PREFIX/share/bash-completion/completions/atk-*    bash completions
#   PREFIX/share/zsh/site-functions/_atk-*            zsh completions
#   PREFIX/share/fish/vendor_completions.d/atk-*.fish fish completions
# Usage: scripts/install.sh PREFIX      (for example /usr/local or ~/.local)
#        DESTDIR=/tmp/stage scripts/install.sh /usr
set -eu
cd "$(dirname "$0")/.."

if [ $# -ne 1 ] || [ -z "$1" ]; then
  echo "usage: scripts/install.sh PREFIX" >&2
  exit 64
fi
prefix=$1
root=${DESTDIR:-}$prefix
command -v swift >/dev/null 2>&1 || PATH="/opt/swift/usr/bin:$PATH"

swift build -c release
bin=$(swift build -c release --show-bin-path)

bash_dir=$root/share/bash-completion/completions
zsh_dir=$root/share/zsh/site-functions
fish_dir=$root/share/fish/vendor_completions.d
mkdir -p "$root/bin" "$root/share/man/man1" "$root/share/man/man5" \
  "$bash_dir" "$zsh_dir" "$fish_dir"
for tool in "$bin"/atk-*; do
  # Executables only: skip SwiftPM's *.product and *.build folders.
  [ -f "$tool" ] && [ -x "$tool" ] || continue
  name=$(basename "$tool")
  install -m 755 "$tool" "$root/bin/"
  "$tool" --generate-completion-script bash >"$bash_dir/$name"
  "$tool" --generate-completion-script zsh >"$zsh_dir/_$name"
  "$tool" --generate-completion-script fish >"$fish_dir/$name.fish"
done
install -m 755 scripts/atk-run "$root/bin/atk-run"
install -m 644 completions/atk-run.bash "$bash_dir/atk-run"
install -m 644 completions/_atk-run "$zsh_dir/_atk-run"
install -m 644 completions/atk-run.fish "$fish_dir/atk-run.fish"
for page in man/*.1; do
  install -m 644 "$page" "$root/share/man/man1/"
done
for page in man/*.5; do
  install -m 644 "$page" "$root/share/man/man5/"
done
echo "install: atk installed below $root"
ls "$root/bin" | grep '^atk-' | sed 's/^/  bin\//'

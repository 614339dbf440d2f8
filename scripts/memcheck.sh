#!/usr/bin/env bash
# scripts/memcheck.sh: peak RSS must not grow with the length of the audio.
#
# Runs a 10-minute and a 60-minute 44.1 kHz stereo 16-bit WAV (generated with sox) through
# atk-scan --verify, atk-convert mp3, atk-convert flac and atk-split 30, each under
# `/usr/bin/time -f %M`, and fails when the 60-minute peak RSS exceeds 1.2 x the 10-minute one
# plus 4 MiB, or 64 MiB.
#
# usage: scripts/memcheck.sh [--quick] [--no-build]
#   --quick      1 and 6 minutes instead of 10 and 60
#   --no-build   use the release binaries as they are (ATK_BIN=DIR: use the binaries in DIR)
# Exit status: 0 flat, 1 some tool grew or went over 64 MiB, 2 a tool failed, 64 usage.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
command -v swift >/dev/null || PATH="/opt/swift/usr/bin:$PATH"

SHORT_S=600 LONG_COPIES=6 BUILD=1
while (($#)); do
  case $1 in
    --quick) SHORT_S=60; shift ;;
    --no-build) BUILD=0; shift ;;
    -h | --help) sed -n '2,12s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) echo "memcheck: error: unknown option '$1'" >&2; exit 64 ;;
  esac
done
LIMIT_KIB=$((64 * 1024)) SLACK_KIB=$((4 * 1024))

for c in sox /usr/bin/time; do
  command -v "$c" >/dev/null && continue
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends sox time >&2
    break
  fi
  echo "memcheck: error: $c is missing (apt-get install sox time)" >&2
  exit 2
done

if [[ -n ${ATK_BIN-} ]]; then
  BIN=$ATK_BIN
else
  ((BUILD)) && swift build -c release >&2
  BIN=$(swift build -c release --show-bin-path)
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/atk-memcheck.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

echo "memcheck: generating $SHORT_S s and $((SHORT_S * LONG_COPIES)) s of audio" >&2
sox -n -r 44100 -c 2 -b 16 "$TMP/short.wav" \
  synth "$SHORT_S" pinknoise synth "$SHORT_S" sine mix 100-3000 vol 0.5
copies=()
for ((i = 0; i < LONG_COPIES; i++)); do copies+=("$TMP/short.wav"); done
sox "${copies[@]}" "$TMP/long.wav"
for length in short long; do
  "$BIN/atk-scan" "$TMP/$length.wav" >"$TMP/$length.ndjson"
done

# peak LENGTH TOOL ARGS...: runs the tool on LENGTH's file (atk-scan: as an argument; the others:
# its record on stdin, outputs into a fresh folder) and prints its peak RSS in KiB.
peak() {
  local length=$1 tool=$2 out=$TMP/out
  shift 2
  local argv=("$BIN/$tool" "$@")
  if [[ $tool == atk-scan ]]; then argv+=("$TMP/$length.wav"); else argv+=(-o "$out"); fi
  rm -rf "$out"
  if ! /usr/bin/time -f %M -o "$TMP/rss" "${argv[@]}" <"$TMP/$length.ndjson" >"$TMP/records" \
    2>"$TMP/stderr"; then
    echo "memcheck: error: $tool $* failed on the $length file:" >&2
    sed 's/^/  /' "$TMP/stderr" | tail -n 20 >&2
    return 1
  fi
  if [[ $tool != atk-scan ]] && [[ -z $(find "$out" -type f -size +0 2>/dev/null | head -n 1) ]]; then
    echo "memcheck: error: $tool $* wrote nothing for the $length file" >&2
    return 1
  fi
  tail -n 1 "$TMP/rss"
}

status=0
printf '%-20s %9s %9s %9s  %s\n' tool short_KiB long_KiB limit_KiB result
for run in "atk-scan --verify" "atk-convert mp3" "atk-convert flac" "atk-split 30"; do
  read -r -a argv <<<"$run"
  if ! short=$(peak short "${argv[@]}") || ! long=$(peak long "${argv[@]}"); then
    status=2
    continue
  fi
  limit=$(((short * 12 + 9) / 10 + SLACK_KIB))
  ((limit <= LIMIT_KIB)) || limit=$LIMIT_KIB
  if ((long <= limit && short <= LIMIT_KIB)); then
    result=ok
  else
    result=FAIL
    ((status == 2)) || status=1
  fi
  printf '%-20s %9d %9d %9d  %s\n' "$run" "$short" "$long" "$limit" "$result"
done
exit "$status"

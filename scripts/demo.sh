#!/bin/sh
# The quick start: installs the system packages, builds atk in release mode, writes a small
# folder of demo recordings, and runs the main job on it:
#
#   atk-scan demo/raw | atk-convert mp3 -o demo/out | atk-split 30 -o demo/out
#
# Everything it makes is under demo/ (removed and remade on each run). The audio is
# generated here with python3's standard library, so no audio tool is needed.
set -eu
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
command -v swift >/dev/null 2>&1 || PATH="/opt/swift/usr/bin:$PATH"

echo "demo: building (release)"
swift build -c release
bin=$(swift build -c release --show-bin-path)
PATH="$bin:$PATH"

rm -rf demo
mkdir -p demo/raw/interviews demo/raw/music

echo "demo: writing demo recordings to demo/raw"
python3 - <<'EOF'
import math, struct, wave

def tone(path, seconds, rate=44100, channels=1, width=2, freqs=(440.0,), level=0.3):
    """Writes `seconds` of a chord of `freqs` (one per channel, cycling), with a slow swell so
    the pieces differ, one second computed and repeated."""
    peak = (1 << (8 * width - 1)) - 1
    second = bytearray()
    for i in range(rate):
        swell = 0.6 + 0.4 * math.sin(2 * math.pi * i / rate)
        for c in range(channels):
            f = freqs[c % len(freqs)]
            v = int(peak * level * swell * math.sin(2 * math.pi * f * i / rate))
            second += v.to_bytes(width, "little", signed=True)
    with wave.open(path, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(rate)
        for _ in range(int(seconds)):
            w.writeframes(second)

tone("demo/raw/intro.wav", 12, channels=2, freqs=(440.0, 660.0))
tone("demo/raw/interviews/long talk.wav", 180, rate=44100, freqs=(220.0,))
tone("demo/raw/interviews/short-note.wav", 20, rate=22050, freqs=(330.0,))
tone("demo/raw/music/loop-24bit.wav", 45, rate=48000, channels=2, width=3,
     freqs=(261.63, 392.0))
# Not audio at all: shows how a failed record travels down the pipe.
with open("demo/raw/notes.wav", "w") as f:
    f.write("this is a text file with an audio name\n")
EOF
ls -lR demo/raw | sed 's/^/  /'

echo
echo "demo: atk-scan demo/raw | atk-convert mp3 -o demo/out | atk-split 30 -o demo/out"
# POSIX sh has no pipefail: each stage leaves its exit status in a file.
set +e
{ atk-scan demo/raw; echo $? > demo/.status-scan; } |
  { atk-convert mp3 -o demo/out; echo $? > demo/.status-convert; } |
  atk-split 30 -o demo/out > demo/records.ndjson
split_status=$?
set -e
scan_status=$(cat demo/.status-scan)
convert_status=$(cat demo/.status-convert)
rm -f demo/.status-scan demo/.status-convert
echo "demo: exit statuses: atk-scan $scan_status, atk-convert $convert_status," \
  "atk-split $split_status"

python3 - <<'EOF'
import json, os
records = [json.loads(line) for line in open("demo/records.ndjson", encoding="utf-8")]
ok = [r for r in records if r.get("status") != "failed" and not r.get("dropped")]
failed = [r for r in records if r.get("status") == "failed"]
origins = {r.get("origin") for r in records}
print(f"demo: {len(records)} records from {len(origins)} source files: "
      f"{len(ok)} segments written, {len(failed)} failed")
width = max((len(r["path"]) for r in ok), default=0)
for r in ok:
    seg = r.get("segment") or {}
    print(f"  {r['path']:{width}}  {r.get('duration', 0):7.3f} s"
          f"  segment {seg.get('index', '?')}/{seg.get('count', '?')}"
          f"  of {r.get('origin')}")
for r in failed:
    e = r.get("error", {})
    print(f"  FAILED {r.get('path')}: {e.get('code')} ({e.get('message')})")
EOF
echo "demo: demo/out also holds the whole-file MP3s atk-convert wrote on the way"
echo "demo: the records are in demo/records.ndjson; see man -l man/atk-record.5"

# The text file is meant to fail in atk-scan (status 1); the later tools pass its record on.
if [ "$scan_status" -le 1 ] && [ "$convert_status" -eq 0 ] && [ "$split_status" -eq 0 ]; then
  echo "demo: done"
else
  echo "demo: unexpected exit status; see the messages above" >&2
  exit 1
fi

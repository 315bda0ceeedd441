#!/usr/bin/env bash
# A record over --max-record-size on its way to quarantine (issue 12, 7b): wall and CPU time
# and peak RSS (/usr/bin/time -v) of `boilerstrip clean` on a shard of 1000 short records, one
# record of RECORD_MB MB (default 310: over the default 256 MiB limit), and 1000 short records,
# as plain JSONL, zstd (one frame, `zstd -3`) and gzip (`igzip -1`). Checks that the quarantine
# holds the long record whole (its base64 decodes to exactly the record's bytes).
#
# usage: bench/long_record.sh [RUNS]      RUNS per format, median reported (default 3)
# env:   BUILD=build  RECORD_MB=310  RESULT=long-record (bench/results/<date>-RESULT.md)
set -euo pipefail
runs=${1:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-build}
[[ $build = /* ]] || build=$root/$build
bin=$build/boilerstrip
py=/usr/bin/python3
mb=${RECORD_MB:-310}
for tool in "$bin" zstd igzip /usr/bin/time "$py"; do
  command -v "$tool" >/dev/null || { echo "long_record: $tool not found" >&2; exit 1; }
done
dir=$root/out/long-record
rm -rf "$dir" && mkdir -p "$dir/in"
"$py" - "$dir/in/s.jsonl" "$mb" <<'PY'
import sys
path, mb = sys.argv[1], int(sys.argv[2])
short = b"".join(b'{"id":%d,"text":"a short record %d\\nShare this"}\n' % (i, i) for i in range(1000))
with open(path, "wb") as f:
    f.write(short)
    f.write(b'{"id":"long","text":"')
    piece, n = b"lorem ipsum dolor sit amet " * 40000, 0
    while n < mb * 1000 * 1000:
        f.write(piece)
        n += len(piece)
    f.write(b'"}\n')
    f.write(short)
PY
zstd -q -3 -T0 "$dir/in/s.jsonl" -o "$dir/s.jsonl.zst"
igzip -1 -c "$dir/in/s.jsonl" > "$dir/s.jsonl.gz"

# One run of FILE: prints "wall_s cpu_s rss_mb", after checking the quarantine.
run() {
  local f=$1 out=$dir/out
  rm -rf "$out"
  /usr/bin/time -v -o "$dir/time.txt" "$bin" clean -q --output-format plain "$f" -o "$out"
  "$py" - "$dir/in/s.jsonl" "$out/s.quarantine.jsonl" "$dir/time.txt" <<'PY'
import base64, json, sys
src, q, t = sys.argv[1:4]
with open(src, "rb") as f:
    data = f.read()
start = data.index(b'{"id":"long"')
record = data[start:data.index(b"\n", start)]
with open(q, "rb") as f:
    lines = f.read().splitlines()
assert len(lines) == 1, "quarantine holds %d lines" % len(lines)
e = json.loads(lines[0])
assert e["reason"] == "too-long" and e["offset"] == start, e.get("offset")
assert base64.b64decode(e["raw_base64"]) == record, "quarantined bytes differ"
v = {}
for line in open(t):
    k, _, val = line.strip().rpartition(": ")
    v[k] = val
h, m, s = (["0"] + v["Elapsed (wall clock) time (h:mm:ss or m:ss)"].split(":"))[-3:]
wall = int(h) * 3600 + int(m) * 60 + float(s)
cpu = float(v["User time (seconds)"]) + float(v["System time (seconds)"])
print("%.2f %.2f %.0f" % (wall, cpu, int(v["Maximum resident set size (kbytes)"]) / 1024))
PY
}

median_row() {
  "$py" -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
print(" ".join("%g" % statistics.median(c) for c in zip(*rows)))'
}

out=$root/bench/results/$(date +%Y-%m-%d)-${RESULT:-long-record}.md
{
  echo "# A ${mb} MB record over --max-record-size, to quarantine"
  echo
  echo "\`bench/long_record.sh $runs\` on $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ), commit" \
       "$(git -C "$root" rev-parse --short HEAD), default options but \`--output-format plain\`;" \
       "medians of $runs runs. Input: $(stat -c %s "$dir/in/s.jsonl") bytes. Each run's quarantine" \
       "was checked: one entry whose base64 decodes to exactly the record."
  echo
  echo "| input | wall s | CPU s (user+sys) | peak RSS MB |"
  echo "| --- | --- | --- | --- |"
  for f in "$dir/in/s.jsonl" "$dir/s.jsonl.zst" "$dir/s.jsonl.gz"; do
    rows=""
    for _ in $(seq 1 "$runs"); do rows+=$(run "$f")$'\n'; done
    read -r wall cpu rss <<<"$(printf %s "$rows" | median_row)"
    echo "| $(basename "$f") | $wall | $cpu | $rss |"
  done
} | tee "$out"
echo "long_record: wrote $out" >&2

#!/usr/bin/env bash
# make demo: generate a ~20 MB sample shard, clean it with the default rules, show what changed.
# usage: scripts/demo.sh BUILD_DIR      (after `make`; writes under out/demo/, gitignored)
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=$build/boilerstrip
[[ $bin = /* ]] || bin=$root/$bin
if [ ! -x "$bin" ]; then
  echo "demo: $bin not found; run 'make' first" >&2
  exit 1
fi
out=$root/out/demo
mkdir -p "$out"
rm -rf "$out/clean"

echo "== generating a 20 MB sample shard (seed 1) =="
"$bin" gen --size 20M --seed 1 -o "$out/sample.jsonl.zst" --truth "$out/sample.truth.jsonl"
ls -l "$out/sample.jsonl.zst" | awk '{printf "%s: %.1f MB compressed\n", $NF, $5 / 1e6}'

echo
echo "== boilerstrip clean --stats (default rules, all cores) =="
start=$(date +%s.%N)
"$bin" clean --no-progress --stats "$out/stats.json" -o "$out/clean" "$out/sample.jsonl.zst"
end=$(date +%s.%N)
awk -v s="$start" -v e="$end" 'BEGIN { printf "  wall:    %.2f s\n", e - s }'
echo "  stats:   $out/stats.json"

echo
echo "== one record before and after (- removed line, ' ' kept) =="
python3 - "$out/sample.jsonl.zst" "$out/clean/sample.jsonl.zst" <<'PY'
import json, subprocess, sys

def records(path):
    data = subprocess.run(["zstd", "-dcq", path], check=True, stdout=subprocess.PIPE).stdout
    return [json.loads(line) for line in data.splitlines() if line.strip()]

before = {r["id"]: r for r in records(sys.argv[1])}
after = {r["id"]: r for r in records(sys.argv[2])}
# The first record whose text changed and that is short enough to show whole.
for rid, r in before.items():
    if rid in after and after[rid]["text"] != r["text"] and len(r["text"]) < 2500:
        break
kept = after[rid]["text"].split("\n")
print(f"record {rid} ({r['url']})")
i = 0
for line in r["text"].split("\n"):
    if not line.strip():
        continue
    show = line if len(line) <= 110 else line[:107] + "..."
    if i < len(kept) and kept[i] == line:
        print("   " + show)
        i += 1
        while i < len(kept) and not kept[i].strip():
            i += 1
    else:
        print(" - " + show)
PY

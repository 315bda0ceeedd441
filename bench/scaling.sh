#!/usr/bin/env bash
# Thread scaling of one `boilerstrip clean` process over 16 shards of 20 MB (.jsonl.zst, default
# rules), at each -T of THREADS, against the bare zstd round trip of the same 16 shards run as
# that many processes at once (`zstd -dc | zstd -3` per shard). Needs only bash and zstd (no GNU
# time), so it runs on a bare machine with the binary and its libraries copied over (and
# bench/lib.sh beside it).
#
# usage: bench/scaling.sh [THREADS] [RUNS]   THREADS: list, default "1 2 4 8 16" (capped at nproc)
#                                            RUNS: runs per case, median reported (default 3)
# env:   BUILD=build  the build directory holding boilerstrip (or BIN=path to the binary)
#        WORK=dir     where the shards and outputs go (default out/scaling)
#        SIZE=20M     size of each shard
#        RESULT=file  the Markdown table (default bench/results/<date>-scaling.md)
# Every -T must write byte-identical outputs; the script fails if one does not.
set -euo pipefail
threads=${1:-"1 2 4 8 16"}
runs=${2:-3}
. "$(dirname "$0")/lib.sh"  # root, build, bin, median
bin=${BIN:-$bin}
work=${WORK:-$root/out/scaling}
result=${RESULT:-$root/bench/results/$(date +%Y-%m-%d)-scaling.md}
for tool in "$bin" zstd sha256sum python3; do
  command -v "$tool" >/dev/null || { echo "scaling: $tool not found" >&2; exit 1; }
done
cores=$(nproc)
rm -rf "$work"
mkdir -p "$work/in"
for i in $(seq 1 16); do
  "$bin" gen --size "${SIZE:-20M}" --seed "$i" -o "$work/in/s$(printf %02d "$i").jsonl.zst"
done
bytes=$(for f in "$work"/in/*.jsonl.zst; do zstd -dcq "$f"; done | wc -c)

# Prints "wall cpu" (cpu = user + sys of the command and all its children) for one command line.
wall_cpu() {
  local TIMEFORMAT='%R %U %S' t
  t=$( { time bash -c "$1" >/dev/null 2>&1; } 2>&1 )
  awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' <<<"$t"
}

digest=""
{
  echo "# clean over 16 shards of ${SIZE:-20M} (.jsonl.zst), by threads"
  echo
  echo "\`bench/scaling.sh \"$threads\" $runs\` on $cores cores ($(uname -m)); $((bytes / 1000000)) MB uncompressed in;"
  echo "medians of $runs runs. Round trip: \`zstd -dc | zstd -3\` of each shard, T shards at once."
  echo
  echo "| -T | clean MB/s | clean CPU s | round trip MB/s | round trip CPU s | wall ratio | CPU ratio | cpu/serial (stats) |"
  echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
} >"$work/table.md"
for t in $threads; do
  [ "$t" -le "$cores" ] || continue
  cw=(); cc=(); rw=(); rc=(); ratio=""
  for r in $(seq 1 "$runs"); do
    rm -rf "$work/out"
    read -r w c < <(wall_cpu "'$bin' clean -q -T $t '$work/in' -o '$work/out' --stats '$work/stats.json'")
    cw+=("$w"); cc+=("$c")
    d=$(cd "$work/out" && find . -type f ! -name '.*' | sort | xargs sha256sum | sha256sum | cut -c1-16)
    if [ -z "$digest" ]; then digest=$d; elif [ "$d" != "$digest" ]; then
      echo "scaling: -T $t wrote other bytes than the first run ($d != $digest)" >&2; exit 1
    fi
    ratio=$(python3 -c 'import json, sys
t = json.load(open(sys.argv[1])).get("total", {})
print("%.1f" % (t["cpu_seconds"] / t["serial_cpu_seconds"]) if t.get("serial_cpu_seconds") else "-")' "$work/stats.json")
    read -r w c < <(wall_cpu "ls '$work'/in/*.jsonl.zst | xargs -P $t -n 1 sh -c 'zstd -dcq \"\$0\" | zstd -3 -q -c >/dev/null'")
    rw+=("$w"); rc+=("$c")
  done
  mcw=$(printf '%s\n' "${cw[@]}" | median); mcc=$(printf '%s\n' "${cc[@]}" | median)
  mrw=$(printf '%s\n' "${rw[@]}" | median); mrc=$(printf '%s\n' "${rc[@]}" | median)
  awk -v t="$t" -v b="$bytes" -v cw="$mcw" -v cc="$mcc" -v rw="$mrw" -v rc="$mrc" -v q="$ratio" 'BEGIN {
    printf "| %d | %.0f | %.2f | %.0f | %.2f | %.2f | %.2f | %s |\n", t, b / cw / 1e6, cc, b / rw / 1e6, rc,
      rw / cw, cc / rc, q }' >>"$work/table.md"
  tail -1 "$work/table.md" >&2
done
echo >>"$work/table.md"
echo "Outputs byte-identical at every -T (digest $digest)." >>"$work/table.md"
mkdir -p "$(dirname "$result")"
cp "$work/table.md" "$result"
cat "$result"

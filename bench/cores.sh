#!/usr/bin/env bash
# The most cores one `boilerstrip clean` process can use: cpu_seconds / serial_cpu_seconds of
# --stats (README, "Cores one process can use"), on
#   many   16 shards of 20 MB as .jsonl.zst, each one zstd frame (`boilerstrip gen`, as `zstd`
#          writes files): read several at once, each decoded serially;
#   many-f the same 16 shards written by boilerstrip itself (a zstd frame per batch);
#   own    one 300 MB shard written by boilerstrip itself: its frames decoded in parallel;
#   one    that shard's records as one zstd frame: the per-shard ceiling of serial decoding;
#   own-gz the 300 MB shard written by boilerstrip as gzip (a member per batch, each giving its
#          size in its header): its members inflated in parallel;
#   one-gz its records as one gzip member (`igzip -1`): inflated serially, the gzip ceiling.
# For each: the run's ratio (total), and the lowest and median ratio of its shards.
#
# usage: bench/cores.sh [THREADS] [RUNS]   THREADS: -T of the runs (default: all cores)
#                                          RUNS: runs per case, median reported (default 3)
# env:   BUILD=build   the build directory holding the boilerstrip binary
#        KEEP=1        keep the generated shards in out/cores/ for the next run
#        CASES="own-gz one-gz"   the cases to run (default: all six)
#        RESULT=cores-gzip       the results file's name (default: cores)
# The results go to bench/results/<date>-cores.md (and standard output).
set -euo pipefail
threads=${1:-$(nproc)}
runs=${2:-3}
. "$(dirname "$0")/lib.sh"  # root, build, bin
py=/usr/bin/python3
for tool in "$bin" zstd "$py"; do
  command -v "$tool" >/dev/null || { echo "cores: $tool not found" >&2; exit 1; }
done
dir=$root/out/cores
cases=${CASES:-many many-f own one own-gz one-gz}
if [ "${KEEP:-0}" != 1 ] || [ ! -s "$dir/own/own.jsonl.zst" ]; then
  rm -rf "$dir"
  mkdir -p "$dir/many" "$dir/own" "$dir/one"
  echo "cores: generating 16 × 20 MB shards and a 300 MB one" >&2
  if [[ " $cases " = *" many"* ]]; then
    for i in $(seq 1 16); do
      "$bin" gen --size 20M --seed "$i" -o "$dir/many/s$(printf %02d "$i").jsonl.zst"
    done
    # The same shards as boilerstrip writes them (nothing removed: the same records).
    "$bin" clean -q -p none --no-classifier --no-dedup "$dir/many" -o "$dir/many-f"
  fi
  "$bin" gen --size 300M --seed 99 -o "$dir/big.jsonl.zst"
  "$bin" clean -q -p none --no-classifier --no-dedup "$dir/big.jsonl.zst" -o "$dir/tmp"
  mv "$dir/tmp/big.jsonl.zst" "$dir/own/own.jsonl.zst"
  zstd -q -dc "$dir/own/own.jsonl.zst" | zstd -q -3 -o "$dir/one/one.jsonl.zst"
  rm -rf "$dir/tmp" "$dir/big.jsonl.zst"
fi
if [[ " $cases " = *-gz* ]] && [ ! -s "$dir/own-gz/own.jsonl.gz" ]; then
  command -v igzip >/dev/null || { echo "cores: igzip not found" >&2; exit 1; }
  mkdir -p "$dir/own-gz" "$dir/one-gz"
  "$bin" clean -q -p none --no-classifier --no-dedup --output-format gz "$dir/own/own.jsonl.zst" \
    -o "$dir/tmp"
  mv "$dir/tmp/own.jsonl.gz" "$dir/own-gz/own.jsonl.gz"
  zstd -q -dc "$dir/own/own.jsonl.zst" | igzip -1 -c > "$dir/one-gz/one.jsonl.gz"
  rm -rf "$dir/tmp"
fi

# One run: prints "total_ratio min_shard_ratio median_shard_ratio cpu serial wall".
one_run() {
  rm -rf "$dir/out"
  local t0 t1
  t0=$(date +%s.%N)
  "$bin" clean -q -T "$threads" "$1" -o "$dir/out" --stats "$dir/stats.json"
  t1=$(date +%s.%N)
  "$py" - "$dir/stats.json" "$t0" "$t1" <<'EOF'
import json, statistics, sys
s = json.load(open(sys.argv[1]))
t = s["total"]
r = sorted(x["stats"]["cpu_seconds"] / x["stats"]["serial_cpu_seconds"] for x in s["shards"])
print("%.1f %.1f %.1f %.2f %.3f %.2f" % (t["cpu_seconds"] / t["serial_cpu_seconds"], r[0],
      statistics.median(r), t["cpu_seconds"], t["serial_cpu_seconds"],
      float(sys.argv[3]) - float(sys.argv[2])))
EOF
}

median_row() {  # median, field by field, of the rows on stdin
  "$py" -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in sys.stdin if l.strip()]
print(" ".join("%g" % statistics.median(c) for c in zip(*rows)))'
}

out=$root/bench/results/$(date +%Y-%m-%d)-${RESULT:-cores}.md
{
  echo "# Cores one process can use: cpu_seconds / serial_cpu_seconds"
  echo
  echo "\`bench/cores.sh $threads $runs\` on $(nproc) cores ($(uname -m)), $(date -u +%Y-%m-%dT%H:%MZ)," \
       "\`clean -T $threads\` with the default rules, medians of $runs runs."
  echo
  echo "| input | MB (compressed) | total ratio | lowest shard | median shard | cpu s | serial cpu s | wall s |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  for c in $cases; do
    rows=""
    for _ in $(seq 1 "$runs"); do rows+=$(one_run "$dir/$c")$'\n'; done
    read -r total low med cpu serial wall <<<"$(printf %s "$rows" | median_row)"
    mb=$(du -sm "$dir/$c" | cut -f1)
    echo "| $c | $mb | $total | $low | $med | $cpu | $serial | $wall |"
  done
} | tee "$out"
echo "cores: wrote $out" >&2

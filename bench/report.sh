#!/usr/bin/env bash
# The cost of `boilerstrip report` against `boilerstrip clean` on the same shard: the report
# cleans every record as clean does, asks for each removed line's reason and keeps bounded
# figures; its target is at most 1.3× clean's time. Public tools only: bash, zstd, GNU time, awk.
#
# usage: bench/report.sh [SIZE] [RUNS]    SIZE: uncompressed shard size (default 256M)
#                                         RUNS: timed runs per case, median reported (default 3)
# env:   BUILD=build   the build directory holding the boilerstrip binary
#        KEEP=1        keep the generated shard in out/bench/ for the next run (same SIZE)
#
# For N = 1 and N = all cores it alternates, RUNS times, on the same .jsonl.zst shard:
#   clean   boilerstrip clean -T N -f shard.jsonl.zst -o OUTDIR     (a .jsonl.zst written, as used)
#   cleanp  boilerstrip clean -T N -o - shard.jsonl.zst > /dev/null (plain to /dev/null: no
#           compression, the stricter yardstick)
#   report  boilerstrip report -T N shard.jsonl.zst -o report.html
# and reports wall and CPU seconds (median), the report's ratios to both, peak RSS and the
# page's size.
# The results go to bench/results/<date>-report.md.
set -euo pipefail
size=${1:-256M}
runs=${2:-3}
. "$(dirname "$0")/lib.sh"  # root, build, bin, TIME, measure, median
for tool in "$bin" zstd "$TIME"; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (make; scripts/install-deps.sh)" >&2; exit 1; }
done
cores=$(nproc)
dir=$root/out/bench
mkdir -p "$dir"
shard=$dir/shard-$size.jsonl.zst
if [ ! -s "$shard" ] || [ "${KEEP:-0}" != 1 ]; then
  echo "bench: generating $size sample shard (seed 1)" >&2
  "$bin" gen --size "$size" --seed 1 -o "$shard"
fi
bytes=$(zstd -dcq "$shard" | wc -c)
html=$dir/report-$size.html


declare -A wall cpu rss
threads_list="1"
[ "$cores" -gt 1 ] && threads_list="1 $cores"
for n in $threads_list; do
  for ((r = 1; r <= runs; r++)); do
    for c in clean cleanp report; do
      case $c in
        clean) cmd="'$bin' clean -q --no-progress -T $n -f '$shard' -o '$dir/clean-out'" ;;
        cleanp) cmd="'$bin' clean -q --no-progress -T $n -o - '$shard' > /dev/null" ;;
        report) cmd="'$bin' report -q -T $n '$shard' -o '$html'" ;;
      esac
      read -r w u s m < <(measure "$cmd")
      c_s=$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')
      wall[$c,$n]+="$w "
      cpu[$c,$n]+="$c_s "
      rss[$c,$n]+="$m "
      printf 'bench: T=%s %-6s run %d: %6.2f s wall, %6.2f s cpu, %d MB rss\n' "$n" "$c" "$r" \
        "$w" "$c_s" $((m / 1024)) >&2
    done
  done
done

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
compiler=$(awk -F= '/^CMAKE_CXX_COMPILER:/ { print $2 }' "$build/CMakeCache.txt" 2>/dev/null || true)
compiler_version=$("${compiler:-c++}" --version 2>/dev/null | head -1 || true)
out=$root/bench/results/$(date -u +%Y-%m-%d)-report.md
{
  echo "# boilerstrip report vs clean, $size generated shard"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- CPU: $cpu_model, $cores cores; compiler: $compiler_version"
  echo "- shard: \`boilerstrip gen --size $size --seed 1 -o shard.jsonl.zst\`: $bytes bytes JSONL"
  echo "- clean: \`boilerstrip clean -T N -f shard.jsonl.zst -o OUTDIR\` (writes the .jsonl.zst);" \
       "clean -o -: \`boilerstrip clean -T N -o - shard.jsonl.zst > /dev/null\` (plain, no compression);" \
       "report: \`boilerstrip report -T N shard.jsonl.zst -o report.html\`"
  echo "- median of $runs alternating runs; CPU = user + sys"
  echo "- command: \`bench/report.sh $size $runs\`; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- report page: $(stat -c %s "$html") bytes"
  echo
  echo "| threads | clean wall s | clean -o - wall s | report wall s | × clean (wall) | × clean -o - (wall) | clean CPU s | clean -o - CPU s | report CPU s | × clean (CPU) | × clean -o - (CPU) | report RSS MB |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  med() { echo "$1" | tr ' ' '\n' | grep . | median; }
  for n in $threads_list; do
    cw=$(med "${wall[clean,$n]}"); pw=$(med "${wall[cleanp,$n]}"); rw=$(med "${wall[report,$n]}")
    cc=$(med "${cpu[clean,$n]}"); pc=$(med "${cpu[cleanp,$n]}"); rc=$(med "${cpu[report,$n]}")
    rm_=$(echo "${rss[report,$n]}" | tr ' ' '\n' | grep . | sort -g | tail -1)
    awk -v n="$n" -v cw="$cw" -v pw="$pw" -v rw="$rw" -v cc="$cc" -v pc="$pc" -v rc="$rc" -v rm="$rm_" 'BEGIN {
      printf "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f |\n", n, cw, pw, rw, rw / cw, rw / pw, cc, pc, rc, rc / cc, rc / pc, rm / 1024 }'
  done
} > "$out"
cat "$out"
echo "bench: wrote $out" >&2
rm -rf "$dir/clean-out"
[ "${KEEP:-0}" = 1 ] || rm -f "$shard" "$html"

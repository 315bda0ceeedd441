#!/usr/bin/env bash
# End-to-end throughput of `boilerstrip clean` against the bare zstd round trip of the same
# shard (the yardstick of DESIGN.md), and of a gzip shard against the gzip round trips, with
# public tools only: bash, zstd, gzip, igzip (Debian's isal), GNU time, awk.
#
# usage: bench/run.sh [SIZE] [RUNS]       SIZE: uncompressed shard size, e.g. 200M (default 1G)
#                                         RUNS: timed runs per case, median reported (default 3)
# env:   BUILD=build   the build directory holding the boilerstrip binary
#        KEEP=1        keep the generated shards in out/bench/ for the next run (same SIZE)
#        INPUT=FILE    instead of generating, concatenate this .jsonl or .jsonl.zst shard until
#                      SIZE is reached (e.g. INPUT=../shared/data/realweb/pages.jsonl.zst)
#        CASES="..."   the cases to run, of those below (default: all); a case's round trip
#                      is added when missing, since its ratios are to it
#        RESULT=NAME   the results file, bench/results/<date>-NAME.md (default e2e-<SIZE>)
#
# For N = 1 and N = all cores it alternates, RUNS times:
#   rt    zstd -dc shard.jsonl.zst | zstd -3 -T N > /dev/null
#   zst   boilerstrip clean -T N --output-format zst -o - shard.jsonl.zst > /dev/null
#   plain boilerstrip clean -T N -o - shard.jsonl > /dev/null
#   floor boilerstrip clean -T N -p none --no-classifier --no-dedup --output-format zst -o -
#         shard.jsonl.zst (no rules, nothing removed: the parse, line split, copy and codec
#         that any clean pays)
#   rtgz  igzip -dc shard.jsonl.gz | igzip -1 -T N > /dev/null   (the gzip yardstick)
#   gnugz gzip -dc shard.jsonl.gz | gzip -6 > /dev/null          (what most users run; serial)
#   gz    boilerstrip clean -T N --output-format gz -o - shard.jsonl.gz > /dev/null
# (shard.jsonl.gz is written by gzip -6, as most gzip corpora are) and reports MB/s of
# uncompressed JSONL (median), the ratios to the round trip of the case's codec (rt for zstd
# and plain cases, rtgz for gzip ones; wall throughput; CPU = user + sys of every process, both
# ends of the pipe), and peak RSS.
# "MB per CPU s" is the throughput per core busy, which other load on the machine disturbs
# less than wall time. The results go to bench/results/<date>-e2e-<SIZE>.md.
set -euo pipefail
size=${1:-1G}
runs=${2:-3}
. "$(dirname "$0")/lib.sh"  # root, build, bin, TIME, measure, median
cases=${CASES:-rt zst plain floor rtgz gnugz gz}
base_of() { case $1 in rtgz | gnugz | gz) echo rtgz ;; *) echo rt ;; esac; }
for c in $cases; do
  case $c in rt | zst | plain | floor | rtgz | gnugz | gz) ;; *) echo "bench: unknown case '$c'" >&2; exit 1 ;; esac
  b=$(base_of "$c")
  [[ " $cases " = *" $b "* ]] || cases="$b $cases"
done
tools="$bin zstd $TIME"
[[ " $cases " = *" rtgz "* ]] && tools+=" gzip igzip"
for tool in $tools; do
  command -v "$tool" >/dev/null || { echo "bench: $tool not found (make; scripts/install-deps.sh)" >&2; exit 1; }
done
cores=$(nproc)
dir=$root/out/bench
mkdir -p "$dir"
name=$size
if [ -n "${INPUT:-}" ]; then
  base=$(basename "$INPUT")
  name=$size-${base%%.*}
fi
shard=$dir/shard-$name.jsonl
if [ ! -s "$shard.zst" ] || [ ! -s "$shard" ] || [ ! -s "$shard.gz" ] || [ "${KEEP:-0}" != 1 ]; then
  if [ -n "${INPUT:-}" ]; then
    echo "bench: repeating $INPUT up to $size" >&2
    want=$(numfmt --from=iec "$size")
    : > "$shard"
    while [ "$(stat -c %s "$shard")" -lt "$want" ]; do
      case $INPUT in
        *.zst) zstd -dcq "$INPUT" >> "$shard" ;;
        *) cat "$INPUT" >> "$shard" ;;
      esac
    done
    zstd -q -3 -f "$shard" -o "$shard.zst"
  else
    echo "bench: generating $size sample shard (seed 1)" >&2
    "$bin" gen -f --size "$size" --seed 1 -o "$shard.zst"
    zstd -dcq "$shard.zst" > "$shard"
  fi
  gzip -6 -n -c "$shard" > "$shard.gz"
fi
bytes=$(stat -c %s "$shard")
zbytes=$(stat -c %s "$shard.zst")
gzbytes=$(stat -c %s "$shard.gz")

declare -A wall cpu rss
declare -A label=([rt]="zstd -dc \\| zstd -3" [zst]="clean .jsonl.zst → zst" [plain]="clean .jsonl"
                  [floor]="floor: no rules, .jsonl.zst → zst"
                  [rtgz]="igzip -dc \\| igzip -1" [gnugz]="gzip -dc \\| gzip -6 (serial)"
                  [gz]="clean .jsonl.gz → gz (ISA-L level 1)")
threads_list="1"
[ "$cores" -gt 1 ] && threads_list="1 $cores"
for n in $threads_list; do
  for ((r = 1; r <= runs; r++)); do
    for c in $cases; do
      case $c in
        rt) cmd="zstd -dcq '$shard.zst' | zstd -q -3 -T$n > /dev/null" ;;
        floor) cmd="'$bin' clean -q --no-progress -T $n -p none --no-classifier --no-dedup --output-format zst -o - '$shard.zst' > /dev/null" ;;
        zst) cmd="'$bin' clean -q --no-progress -T $n --output-format zst -o - '$shard.zst' > /dev/null" ;;
        plain) cmd="'$bin' clean -q --no-progress -T $n -o - '$shard' > /dev/null" ;;
        rtgz) cmd="igzip -dcq '$shard.gz' | igzip -1 -q -T $n -c > /dev/null" ;;
        gnugz) cmd="gzip -dc '$shard.gz' | gzip -6 -c > /dev/null" ;;
        gz) cmd="'$bin' clean -q --no-progress -T $n --output-format gz -o - '$shard.gz' > /dev/null" ;;
      esac
      read -r w u s m < <(measure "$cmd")
      wall[$c,$n]+="$w "
      cpu[$c,$n]+="$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }') "
      rss[$c,$n]+="$m "
      printf 'bench: T=%s %-5s run %d: %6.2f s wall, %6.2f s cpu, %d MB rss\n' "$n" "$c" "$r" \
        "$w" "$(awk -v u="$u" -v s="$s" 'BEGIN { print u + s }')" $((m / 1024)) >&2
    done
  done
done

cpu_model=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo)
[ -n "$cpu_model" ] || cpu_model=$(lscpu 2>/dev/null | awk -F': *' '/Model name/ { print $2; exit }')
compiler=$(awk -F= '/^CMAKE_CXX_COMPILER:/ { print $2 }' "$build/CMakeCache.txt" 2>/dev/null || true)
compiler_version=$("${compiler:-c++}" --version 2>/dev/null | head -1 || true)
date_utc=$(date -u +%Y-%m-%d)
out=$root/bench/results/$date_utc-${RESULT:-e2e-$name}.md
mkdir -p "$root/bench/results"
{
  echo "# End-to-end: boilerstrip clean vs the codec round trips, $name shard"
  echo
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')"
  echo "- CPU: $cpu_model, $cores cores; compiler: $compiler_version; zstd $(zstd -V | grep -o 'v[0-9.]*'); $(gzip -V | head -1); igzip $(igzip -V 2>&1 | grep -o '[0-9][0-9.]*' | head -1)"
  if [ -n "${INPUT:-}" ]; then
    echo "- shard: \`$(basename "$INPUT")\` repeated to $size: $bytes bytes JSONL, $zbytes bytes zstd -3"
  else
    echo "- shard: \`boilerstrip gen --size $size --seed 1\`: $bytes bytes JSONL, $zbytes bytes zstd -3"
  fi
  echo "- the same shard as gzip -6: $gzbytes bytes; gzip rows' ratios are to igzip -dc | igzip -1"
  echo "- median of $runs alternating runs; MB/s = uncompressed MB / wall s; CPU = user + sys of all processes"
  echo "- command: \`${INPUT:+INPUT=$INPUT }${CASES:+CASES=\"$CASES\" }${RESULT:+RESULT=$RESULT }bench/run.sh $size $runs\`; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| case | threads | MB/s (wall) | × round trip (wall) | CPU s | MB per CPU s | × round trip (CPU) | peak RSS MB |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  for n in $threads_list; do
    for c in $cases; do
      b=$(base_of "$c")
      rt_w=$(echo "${wall[$b,$n]}" | tr ' ' '\n' | grep . | median)
      rt_c=$(echo "${cpu[$b,$n]}" | tr ' ' '\n' | grep . | median)
      w=$(echo "${wall[$c,$n]}" | tr ' ' '\n' | grep . | median)
      cp=$(echo "${cpu[$c,$n]}" | tr ' ' '\n' | grep . | median)
      m=$(echo "${rss[$c,$n]}" | tr ' ' '\n' | grep . | sort -g | tail -1)
      name=${label[$c]}
      if [ "$c" = plain ]; then
        ratio_w="–"; ratio_c="–"
      else
        ratio_w=$(awk -v a="$rt_w" -v b="$w" 'BEGIN { printf "%.2f", a / b }')
        ratio_c=$(awk -v a="$rt_c" -v b="$cp" 'BEGIN { printf "%.2f", b / a }')
      fi
      awk -v name="$name" -v n="$n" -v bytes="$bytes" -v w="$w" -v rw="$ratio_w" -v cp="$cp" \
          -v rc="$ratio_c" -v m="$m" 'BEGIN {
            printf "| %s | %s | %.0f | %s | %.2f | %.0f | %s | %.0f |\n", name, n, bytes / 1e6 / w, rw, cp, bytes / 1e6 / cp, rc, m / 1024 }'
    done
  done
  if [ "$cores" -gt 1 ] && [[ " $cases " = *" plain "* ]]; then
    w1=$(echo "${wall[plain,1]}" | tr ' ' '\n' | grep . | median)
    wn=$(echo "${wall[plain,$cores]}" | tr ' ' '\n' | grep . | median)
    echo
    awk -v a="$w1" -v b="$wn" -v n="$cores" 'BEGIN { printf "Uncompressed scaling 1 → %d threads: %.2f×\n", n, a / b }'
  fi
} > "$out"
cat "$out"
echo "bench: wrote $out" >&2
[ "${KEEP:-0}" = 1 ] || rm -f "$shard" "$shard.zst" "$shard.gz"

#!/usr/bin/env bash
# Runs libFuzzer targets built by `make fuzz` for N seconds each, one after the other.
#   scripts/fuzz.sh BUILD_DIR SECONDS [TARGET...]
# Corpora live in BUILD_DIR/corpus/<target> (seeded from the rule files, the seed page and the
# saved regressions); crashes are written to BUILD_DIR/crashes/<target>/, logs to
# BUILD_DIR/<target>.log. Exits non-zero when a target found a crash.
set -uo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS [TARGET...]}
secs=${2:?usage: fuzz.sh BUILD_DIR SECONDS [TARGET...]}
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(rules_fuzzer record_fuzzer zstd_reader_fuzzer gzip_reader_fuzzer)
root=$(cd "$(dirname "$0")/.." && pwd)
status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  crashes=$build/crashes/$t
  mkdir -p "$corpus" "$crashes"
  seeds=$root/tests/data/fuzz-regressions/$t
  case $t in
    rules_fuzzer) cp -n "$root"/patterns/default/*.rules "$corpus"/ 2>/dev/null ;;
    record_fuzzer)
      if [ -f "$root/../shared/seed-example/seed.jsonl" ]; then
        cp -n "$root/../shared/seed-example/seed.jsonl" "$corpus/seed.jsonl"
      fi ;;
    zstd_reader_fuzzer)
      printf '{"text":"a\\nb"}\n{"id":1,"text":"Source link"}\n' > "$corpus/plain.jsonl"
      if command -v zstd >/dev/null; then
        zstd -q -f -c "$corpus/plain.jsonl" > "$corpus/one-frame.zst"
        { zstd -q -c "$corpus/plain.jsonl"; zstd -q --no-check -c "$corpus/plain.jsonl"; } \
          > "$corpus/two-frames.zst"
      fi ;;
    gzip_reader_fuzzer)
      printf '{"text":"a\\nb"}\n{"id":1,"text":"Source link"}\n' > "$corpus/plain.jsonl"
      if command -v gzip >/dev/null; then
        gzip -n -c "$corpus/plain.jsonl" > "$corpus/one-member.gz"
        { gzip -n -1 -c "$corpus/plain.jsonl"; gzip -c "$corpus/plain.jsonl"; } > "$corpus/two-members.gz"
      fi ;;
  esac
  echo "fuzz: $t for ${secs}s (log: $build/$t.log)"
  "$build/fuzz/$t" -max_total_time="$secs" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
    -artifact_prefix="$crashes/" "$corpus" "$seeds" > "$build/$t.log" 2>&1
  rc=$?
  grep -E '^stat::number_of_executed_units|^#[0-9]+ *DONE' "$build/$t.log" | tail -2
  if [ $rc -ne 0 ]; then
    echo "fuzz: $t FAILED (exit $rc); see $build/$t.log and $crashes/" >&2
    status=1
  fi
done
exit $status

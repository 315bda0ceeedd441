#!/usr/bin/env bash
# CLI tests of `boilerstrip gen`: output, determinism, compression, the truth file, bad input.
# usage: gen_test.sh BOILERSTRIP
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if ! "$@"; then echo "FAIL: $name" >&2; fails=$((fails + 1)); fi
}
expect_fail() {  # expect_fail NAME STDERR_SUBSTRING CMD...: exit 1 with that message
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne 1 ] || ! grep -qF -- "$want" "$tmp/err"; then
    echo "FAIL: $name: exit $rc, stderr: $(cat "$tmp/err")" >&2
    fails=$((fails + 1))
  fi
}

# Same seed, same bytes, to a file or stdout; the size is reached and not overshot by a record.
"$bin" gen --size 300K --seed 4 -o "$tmp/a.jsonl"
"$bin" gen --size=300K --seed=4 >"$tmp/b.jsonl"
check same-bytes cmp -s "$tmp/a.jsonl" "$tmp/b.jsonl"
size=$(stat -c %s "$tmp/a.jsonl")
check size-reached test "$size" -ge $((300 * 1024))
last=$(tail -n 1 "$tmp/a.jsonl" | wc -c)
check size-not-overshot test $((size - last)) -lt $((300 * 1024))
"$bin" gen --size 300K --seed 5 -o "$tmp/c.jsonl"
check other-seed-differs bash -c "! cmp -s '$tmp/a.jsonl' '$tmp/c.jsonl'"
# Compressed output decompresses to the same records; the truth has one line per record.
"$bin" gen --size 300K --seed 4 -o "$tmp/a.jsonl.zst" --truth "$tmp/a.truth"
check zst-same cmp -s <(zstd -dcq "$tmp/a.jsonl.zst") "$tmp/a.jsonl"
check truth-lines test "$(wc -l <"$tmp/a.truth")" -eq "$(wc -l <"$tmp/a.jsonl")"
check truth-shape grep -q '^{"id":"gen-4-00000000","chrome":\[[0-9,]*\],"site":\[[0-9,]*\]}$' "$tmp/a.truth"
# --sites spreads URLs over exactly that many domains.
"$bin" gen --size 200K --sites 3 -o "$tmp/s.jsonl"
check three-sites test "$(grep -o '"url":"https://[^/]*' "$tmp/s.jsonl" | sort -u | wc -l)" -eq 3
# The output cleans with the default rules.
check cleans "$bin" clean -q "$tmp/a.jsonl.zst" -o "$tmp/clean"

# Bad input: a clear message, exit 1, nothing left at the output path.
expect_fail unknown-option "unknown option '--bogus'" "$bin" gen --bogus
expect_fail bad-size "--size: expected a size" "$bin" gen --size 12X -o "$tmp/x.jsonl"
expect_fail negative-size "--size: expected a size" "$bin" gen --size -5 -o "$tmp/x.jsonl"
expect_fail huge-size "--size: expected a size" "$bin" gen --size 99999999999G -o "$tmp/x.jsonl"
expect_fail zero-sites "--sites: expected 1..100000" "$bin" gen --sites 0 -o "$tmp/x.jsonl"
expect_fail bad-seed "--seed: expected a non-negative integer" "$bin" gen --seed abc -o "$tmp/x.jsonl"
expect_fail missing-value "--size: missing value" "$bin" gen --size
expect_fail same-truth "--truth and -o name the same file" "$bin" gen -o "$tmp/x.jsonl" --truth "$tmp/x.jsonl"
expect_fail no-dir "cannot create" "$bin" gen --size 10K -o "$tmp/missing/x.jsonl"
check nothing-left test ! -e "$tmp/x.jsonl"
check no-temporaries test -z "$(ls -A "$tmp" | grep '^\.' || true)"
# A device or FIFO given as the output is written in place, never replaced by a rename (as root,
# a rename over /dev/null would destroy the device).
if [ "$(id -u)" = 0 ] && mknod "$tmp/null" c 1 3 2>/dev/null && mknod "$tmp/null2" c 1 3 2>/dev/null; then
  check device-out "$bin" gen --size 64K -o "$tmp/null"
  check device-truth "$bin" gen --size 64K -o "$tmp/null" --truth "$tmp/null2"
  check device-still-a-device test -c "$tmp/null"
  check truth-device-still-a-device test -c "$tmp/null2"
  check device-still-works sh -c "printf x >'$tmp/null' && test ! -s '$tmp/null'"
  rm -f "$tmp/null" "$tmp/null2"
else
  echo "gen_test: not root or no mknod here: device checks skipped" >&2
fi
if mkfifo "$tmp/fifo" "$tmp/fifo2" 2>/dev/null; then
  "$bin" gen --size 64K --seed 4 -o "$tmp/ref.jsonl" --truth "$tmp/ref.truth"
  timeout 20 cat "$tmp/fifo" >"$tmp/fifo.out" &
  reader=$!
  timeout 20 cat "$tmp/fifo2" >"$tmp/fifo2.out" &
  reader2=$!
  check fifo-write timeout 20 "$bin" gen --size 64K --seed 4 -o "$tmp/fifo" --truth "$tmp/fifo2"
  wait "$reader"
  wait "$reader2"
  check fifo-delivers-bytes cmp -s "$tmp/fifo.out" "$tmp/ref.jsonl"
  check fifo-delivers-truth cmp -s "$tmp/fifo2.out" "$tmp/ref.truth"
  check fifo-still-a-fifo test -p "$tmp/fifo"
  check fifo2-still-a-fifo test -p "$tmp/fifo2"
  rm -f "$tmp/fifo" "$tmp/fifo2" "$tmp/fifo.out" "$tmp/fifo2.out" "$tmp/ref.jsonl" "$tmp/ref.truth"
fi
# Every spelling of -o.
"$bin" gen --size 100K --seed 4 -o"$tmp/o1.jsonl"
"$bin" gen --size 100K --seed 4 --output "$tmp/o2.jsonl"
"$bin" gen --size=100K --seed=4 --output="$tmp/o3.jsonl"
check o-spellings sh -c "cmp -s '$tmp/o1.jsonl' '$tmp/o2.jsonl' && cmp -s '$tmp/o1.jsonl' '$tmp/o3.jsonl'"
check no-temporaries-after test -z "$(ls -A "$tmp" | grep '^\.' || true)"
"$bin" gen --help >"$tmp/help"
check help grep -q -- '--truth FILE' "$tmp/help"
"$bin" --help >"$tmp/help"
check main-help-lists-gen grep -q 'boilerstrip gen' "$tmp/help"

if [ "$fails" -ne 0 ]; then
  echo "gen_test: $fails failed" >&2
  exit 1
fi
echo "gen_test: all passed"

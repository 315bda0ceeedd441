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
"$bin" gen --help >"$tmp/help"
check help grep -q -- '--truth FILE' "$tmp/help"
"$bin" --help >"$tmp/help"
check main-help-lists-gen grep -q 'boilerstrip gen' "$tmp/help"

if [ "$fails" -ne 0 ]; then
  echo "gen_test: $fails failed" >&2
  exit 1
fi
echo "gen_test: all passed"

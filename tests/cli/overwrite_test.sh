#!/usr/bin/env bash
# One overwrite rule for every command that writes a file (clean, profile, merge, gen): an
# existing output is kept unless -f, in the same words everywhere; -f replaces it.
# usage: overwrite_test.sh BOILERSTRIP
set -u
bin=$1
. "$(dirname "$0")/harness.sh"
# kept_then_forced NAME OUTPUT FIRST_CMD -- SECOND_CMD...: runs FIRST_CMD, then SECOND_CMD (which
# would write different bytes) without -f: exit 0, the file unchanged, the one message; then
# SECOND_CMD with -f: exit 0, the file replaced.
kept_then_forced() {
  local name=$1 out=$2
  shift 2
  local first=() second=()
  while [ "$1" != -- ]; do first+=("$1"); shift; done
  shift
  second=("$@")
  "${first[@]}" >/dev/null 2>"$tmp/err" || { echo "FAIL: $name: first run" >&2; cat "$tmp/err" >&2; fails=$((fails + 1)); return; }
  local before
  before=$(sha256sum <"$out")
  "${second[@]}" >/dev/null 2>"$tmp/err"
  check "$name-kept-exit-0" [ $? -eq 0 ]
  check "$name-kept-unchanged" [ "$(sha256sum <"$out")" = "$before" ]
  check "$name-kept-message" grep -qxF "boilerstrip: $out: output exists, skipped (--force to redo)" "$tmp/err"
  "${second[@]}" -f >/dev/null 2>"$tmp/err"
  check "$name-forced-exit-0" [ $? -eq 0 ]
  check "$name-forced-replaced" [ "$(sha256sum <"$out")" != "$before" ]
}

# Two small shards of pages on real-suffix hosts (profile counts only registrable domains).
python3 - "$tmp" <<'PY'
import json, sys
for n in (1, 2):
    with open(f"{sys.argv[1]}/in{n}.jsonl", "w") as f:
        for i in range(40 * n):
            site = f"site{i % (2 + n)}.com"
            text = f"{site} header menu line\nArticle {i} of shard {n} says something new.\nFooter of {site}"
            f.write(json.dumps({"id": i, "url": f"https://www.{site}/a/{i}", "text": text}) + "\n")
PY

kept_then_forced gen "$tmp/g.jsonl" \
  "$bin" gen --size 32K --seed 1 -o "$tmp/g.jsonl" -- "$bin" gen --size 32K --seed 2 -o "$tmp/g.jsonl"
kept_then_forced gen-truth "$tmp/g.truth" \
  "$bin" gen --size 32K --seed 1 -o "$tmp/g1.jsonl" --truth "$tmp/g.truth" -- \
  "$bin" gen --size 32K --seed 2 -o "$tmp/g2.jsonl" --truth "$tmp/g.truth"
# clean resumes (a manifest beside each output): the same run keeps the output; a run made
# differently is refused, naming the difference, and the output kept; -f redoes it.
mkdir -p "$tmp/c"
cp "$tmp/in1.jsonl" "$tmp/c/shard.jsonl"
"$bin" clean -q "$tmp/c/shard.jsonl" -o "$tmp/co"
before=$(sha256sum <"$tmp/co/shard.jsonl")
"$bin" clean "$tmp/c/shard.jsonl" -o "$tmp/co" 2>"$tmp/err"
check clean-same-kept-exit-0 [ $? -eq 0 ]
check clean-same-kept-says grep -q "already done" "$tmp/err"
"$bin" clean "$tmp/c/shard.jsonl" -o "$tmp/co" -p c4 2>"$tmp/err"
check clean-changed-refused [ $? -ne 0 ]
check clean-changed-kept [ "$(sha256sum <"$tmp/co/shard.jsonl")" = "$before" ]
check clean-changed-says-force grep -q -- "-f" "$tmp/err"
"$bin" clean -q "$tmp/c/shard.jsonl" -o "$tmp/co" -p c4 -f
check clean-forced-replaced [ "$(sha256sum <"$tmp/co/shard.jsonl")" != "$before" ]
kept_then_forced profile "$tmp/p.bsp" \
  "$bin" profile "$tmp/in1.jsonl" -o "$tmp/p.bsp" -- "$bin" profile "$tmp/in2.jsonl" -o "$tmp/p.bsp"
"$bin" profile -q "$tmp/in2.jsonl" -o "$tmp/p2.bsp"
kept_then_forced merge "$tmp/m.bsp" \
  "$bin" merge "$tmp/p2.bsp" -o "$tmp/m.bsp" -- "$bin" merge "$tmp/p.bsp" "$tmp/p2.bsp" -o "$tmp/m.bsp"
# -q keeps the output and says nothing; a device is written to, not kept.
"$bin" merge -q "$tmp/p.bsp" -o "$tmp/m.bsp" 2>"$tmp/err"
check merge-quiet-silent [ ! -s "$tmp/err" ]
if [ -c /dev/null ]; then
  "$bin" gen --size 16K -o /dev/null 2>"$tmp/err"
  check gen-device-written [ $? -eq 0 ] && check gen-device-no-message [ ! -s "$tmp/err" ]
fi

echo "overwrite: $pass passed, $fails failed"
[ "$fails" -eq 0 ]

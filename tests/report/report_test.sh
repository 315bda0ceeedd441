#!/usr/bin/env bash
# `boilerstrip report` through the real binary: its JSON totals are clean --stats' on the same
# input, every reason is there, the same output at -T1 and -T2, errors and exit codes.
# usage: report_test.sh BOILERSTRIP SOURCE_DIR
set -u
bin=$1
src=$2
shared="$src/../shared"
py=/usr/bin/python3
. "$(dirname "$0")/../cli/harness.sh"

# --- the generated sample: totals equal clean's ---
"$bin" gen --size 8M --seed 3 -o "$tmp/s.jsonl" 2>/dev/null
printf '{"text": "broken\n{"id": 1}\n' >>"$tmp/s.jsonl"
zstd -q "$tmp/s.jsonl" -o "$tmp/s.jsonl.zst"
expect_rc clean-sample 0 "$bin" clean "$tmp/s.jsonl.zst" -o "$tmp/out" --stats "$tmp/stats.json" -q
expect_rc report-sample 0 "$bin" report "$tmp/s.jsonl.zst" -o "$tmp/r1.html" --json "$tmp/r1.json" -T1
check report-summary grep -q "written to $tmp/r1.html" "$tmp/stderr"
check report-totals-are-clean-stats "$py" - "$tmp/stats.json" "$tmp/r1.json" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))["total"]
rep = json.load(open(sys.argv[2]))
tot = rep["totals"]
for k in stats:
    if k.endswith("seconds"):  # seconds, cpu_seconds, serial_cpu_seconds: timings
        continue
    assert tot[k] == stats[k], (k, tot[k], stats[k])
assert tot["records_in"] > 1000 and tot["quarantined"] == 2, tot
names = {r["name"]: r for r in rep["reasons"]}
for name, n in stats["lines_removed_by"].items():
    assert name in names, name
    assert names[name]["lines"] == n, (name, names[name]["lines"], n)
    assert names[name]["chars"] > 0
assert len(rep["samples"]) == 50
assert sum(b["docs"] for b in rep["histogram"]) == tot["records_out"] + tot["dropped_doc"]
assert rep["rule_files"] and all(len(f["xxh3"]) == 16 for f in rep["rule_files"]), rep["rule_files"]
PY
html_size=$(stat -c %s "$tmp/r1.html")
check report-html-bounded [ "$html_size" -lt 20000000 -a "$html_size" -gt 10000 ]
check report-html-no-script bash -c "! grep -qi '<script' '$tmp/r1.html'"
# Every reason of the JSON has its section in the page.
check report-html-every-reason "$py" - "$tmp/r1.json" "$tmp/r1.html" <<'PY'
import json, sys, html
rep = json.load(open(sys.argv[1]))
page = open(sys.argv[2], encoding="utf-8").read()
for r in rep["reasons"]:
    assert '<section class="reason" id="reason-' in page
    assert ">" + html.escape(r["name"]) + " <span" in page, r["name"]
PY

# Byte-identical at another thread count (the gtest varies the chunk size too); another seed
# samples other documents.
expect_rc report-t2 0 "$bin" report "$tmp/s.jsonl.zst" -o "$tmp/r2.html" --json "$tmp/r2.json" -T2
check report-t1-t2-html cmp -s "$tmp/r1.html" "$tmp/r2.html"
check report-t1-t2-json cmp -s <(grep -v 'seconds"' "$tmp/r1.json") <(grep -v 'seconds"' "$tmp/r2.json")
expect_rc report-seed 0 "$bin" report "$tmp/s.jsonl.zst" -o "$tmp/r3.html" --seed 99 --sample 5 -q
check report-quiet [ ! -s "$tmp/stderr" ]
check report-other-seed bash -c "! cmp -s '$tmp/r1.html' '$tmp/r3.html'"

# --max-docs stops early; the report says so.
expect_rc report-max-docs 0 "$bin" report "$tmp/s.jsonl.zst" -o "$tmp/m.html" --json "$tmp/m.json" --max-docs 100
check report-max-docs-count "$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["totals"]["records_in"] == 100 and r["stopped_at_max_docs"], r["totals"]
assert r["inputs"][0]["state"] == "partial"
' "$tmp/m.json"

# Standard input, and standard output for the page.
"$bin" report - -o - -q <"$tmp/s.jsonl" >"$tmp/stdout.html"
check report-stdin-stdout [ "$(grep -o '<article class="doc"' "$tmp/stdout.html" | wc -l)" -eq 50 ]
check report-stdin-stdout-whole grep -q '</html>' "$tmp/stdout.html"

# --- the seed page: "Source link" removed by its rule, shown in the sample ---
if [ -d "$shared/seed-example" ]; then
  expect_rc report-seed-page 0 "$bin" report "$shared/seed-example/seed.jsonl" -o "$tmp/seed.html" --json "$tmp/seed.json"
  check seed-source-link "$py" - "$tmp/seed.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
lines = [l for l in r["samples"][0]["shown"] if l.get("text", "").startswith("Source link")]
assert lines and lines[0]["removed"] not in (None, "classifier", "layout"), lines
PY
else
  echo "note: ../shared absent, seed report skipped" >&2
fi

# --- the realweb pages, when present: clean's totals, sites named, bounded page ---
if [ -f "$shared/data/realweb/pages.jsonl.zst" ]; then
  rw="$shared/data/realweb/pages.jsonl.zst"
  expect_rc clean-realweb 0 "$bin" clean "$rw" -o "$tmp/rwout" --stats "$tmp/rw-stats.json" -q
  expect_rc report-realweb 0 "$bin" report "$rw" -o "$tmp/rw.html" --json "$tmp/rw.json" -q
  check realweb-totals "$py" - "$tmp/rw-stats.json" "$tmp/rw.json" <<'PY'
import json, sys
stats = json.load(open(sys.argv[1]))["total"]
rep = json.load(open(sys.argv[2]))
for k in stats:
    assert k.endswith("seconds") or rep["totals"][k] == stats[k], (k, rep["totals"][k], stats[k])
assert rep["sites"]["sites"] > 10 and rep["sites"]["top"], rep["sites"]
PY
  check realweb-bounded [ "$(stat -c %s "$tmp/rw.html")" -lt 20000000 ]
fi

# Directory inputs, walked with -r as clean walks them.
mkdir -p "$tmp/tree/sub"
cp "$tmp/s.jsonl.zst" "$tmp/tree/sub/"
expect_rc report-no-shard-without-r 1 "$bin" report "$tmp/tree" -o "$tmp/x.html"
expect_rc report-recursive 0 "$bin" report -r "$tmp/tree" -o "$tmp/tree.html" --json "$tmp/tree.json" -q
check report-recursive-same "$py" -c '
import json, sys
a, b = (json.load(open(p))["totals"] for p in sys.argv[1:3])
assert a["records_in"] == b["records_in"] and a["lines_removed"] == b["lines_removed"], (a, b)
' "$tmp/r1.json" "$tmp/tree.json"

# --- errors ---
expect_rc no-input 1 "$bin" report -o "$tmp/x.html"
check no-input-says grep -q "no input" "$tmp/stderr"
expect_rc no-output 1 "$bin" report "$tmp/s.jsonl"
expect_rc missing-input 1 "$bin" report "$tmp/nope.jsonl" -o "$tmp/x.html"
check missing-input-named grep -q "nope.jsonl" "$tmp/stderr"
expect_rc sample-too-big 1 "$bin" report "$tmp/s.jsonl" -o "$tmp/x.html" --sample 5000
expect_rc unknown-flag 1 "$bin" report "$tmp/s.jsonl" -o "$tmp/x.html" --no-such-flag
expect_rc bad-rules 1 "$bin" report "$tmp/s.jsonl" -o "$tmp/x.html" -p "$tmp/nope.rules"
check nothing-written-on-error [ ! -e "$tmp/x.html" ]
# A shard that cannot be read fails alone: the report is written, names it, exit 2.
printf '\xfd7zXZ\0\0garbage' >"$tmp/bad.jsonl"
expect_rc failed-shard 2 "$bin" report "$tmp/bad.jsonl" "$tmp/s.jsonl" -o "$tmp/f.html" --json "$tmp/f.json"
check failed-shard-stderr grep -q "bad.jsonl" "$tmp/stderr"
check failed-shard-in-report grep -q "failed: " "$tmp/f.html"
check failed-shard-json "$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["inputs"][0]["state"] == "failed" and "xz" in r["inputs"][0]["error"], r["inputs"]
assert r["inputs"][1]["state"] == "read"
' "$tmp/f.json"
# A shard of which no record is JSON fails as in clean (exit 2, saying what the bytes look
# like), while a partly bad shard is read; the good shard beside it is still counted.
printf 'hello world\nnot json either\n' >"$tmp/text.jsonl"
expect_rc no-json-shard 2 "$bin" report "$tmp/text.jsonl" "$tmp/s.jsonl" -o "$tmp/nj.html" --json "$tmp/nj.json"
check no-json-shard-says grep -q "no record is JSON" "$tmp/stderr"
check no-json-shard-json "$py" -c '
import json, sys
r = json.load(open(sys.argv[1]))
by = {i["path"].rsplit("/", 1)[-1]: i for i in r["inputs"]}
assert by["text.jsonl"]["state"] == "failed" and "no line that starts with" in by["text.jsonl"]["error"], by
assert by["s.jsonl"]["state"] == "read", by
' "$tmp/nj.json"
{ head -n 3 "$tmp/s.jsonl"; echo 'not json'; } >"$tmp/partly.jsonl"
expect_rc partly-bad-shard 0 "$bin" report "$tmp/partly.jsonl" -o "$tmp/pb.html"
expect_rc unwritable 1 "$bin" report "$tmp/s.jsonl" -o "$tmp/no/such/dir/r.html"
check unwritable-says grep -q "cannot write the report" "$tmp/stderr"
expect_rc help 0 "$bin" report --help
check help-text grep -q "max-docs" "$tmp/stdout"

echo "report CLI: $pass passed, $fails failed"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# A user's first hour (issue 16), through the real binary: the README's site-profile workflow
# run as written, silent mismatches made loud, dotted --text-field, trusted resume, stdin
# naming, per-command help, and the summary's units and counts.
# usage: ux_test.sh BOILERSTRIP SOURCE_DIR
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$2
py=/usr/bin/python3
[ -x "$py" ] || { echo "no /usr/bin/python3: skipped"; exit 77; }
. "$(dirname "$0")/harness.sh"
has() { grep -qF -- "$1" "$2"; }
hasnt() { ! grep -qF -- "$1" "$2"; }

# ---------------------------------------------------------------- item 2: the README workflow
# The block after <!-- site-workflow --> in the README, run as written in an empty directory.
mkdir -p "$tmp/wf/bin"
ln -s "$bin" "$tmp/wf/bin/boilerstrip"
$py - "$src/README.md" >"$tmp/wf/workflow.sh" <<'EOF'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
block = text.split("<!-- site-workflow -->", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
print("set -e")
print(block)
EOF
check readme-has-workflow has "boilerstrip profile" "$tmp/wf/workflow.sh"
(cd "$tmp/wf" && PATH="$tmp/wf/bin:$PATH" bash workflow.sh >stdout 2>stderr)
check readme-workflow-runs test $? -eq 0 || cat "$tmp/wf/stderr" >&2
check inspect-lists-sites grep -qE '\.(com|co\.uk)' "$tmp/wf/stdout"
check workflow-sites-in-profile $py - "$tmp/wf/stats.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))["total"]
assert t["records_with_site"] == t["records_in"] > 0, t
assert t["records_site_in_profile"] == t["records_in"], t
assert t["lines_removed_by"].get("site-repeated", 0) > 0, t
EOF
# The generated site chrome is gone from the output: every truth "site" line that stands on at
# least 60% of its site's pages (the site's name and navigation; the default --min-line-share
# is 0.5), all but 2%; and most of all site lines (the slogans stand on about half the pages,
# at the threshold).
check site-chrome-removed $py - "$tmp/wf" <<'EOF'
import collections, json, subprocess, sys
from urllib.parse import urlparse
d = sys.argv[1]
def records(path):
    data = subprocess.run(["zstd", "-dc", path], capture_output=True, check=True).stdout
    return [json.loads(l) for l in data.decode("utf-8").splitlines() if l.strip()]
ins = records(d + "/crawl.jsonl.zst")
outs = records(d + "/out/crawl.jsonl.zst")
truth = [json.loads(l) for l in open(d + "/truth.jsonl", encoding="utf-8")]
assert len(ins) == len(outs) == len(truth) > 0
docs = collections.Counter(urlparse(r["url"]).hostname for r in ins)
on = collections.Counter()
for rec, t in zip(ins, truth):
    lines = rec["text"].split("\n")
    for l in {lines[i].strip() for i in t["site"]}:
        on[urlparse(rec["url"]).hostname, l] += 1
total = left = common = common_left = 0
for rec, t, out in zip(ins, truth, outs):
    host = urlparse(rec["url"]).hostname
    lines = rec["text"].split("\n")
    kept = {l.strip() for l in out["text"].split("\n")}
    for i in t["site"]:
        l = lines[i].strip()
        is_common = on[host, l] >= 0.6 * docs[host]
        total += 1
        common += is_common
        if l in kept:
            left += 1
            common_left += is_common
assert common > 0.5 * total, (common, total)
assert common_left <= 0.02 * common, f"{common_left} of {common} common site lines left"
assert left <= 0.15 * total, f"{left} of {total} site lines left"
EOF

# ---------------------------------------------------------------- item 3: silent mismatches
printf '{"url":"https://a%d.example/x","text":"Line one of a page\\nShared footer line here"}\n' 1 2 3 4 5 6 >"$tmp/reserved.jsonl"
expect_rc profile-zero-sites 2 "$bin" profile "$tmp/reserved.jsonl" -o "$tmp/zero.bsp"
check profile-zero-sites-says has "0 sites" "$tmp/stderr"
# A wrong --url-field: no record has a site; warned, and counted in the summary and the stats.
expect_rc wrong-url-field 0 "$bin" clean --site-profile "$tmp/wf/site.bsp" --url-field link \
  "$tmp/wf/crawl.jsonl.zst" -o "$tmp/wrongurl" --stats "$tmp/wrongurl.json"
check wrong-url-field-warns has "no record has a site" "$tmp/stderr"
check summary-counts-sites has "0 records with a site, 0 whose site is in the profile" "$tmp/stderr"
check stats-count-sites grep -q '"records_with_site": 0' "$tmp/wrongurl.json"
# A profile of other sites: records have sites, none in the profile.
for i in 1 2 3 4 5 6 7; do
  printf '{"url":"https://news.other-site.com/a/%d","text":"Story %d\\nOther footer line"}\n' "$i" "$i"
done >"$tmp/other.jsonl"
expect_rc foreign-profile 0 "$bin" clean --site-profile "$tmp/wf/site.bsp" "$tmp/other.jsonl" -o "$tmp/foreign"
check foreign-profile-warns has "no record's site is in the profile" "$tmp/stderr"
check foreign-profile-counts has "7 records with a site, 0 whose site is in the profile" "$tmp/stderr"
# Stages: own rules keep the classifier and dedup, and the summary and stats say so.
printf 'share drop i ^share this$\n' >"$tmp/my.rules"
printf '{"text":"Body of the page, long enough.\\nShare this"}\n' >"$tmp/one.jsonl"
expect_rc stages 0 "$bin" clean -p "$tmp/my.rules" "$tmp/one.jsonl" -o "$tmp/stages" --stats "$tmp/stages.json"
check summary-names-stages has "stages:  rules (1 rule), classifier, dedup" "$tmp/stderr"
check stats-name-stages grep -q '"stages": \["rules", "classifier", "dedup"\]' "$tmp/stages.json"
expect_rc stages-none 0 "$bin" clean -p none --no-classifier --no-dedup "$tmp/one.jsonl" -o "$tmp/stages2"
check summary-no-stages has "stages:  none" "$tmp/stderr"

# ---------------------------------------------------------------- item 4: dotted --text-field
printf '{"id":%d,"content":{"title":"T","body":"Body %d of the page text.\\nShare this"}}\n' 1 1 2 2 3 3 >"$tmp/nested.jsonl"
expect_rc dotted-text-field 0 "$bin" clean -p "$tmp/my.rules" --text-field content.body \
  "$tmp/nested.jsonl" -o "$tmp/nested" --stats "$tmp/nested.json"
check dotted-cleaned $py - "$tmp/nested/nested.jsonl" "$tmp/nested.json" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
assert len(recs) == 3 and all(r["content"]["body"].startswith("Body") for r in recs), recs
assert not any("Share this" in r["content"]["body"] for r in recs), recs
assert all(r["content"]["title"] == "T" for r in recs)
t = json.load(open(sys.argv[2]))["total"]
assert t["quarantined"] == 0 and t["records_changed"] == 3, t
EOF
# Every record bad for the same reason: the shard fails loudly (exit 2), naming the reason.
expect_rc all-missing-text 2 "$bin" clean --text-field content.text "$tmp/nested.jsonl" -o "$tmp/missing"
check all-missing-text-says has "every record (3) is bad: missing-text" "$tmp/stderr"
check all-missing-text-hint has "--text-field" "$tmp/stderr"
check all-missing-text-no-output test ! -e "$tmp/missing/nested.jsonl"

# ---------------------------------------------------------------- item 5: resume
mkdir -p "$tmp/shards"
for i in $(seq 1 40); do
  printf '{"id":%d,"text":"Shard %d body line that stays.\\nShare this"}\n' "$i" "$i" >"$tmp/shards/s$i.jsonl"
done
expect_rc resume-first 0 "$bin" clean "$tmp/shards" -o "$tmp/rs" --stats "$tmp/rs1.json" -T2
check manifest-written test -f "$tmp/rs/.s1.jsonl.done.json"
check manifest-not-a-shard $py -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["made_by"]["tool"].startswith("boilerstrip"), m; assert m["stats"]["records_in"] == 1' "$tmp/rs/.s1.jsonl.done.json"
rm "$tmp/rs/s7.jsonl"  # as if a killed run never finished it
expect_rc resume-second 0 "$bin" clean "$tmp/shards" -o "$tmp/rs" --stats "$tmp/rs2.json" -T2
check resume-one-line has "39 shards already done" "$tmp/stderr"
check resume-no-line-each test "$(grep -c 'already done' "$tmp/stderr")" -eq 1
check resume-totals-complete $py - "$tmp/rs1.json" "$tmp/rs2.json" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
for k in ("records_in", "records_out", "lines_in", "lines_removed", "bytes_in", "bytes_out"):
    assert a["total"][k] == b["total"][k], (k, a["total"][k], b["total"][k])
assert a["total"]["lines_removed_by"] == b["total"]["lines_removed_by"]
states = [s["state"] for s in b["shards"]]
assert states.count("skipped") == 39 and states.count("done") == 1, states
EOF
# A changed option: an error naming it, nothing written; then redo-changed and -f.
cp "$tmp/rs/s1.jsonl" "$tmp/s1-before.jsonl"
expect_rc resume-changed 1 "$bin" clean "$tmp/shards" -o "$tmp/rs" --no-dedup
check resume-changed-names-it has "dedup: on → off" "$tmp/stderr"
check resume-changed-counts has "40 existing outputs were made differently" "$tmp/stderr"
check resume-changed-truncated has "and 30 more" "$tmp/stderr"
printf 'share drop i ^share this$\nsubscribe drop i ^subscribe$\n' >"$tmp/my2.rules"
expect_rc resume-rules-changed 1 "$bin" clean "$tmp/shards/s1.jsonl" -o "$tmp/rs" -p "$tmp/my2.rules"
check resume-rules-named has "rules: " "$tmp/stderr"
# The learned line model and the cut guard change output, so they are differences too.
expect_rc resume-line-model-changed 1 "$bin" clean "$tmp/shards/s1.jsonl" -o "$tmp/rs" --no-line-model
check resume-line-model-named has "line-model: model " "$tmp/stderr"
expect_rc resume-threshold-changed 1 "$bin" clean "$tmp/shards/s1.jsonl" -o "$tmp/rs" --line-model-threshold 0.5
check resume-threshold-named has "threshold 0.5" "$tmp/stderr"
expect_rc resume-cut-changed 1 "$bin" clean "$tmp/shards/s1.jsonl" -o "$tmp/rs" --cut-after-prose 5
check resume-cut-named has "cut-after-prose: 1000 → 5" "$tmp/stderr"
expect_rc redo-changed 0 "$bin" clean "$tmp/shards" -o "$tmp/rs" --no-dedup --resume=redo-changed
check redo-changed-redid has "40 done, 0 skipped" "$tmp/stderr"
expect_rc after-redo 0 "$bin" clean "$tmp/shards" -o "$tmp/rs" --no-dedup
check after-redo-skips has "40 shards already done" "$tmp/stderr"
# No manifest (an older tool's output): an error unless -f; an input that changed: an error.
rm "$tmp/rs/.s2.jsonl.done.json"
expect_rc no-manifest 1 "$bin" clean "$tmp/shards" -o "$tmp/rs" --no-dedup
check no-manifest-says has "s2.jsonl: no manifest" "$tmp/stderr"
expect_rc force-redoes 0 "$bin" clean "$tmp/shards" -o "$tmp/rs" --no-dedup -f
check force-wrote-manifest test -f "$tmp/rs/.s2.jsonl.done.json"
printf '{"id":99,"text":"A new record"}\n' >>"$tmp/shards/s3.jsonl"
expect_rc input-changed 1 "$bin" clean "$tmp/shards" -o "$tmp/rs" --no-dedup
check input-changed-says has "input size:" "$tmp/stderr"

# ---------------------------------------------------------------- item 6: standard input
printf '{"id":1,"text":"Body text of stdin.\\nShare this"}\n{"id":2}\n' >"$tmp/in.jsonl"
expect_rc stdin-to-dir 0 "$bin" clean - -o "$tmp/sd" <"$tmp/in.jsonl"
check stdin-named test -f "$tmp/sd/stdin.jsonl" -a -f "$tmp/sd/stdin.quarantine.jsonl"
expect_rc stdin-resumes 0 "$bin" clean - -o "$tmp/sd" <"$tmp/in.jsonl"
check stdin-skipped has "1 shard already done" "$tmp/stderr"
expect_rc stdin-other-options 1 "$bin" clean - -o "$tmp/sd" --tail-fraction 0.5 <"$tmp/in.jsonl"
check stdin-other-options-says has "tail-fraction" "$tmp/stderr"
expect_rc stdin-force 0 "$bin" clean - -o "$tmp/sd" -f <"$tmp/in.jsonl"
check stdin-force-done has "1 done, 0 skipped" "$tmp/stderr"
(cd "$tmp" && "$bin" clean - -o - <"$tmp/in.jsonl" >"$tmp/so.jsonl" 2>"$tmp/so.err")
check stdout-quarantine-named has "quarantined in ./" "$tmp/so.err"
check stdout-quarantine-there test -f "$tmp/stdin.quarantine.jsonl"
expect_rc stats-to-stdout 0 "$bin" clean "$tmp/one.jsonl" -o "$tmp/st" --stats -
check stats-stdout-json $py -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["total"]["records_in"] == 1' "$tmp/stdout"
check stats-stdout-no-file test ! -e ./-
check summary-still-stderr has "records: 1 in" "$tmp/stderr"
expect_rc stats-and-output-stdout 1 "$bin" clean "$tmp/one.jsonl" -o - --stats -
check stats-and-output-stdout-says has "both write to standard output" "$tmp/stderr"

# ---------------------------------------------------------------- item 10: help per command
# Each command's --help names each of its options, and no option only another command has.
declare -A opts
opts[clean]="--output --patterns --threads --text-field --stats --on-bad-record --quarantine-dir
  --output-format --level --gzip-level --max-record-size --batch-size --tail-fraction
  --truncate-after-prose --min-dup-length --no-dedup --dedup --no-classifier --classifier
  --classifier-short --classifier-long --classifier-stopwords --classifier-run
  --classifier-top-run --classifier-headlines --classifier-block --classifier-block-gap
  --no-title-headline --classifier-comments --classifier-comments-after
  --classifier-comments-gap --force --resume --rank --world-size --quiet --verbose --progress
  --no-progress --site-profile --url-field --psl --min-site-docs --min-line-share --min-line-docs
  --recursive"
opts[profile]="--output --threads --text-field --url-field --psl --memory --max-record-size
  --stats --rank --world-size --force --quiet --verbose"
opts[merge]="--output --final --min-site-docs --min-line-share --min-line-docs --quiet --force"
opts[inspect]="--site --top --text --url-field --text-field --psl"
opts[gen]="--output --size --seed --sites --truth --force"
all=$(printf '%s\n' ${opts[clean]} ${opts[profile]} ${opts[merge]} ${opts[inspect]} ${opts[gen]} | sort -u)
for cmd in clean profile merge inspect gen; do
  expect_rc "$cmd-help" 0 "$bin" "$cmd" --help
  cp "$tmp/stdout" "$tmp/help-$cmd"
  for o in ${opts[$cmd]}; do
    check "$cmd --help names $o" grep -qE -- "(^|[ ,])$o([ =,]|$)" "$tmp/help-$cmd"
  done
  for o in $all; do
    case " $(echo ${opts[$cmd]}) " in *" $o "*) continue ;; esac
    check "$cmd --help does not name $o" test -z "$(grep -E -- "(^|[ ,])$o([ =,]|$)" "$tmp/help-$cmd")"
  done
  # Every option its help names is one it takes.
  for o in $(grep -oE -- '(^|[ ,])--[a-z][a-z-]*' "$tmp/help-$cmd" | tr -d ' ,' | sort -u); do
    "$bin" "$cmd" "$o" </dev/null >/dev/null 2>"$tmp/opt.err"
    check "$cmd takes $o" hasnt "unknown option" "$tmp/opt.err"
  done
done
expect_rc check-help 0 "$bin" check --help
check check-help-own hasnt "--text-field" "$tmp/stdout"
check check-help-short test "$(wc -l <"$tmp/stdout")" -lt 30
# The README's option table lists every clean option.
for o in ${opts[clean]}; do
  check "README table lists $o" grep -qE -- "^\|.*[ \`(,]$o[ \`=,)]" "$src/README.md"
done

# ---------------------------------------------------------------- item 11: units and counts
printf '{"id":1,"text":"Body text here.\\nShare this"}\n{"id":2}\n{"id":3,"text":5}\n{"id":4}\n' >"$tmp/small.jsonl"
expect_rc small 0 "$bin" clean -p "$tmp/my.rules" "$tmp/small.jsonl" -o "$tmp/small"
check plural-rule has "(1 rule)" "$tmp/stderr"
check small-bytes-unit grep -qE 'bytes: +[0-9]+ bytes in' "$tmp/stderr"
check bad-by-reason has "bad records by reason: missing-text 2, non-string-text 1" "$tmp/stderr"
check one-shard has "1 shard: 1 done" "$tmp/stderr"
"$bin" gen --size 40K -o "$tmp/kb.jsonl"
expect_rc kb 0 "$bin" clean "$tmp/kb.jsonl" -o "$tmp/kb" --progress
check kb-unit grep -qE 'bytes: +[0-9.]+ KB in' "$tmp/stderr"
check progress-uncompressed has "MB uncompressed" "$tmp/stderr"
for size in 20KB 1.5K 0.5M 2k; do
  expect_rc "gen --size $size" 0 "$bin" gen -f --size "$size" -o "$tmp/g.jsonl"
done
check gen-size-1.5K test "$(stat -c %s "$tmp/g.jsonl")" -ge 2048
"$bin" gen --size 1.5K -o "$tmp/g15.jsonl"
check gen-size-fraction test "$(stat -c %s "$tmp/g15.jsonl")" -ge 1536
"$bin" gen --size 300K --seed 3 -o "$tmp/g.jsonl.gz"
"$bin" gen -f --size 300K --seed 3 -o "$tmp/g.jsonl"  # g.jsonl exists: -f replaces it
check gen-gz-is-gzip test "$(head -c2 "$tmp/g.jsonl.gz" | od -An -tx1 | tr -d ' ')" = 1f8b
check gen-gz-same-records sh -c "gzip -dc '$tmp/g.jsonl.gz' | cmp -s - '$tmp/g.jsonl'"

echo "ux_test: $pass passed, $fails failed"
[ "$fails" -eq 0 ]

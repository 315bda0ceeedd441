#!/usr/bin/env bash
# Rules through the real binary: `check` reports every problem in one run, in the rule
# language's words; `check` and `clean -p` resolve names alike; the cut action and its guard.
# usage: rules_cli_test.sh BOILERSTRIP SOURCE_DIR
set -u
bin=$1
src=$2
. "$(dirname "$0")/harness.sh"
has() { grep -qF -- "$1" "$2"; }

# --- every problem at once (was: in rounds: syntax, then compile, then examples) ---
cat >"$tmp/many.rules" <<'RULES'
good drop il share this
  match: Share this
bad# drop - x
noaction
unknown zap - x
star drop - x*
optional drop i (foo)?
open drop il (abc
close drop - abc)
class drop - [abc
lookbehind drop - (?<=a)b
backref drop - (a)\1
possessive drop - a++
wrong drop il follow us
  match: share this
  nomatch: follow us
good drop - duplicate name
RULES
expect_rc check-all-at-once 1 "$bin" check "$tmp/many.rules"
f=$tmp/many.rules
for want in \
  "$f:3: rule bad#: bad rule name" \
  "$f:4: rule noaction: missing action (drop, truncate, cut, drop-doc or keep)" \
  "$f:5: rule unknown: unknown action 'zap'" \
  "$f:6: rule star: the pattern can match an empty line; anchor it or require a character" \
  "$f:7: rule optional: the pattern can match an empty line; anchor it or require a character" \
  "$f:8: rule open: a group opened at character 1 is never closed: missing ')'" \
  "$f:9: rule close: ')' at character 4 closes no group" \
  "$f:10: rule class: the character class '[' at character 1 is never closed: missing ']'" \
  "$f:11: rule lookbehind: lookahead and lookbehind" \
  "$f:12: rule backref: back-references (\\1, \\k<name>) are not supported" \
  "$f:13: rule possessive: possessive repeats" \
  "$f:15: rule wrong: does not match its example 'share this'" \
  "$f:16: rule wrong: matches its example 'follow us'" \
  "$f:17: rule good: duplicate rule name (first defined at $f:1)"; do
  check "check-all-at-once: $want" has "$want" "$tmp/stdout"
done
check check-all-at-once-count [ "$(wc -l <"$tmp/stdout")" -eq 14 ]
check check-all-at-once-summary has "boilerstrip: 14 errors" "$tmp/stderr"
check check-all-at-once-line-order sh -c "cut -d: -f2 '$tmp/stdout' | sort -n -c"
check check-no-hyperscan-jargon sh -c "! grep -q 'HS_FLAG\|index [0-9]' '$tmp/stdout'"
# clean -p refuses the same file with the same words, nothing written.
printf '{"id":1,"text":"Hello there.\\nShare this"}\n' >"$tmp/in.jsonl"
expect_rc clean-bad-rules 1 "$bin" clean -p "$tmp/many.rules" "$tmp/in.jsonl" -o "$tmp/never"
check clean-bad-rules-words has "rule bad#: bad rule name" "$tmp/stderr"
check clean-bad-rules-nothing [ ! -e "$tmp/never" ]

# --- a UTF-8 byte order mark at the start of a rule file ---
printf '\xef\xbb\xbfshare drop il share this\n  match: Share this\n' >"$tmp/bom.rules"
expect_rc check-bom 0 "$bin" check "$tmp/bom.rules"
check check-bom-ok has "1 rules and 1 examples OK" "$tmp/stderr"
expect_rc clean-bom 0 "$bin" clean -q -p "$tmp/bom.rules" --no-classifier "$tmp/in.jsonl" -o "$tmp/bom-out"
check clean-bom-removes grep -qF '"text":"Hello there."' "$tmp/bom-out/in.jsonl"

# --- names resolve alike in check and clean -p; options are options ---
expect_rc check-default-by-name 0 "$bin" check default
cp "$tmp/stderr" "$tmp/default-by-name"
expect_rc check-default-by-path 0 "$bin" check "$src/patterns/default"
check check-default-same-count cmp -s "$tmp/default-by-name" "$tmp/stderr"
expect_rc check-c4-by-name 0 "$bin" check c4
expect_rc check-same-file-twice 0 "$bin" check "$src/patterns/default" "$src/patterns/default"
check check-same-file-twice-once cmp -s "$tmp/default-by-name" "$tmp/stderr"
expect_rc check-same-file-two-spellings 0 "$bin" check "$tmp/bom.rules" "$tmp/../$(basename "$tmp")/bom.rules"
check check-two-spellings-once has "1 rules and 1 examples OK" "$tmp/stderr"
expect_rc check-verbose 0 "$bin" check -v default
check check-verbose-lists-files has "builtin:default/10-post-footer.rules: " "$tmp/stderr"
expect_rc check-quiet 0 "$bin" check -q default
check check-quiet-silent [ ! -s "$tmp/stderr" ]
expect_rc check-unknown-option 1 "$bin" check --bogus default
check check-unknown-option-message has "unknown option '--bogus'" "$tmp/stderr"
expect_rc check-help 0 "$bin" check --help
check check-help-own has "usage: boilerstrip check" "$tmp/stdout"
expect_rc check-missing-file 1 "$bin" check "$tmp/nope.rules"
check check-missing-reason has "$tmp/nope.rules: cannot read rule file: No such file or directory" "$tmp/stdout"
expect_rc clean-missing-file 1 "$bin" clean -p "$tmp/nope.rules" "$tmp/in.jsonl" -o "$tmp/never"
check clean-missing-reason has "$tmp/nope.rules: cannot read rule file: No such file or directory" "$tmp/stderr"
expect_rc check-unknown-name 1 "$bin" check nosuchpreset
check check-unknown-name-message has "nosuchpreset: no such file, directory or built-in preset (built in: " "$tmp/stdout"
expect_rc clean-unknown-name 1 "$bin" clean -p nosuchpreset "$tmp/in.jsonl" -o "$tmp/never"
check clean-unknown-name-message has "nosuchpreset: no such file, directory or built-in preset" "$tmp/stderr"
mkdir "$tmp/dir.rules"
expect_rc check-directory-file 1 "$bin" check "$tmp/dir.rules/"
check check-directory-message has "no *.rules files in directory" "$tmp/stdout"

# --- cut: from the marker to the end wherever it stands, once the article is above it ---
python3 - "$tmp" <<'PY'
import json, sys
tmp = sys.argv[1]
article = [f"Paragraph {i} of the article runs long enough to count as prose, with words about "
           f"the harbour, its boats, the weather, the ferries and the town that lives around it all year." for i in range(8)]
comments = [f"Reader {i} left a long comment about the harbour that goes on and on, longer than "
            f"any line of chrome would be, and it is not the article at all." for i in range(10)]
docs = [
    {"id": "after", "text": "\n".join(article + ["Comments (10)"] + comments)},
    {"id": "before", "text": "\n".join(["Comments (10)"] + article)},
]
with open(f"{tmp}/cut.jsonl", "w") as f:
    for d in docs:
        f.write(json.dumps(d) + "\n")
with open(f"{tmp}/want-after.txt", "w") as f:
    f.write("\n".join(article))
PY
printf 'comments cut il comments \\(\\d+\\)\n  match: Comments (10)\n' >"$tmp/cut.rules"
expect_rc check-cut-rule 0 "$bin" check "$tmp/cut.rules"
expect_rc clean-cut 0 "$bin" clean -q -p "$tmp/cut.rules" --no-classifier --no-dedup "$tmp/cut.jsonl" \
  -o "$tmp/cut-out" --stats "$tmp/cut-stats.json"
check cut-after-article python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
want = open(sys.argv[2]).read()
after, before = recs
assert after["text"] == want, after["text"][-200:]
# Above the article the marker goes alone; the article stays whole.
assert before["text"] == want, before["text"][:200]
' "$tmp/cut-out/cut.jsonl" "$tmp/want-after.txt"
check cut-stats-reason python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))["total"]
assert t["lines_removed_by"]["comments"] == 12, t["lines_removed_by"]  # 1 + 10 + the marker above
' "$tmp/cut-stats.json"
# The same rule as truncate leaves the comments (they are half the page, not its tail).
sed 's/ cut / truncate /' "$tmp/cut.rules" >"$tmp/truncate.rules"
expect_rc clean-truncate 0 "$bin" clean -q -p "$tmp/truncate.rules" --no-classifier --no-dedup \
  "$tmp/cut.jsonl" -o "$tmp/truncate-out"
check truncate-keeps-mid-page-comments grep -q "Reader 9 left" "$tmp/truncate-out/cut.jsonl"
# The guard is --cut-after-prose: asking for more prose than the article has keeps the comments;
# 0 (no guard) lets the marker above the article eat it.
expect_rc clean-cut-guard-high 0 "$bin" clean -q -p "$tmp/cut.rules" --no-classifier --no-dedup \
  --cut-after-prose 100000 "$tmp/cut.jsonl" -o "$tmp/cut-high"
check cut-guard-high-keeps grep -q "Reader 9 left" "$tmp/cut-high/cut.jsonl"
expect_rc clean-cut-guard-off 0 "$bin" clean -q -p "$tmp/cut.rules" --no-classifier --no-dedup \
  --cut-after-prose 0 "$tmp/cut.jsonl" -o "$tmp/cut-off"
check cut-guard-off-eats python3 -c '
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
b = [r for r in recs if r["id"] == "before"]
assert b == [] or b[0]["text"] == "", b
' "$tmp/cut-off/cut.jsonl"

echo "rules_cli: $pass passed, $fails failed"
[ "$fails" -eq 0 ]

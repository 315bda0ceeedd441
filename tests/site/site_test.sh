#!/usr/bin/env bash
# Site profiles end to end with the real binary on generated multi-site shards:
# quality (chrome removed, article kept), byte-identical results whatever the map split, merge
# grouping, spills or threads, final pruning, and bad profiles.
# usage: site_test.sh BOILERSTRIP SOURCE_DIR
set -u
bin=$1
src=$2
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
command -v zstd >/dev/null || { echo "zstd missing: skipped"; exit 77; }
. "$(dirname "$0")/../cli/harness.sh"
has() { grep -q -- "$1" "$2"; }

python3 "$src/scripts/gen-sites.py" "$tmp/gen" --sites 120 --small-sites 10 --shards 8 --seed 7
printf 'never drop - ^zzqqxx-never-matches$\n' >"$tmp/none.rules"
rules=(-p "$tmp/none.rules" --no-dedup --no-classifier)  # the site stage alone

# --- one task, then quality
expect_rc "profile all" 0 "$bin" profile "$tmp/gen" -o "$tmp/all.bsp" -T2 --stats "$tmp/all.json"
expect_rc "clean with profile" 0 "$bin" clean "$tmp/gen" -o "$tmp/c-all" -T2 "${rules[@]}" \
  --site-profile "$tmp/all.bsp" --stats "$tmp/c-all.json"
check "stats name the reason" has '"site-repeated"' "$tmp/c-all.json"
check "quality: chrome >= 99% removed, article < 0.1% removed" \
  python3 "$src/tests/site/score_sites.py" "$tmp/gen" "$tmp/c-all" 5 0.99 0.001

# --- the map split: 4 ranks, merged in three groupings, equal to the single profile
for r in 0 1 2 3; do
  expect_rc "profile rank $r" 0 "$bin" profile "$tmp/gen" -o "$tmp/p$r.bsp" --rank $r --world-size 4 -T1
done
expect_rc "merge 4" 0 "$bin" merge "$tmp/p0.bsp" "$tmp/p1.bsp" "$tmp/p2.bsp" "$tmp/p3.bsp" -o "$tmp/m1.bsp"
expect_rc "merge a" 0 "$bin" merge "$tmp/p3.bsp" "$tmp/p1.bsp" -o "$tmp/a.bsp"
expect_rc "merge b" 0 "$bin" merge "$tmp/p2.bsp" "$tmp/p0.bsp" -o "$tmp/b.bsp"
expect_rc "merge ab" 0 "$bin" merge "$tmp/b.bsp" "$tmp/a.bsp" -o "$tmp/m2.bsp"
expect_rc "merge one" 0 "$bin" merge "$tmp/m2.bsp" -o "$tmp/m3.bsp"
check "4 ranks merged = 1 task" cmp -s "$tmp/all.bsp" "$tmp/m1.bsp"
check "grouping does not matter" cmp -s "$tmp/m1.bsp" "$tmp/m2.bsp"
check "merge of one is a copy" cmp -s "$tmp/m2.bsp" "$tmp/m3.bsp"
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_COUNT=4 "$bin" profile "$tmp/gen" -o "$tmp/env2.bsp" -q
check "rank from SLURM_ARRAY_TASK_*" cmp -s "$tmp/env2.bsp" "$tmp/p2.bsp"

# --- spills: a 1 MiB budget forces sorted runs; same bytes
expect_rc "profile with spills" 0 "$bin" profile "$tmp/gen" -o "$tmp/spill.bsp" --memory 1M -T1 --stats "$tmp/spill.json"
check "it spilled" python3 -c "import json,sys; sys.exit(json.load(open('$tmp/spill.json'))['spills'] < 1)"
check "spilled profile = in-memory profile" cmp -s "$tmp/all.bsp" "$tmp/spill.bsp"
check "no run files left" test -z "$(ls "$tmp" | grep '\.run\|\.tmp')"

# --- compressed input and a nested URL field count the same
mkdir -p "$tmp/zst" "$tmp/nested"
for f in "$tmp"/gen/*.jsonl; do zstd -q "$f" -o "$tmp/zst/$(basename "$f").zst"; done
python3 - "$tmp/gen" "$tmp/nested" <<'EOF'
import glob, json, os, sys
for p in glob.glob(os.path.join(sys.argv[1], "*.jsonl")):
    with open(p) as f, open(os.path.join(sys.argv[2], os.path.basename(p)), "w") as g:
        for l in f:
            r = json.loads(l)
            if "url" in r: r["meta"]["url"] = r.pop("url")
            g.write(json.dumps(r) + "\n")
EOF
expect_rc "profile zst" 0 "$bin" profile "$tmp/zst" -o "$tmp/zst.bsp"
check ".zst input = plain input" cmp -s "$tmp/all.bsp" "$tmp/zst.bsp"
expect_rc "profile nested url" 0 "$bin" profile "$tmp/nested" -o "$tmp/nested.bsp" --url-field meta.url
check "--url-field meta.url" cmp -s "$tmp/all.bsp" "$tmp/nested.bsp"
expect_rc "clean nested url" 0 "$bin" clean "$tmp/nested" -o "$tmp/c-nested" "${rules[@]}" \
  --site-profile "$tmp/nested.bsp" --url-field meta.url -q
check "nested url: same removals" python3 "$src/tests/site/score_sites.py" "$tmp/gen" "$tmp/c-nested" 5

# --- clean output independent of threads and of the profile's history; final profiles
expect_rc "clean T1 merged" 0 "$bin" clean "$tmp/gen" -o "$tmp/c-m2" -T1 "${rules[@]}" --site-profile "$tmp/m2.bsp" -q
expect_rc "merge --final" 0 "$bin" merge --final "$tmp/a.bsp" "$tmp/b.bsp" -o "$tmp/final.bsp"
expect_rc "clean final" 0 "$bin" clean "$tmp/gen" -o "$tmp/c-final" -T2 "${rules[@]}" --site-profile "$tmp/final.bsp" -q
for f in "$tmp"/c-all/*.jsonl; do
  check "T1/T2, merged profile: $(basename "$f")" cmp -s "$f" "$tmp/c-m2/$(basename "$f")"
  check "final profile: $(basename "$f")" cmp -s "$f" "$tmp/c-final/$(basename "$f")"
done
check "final is smaller" test "$(stat -c %s "$tmp/final.bsp")" -lt "$(stat -c %s "$tmp/all.bsp")"
"$bin" inspect "$tmp/final.bsp" >"$tmp/inspect.txt"
check "inspect says final" has "final" "$tmp/inspect.txt"
expect_rc "final cannot be merged" 1 "$bin" merge "$tmp/final.bsp" "$tmp/a.bsp" -o "$tmp/x.bsp"
check "  ... and says why" has "cannot be merged again" "$tmp/stderr"
check "  ... and writes nothing" test ! -e "$tmp/x.bsp"
expect_rc "looser thresholds than the pruning" 1 "$bin" clean "$tmp/gen" -o "$tmp/c-x" --site-profile "$tmp/final.bsp" --min-line-share 0.3
check "  ... named" has "pruned for" "$tmp/stderr"
expect_rc "stricter thresholds are fine" 0 "$bin" clean "$tmp/gen" -o "$tmp/c-y" --site-profile "$tmp/final.bsp" --min-line-share 0.9 -q

# --- inspect
"$bin" inspect "$tmp/all.bsp" --top 3 >"$tmp/inspect.txt"
check "inspect totals" has "130 sites" "$tmp/inspect.txt"
site=$(awk 'NR==4{print $1}' "$tmp/inspect.txt")
expect_rc "inspect --site" 0 "$bin" inspect "$tmp/all.bsp" --site "$site" --top 5
check "inspect --site lists lines" test "$(grep -c '%$' "$tmp/stdout")" -eq 5
expect_rc "inspect --site --text" 0 "$bin" inspect "$tmp/all.bsp" --site "$site" --top 8 --text "$tmp/gen"
check "  ... shows the chrome's text" grep -qi ' menu$' "$tmp/stdout"
check "  ... every top line found" test "$(grep -c 'not found' "$tmp/stdout")" = 0
expect_rc "--text needs --site" 1 "$bin" inspect "$tmp/all.bsp" --text "$tmp/gen"
expect_rc "inspect unknown site" 2 "$bin" inspect "$tmp/all.bsp" --site no-such.example

# --- resume: an existing profile is kept
before=$(stat -c %Y "$tmp/p0.bsp")
sleep 1
expect_rc "re-run skips" 0 "$bin" profile "$tmp/gen" -o "$tmp/p0.bsp" --rank 0 --world-size 4
check "  ... says so" has "skipped" "$tmp/stderr"
check "  ... untouched" test "$(stat -c %Y "$tmp/p0.bsp")" = "$before"

# --- bad profiles: clear errors, exit 1, nothing written
size=$(stat -c %s "$tmp/all.bsp")
cp "$tmp/all.bsp" "$tmp/flip.bsp"
printf '\x55' | dd of="$tmp/flip.bsp" bs=1 seek=$((size / 2)) conv=notrunc status=none
cmp -s "$tmp/flip.bsp" "$tmp/all.bsp" && printf '\xaa' | dd of="$tmp/flip.bsp" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect_rc "flipped byte" 1 "$bin" clean "$tmp/gen" -o "$tmp/c-bad" --site-profile "$tmp/flip.bsp"
check "  ... corrupt named" has "flip.bsp: corrupt profile" "$tmp/stderr"
check "  ... no output" test ! -e "$tmp/c-bad"
head -c $((size - 5)) "$tmp/all.bsp" >"$tmp/trunc.bsp"
expect_rc "truncated" 1 "$bin" merge "$tmp/trunc.bsp" -o "$tmp/x.bsp"
check "  ... corrupt" has "corrupt profile\|trailer" "$tmp/stderr"
head -c 20 "$tmp/all.bsp" >"$tmp/short.bsp"
expect_rc "too short" 1 "$bin" inspect "$tmp/short.bsp"
expect_rc "not a profile" 1 "$bin" clean "$tmp/gen" -o "$tmp/c-bad" --site-profile "$tmp/gen/shard-00.jsonl"
check "  ... bad magic" has "not a boilerstrip profile" "$tmp/stderr"
python3 -c "import sys; d=bytearray(open(sys.argv[1],'rb').read()); d[8]=9; open(sys.argv[2],'wb').write(d)" "$tmp/all.bsp" "$tmp/v9.bsp"
expect_rc "future version" 1 "$bin" inspect "$tmp/v9.bsp"
check "  ... version named" has "format version 9" "$tmp/stderr"
expect_rc "missing profile" 1 "$bin" clean "$tmp/gen" -o "$tmp/c-bad" --site-profile "$tmp/nope.bsp"
expect_rc "profile: missing input" 1 "$bin" profile "$tmp/none.jsonl" -o "$tmp/x.bsp"
expect_rc "profile: no -o" 1 "$bin" profile "$tmp/gen"
expect_rc "bad share" 1 "$bin" merge --final --min-line-share 1.5 "$tmp/a.bsp" -o "$tmp/x.bsp"
expect_rc "bad min-site-docs" 1 "$bin" clean "$tmp/gen" -o "$tmp/c-bad" --site-profile "$tmp/all.bsp" --min-site-docs 0
printf '\x28\xb5\x2f\xfdnot zstd at all' >"$tmp/broken.jsonl.zst"
expect_rc "profile: corrupt zstd shard" 2 "$bin" profile "$tmp/broken.jsonl.zst" -o "$tmp/x.bsp"
check "  ... no profile written" test ! -e "$tmp/x.bsp"
# Bad records and records without a usable URL are counted, not fatal.
{
  echo '{"id":"a","url":"https://www.a-site.com/1","text":"Menu line\nArticle one words"}'
  echo 'not json'
  echo '{"id":"b","url":"https://a-site.com/2","text":7}'
  echo '{"id":"c","url":"https://co.uk/","text":"suffix only"}'
  echo '{"id":"d","url":"https://x.invalid/","text":"placeholder"}'
  echo '{"id":"e","text":"no url"}'
} >"$tmp/mixed.jsonl"
expect_rc "profile: mixed records" 0 "$bin" profile "$tmp/mixed.jsonl" -o "$tmp/mixed.bsp" --stats "$tmp/mixed.json"
check "  ... counted" python3 -c "
import json,sys; s=json.load(open('$tmp/mixed.json'))
sys.exit(not (s['records_in']==6 and s['records_profiled']==1 and s['records_bad']==2 and s['records_no_site']==3 and s['profile']['sites']==1))"

# Over-long records: skipped and counted, in a batch (1K limit) and streamed past (5 MB).
python3 -c "
import json
a = json.dumps({'url': 'https://big.com/1', 'text': 'x' * 5000000})
b = json.dumps({'url': 'https://big.com/2', 'text': 'Menu\\nshort'})
c = json.dumps({'url': 'https://big.com/3', 'text': 'y' * 3000})
print(a); print(b); print(c)" >"$tmp/long.jsonl"
expect_rc "profile: over-long records" 0 "$bin" profile "$tmp/long.jsonl" -o "$tmp/long.bsp" --max-record-size 1K --stats "$tmp/long.json"
check "  ... counted as bad" python3 -c "
import json,sys; s=json.load(open('$tmp/long.json'))
sys.exit(not (s['records_in']==3 and s['records_profiled']==1 and s['records_bad']==2))"

echo "site tests: $pass passed, $fails failed"
[ "$fails" -eq 0 ]

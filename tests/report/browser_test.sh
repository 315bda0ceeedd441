#!/usr/bin/env bash
# The report as a reader sees it: headless Chromium renders the report of the generated sample
# (with a hostile document) and of the seed page; checks on the rendered DOM (--dump-dom) and a
# screenshot, kept under the build directory. Skips (77), saying why, without Chromium.
# usage: browser_test.sh BOILERSTRIP SOURCE_DIR BUILD_DIR
set -u
bin=$1
src=$2
build=$3
shared="$src/../shared"
py=/usr/bin/python3
chromium=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$chromium" ]; then
  echo "SKIP: no chromium on PATH (Debian: apt-get install chromium)" >&2
  exit 77
fi
shots="$build/report-screenshots"
mkdir -p "$shots"
. "$(dirname "$0")/../cli/harness.sh"

# One headless Chromium, no network needed: root needs --no-sandbox; a private profile.
browse() {  # browse MODE HTML OUT [W,H]: MODE dom (the DOM to OUT) or shot (a PNG to OUT)
  local mode=$1 page=$2 out=$3 size=${4:-1280,2000}
  local common=(--headless --disable-gpu --no-sandbox --no-first-run --no-default-browser-check
                --disable-extensions --disable-background-networking --disable-sync
                --disable-dev-shm-usage --hide-scrollbars --user-data-dir="$tmp/profile"
                --window-size="$size")
  if [ "$mode" = dom ]; then
    timeout 120 "$chromium" "${common[@]}" --dump-dom "file://$page" >"$out" 2>"$tmp/chromium.log"
  else
    timeout 120 "$chromium" "${common[@]}" --screenshot="$out" "file://$page" >/dev/null 2>"$tmp/chromium.log"
  fi
  local rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "chromium $mode of $page: exit $rc" >&2
    tail -5 "$tmp/chromium.log" >&2
  fi
  return "$rc"
}

# The generated sample, with a hostile document of our own in front.
hostile='{"url": "https://evil.example.com/a", "text": "Attack page headline\n\nThe attackers wrote <script>alert(1)</script> into the comment box, and the page showed it.\n</style><img src=x onerror=alert(2)> and a \u202etxt.exe bidi override\nShare this\nSource link"}'
printf '%s\n' "$hostile" >"$tmp/sample.jsonl"
"$bin" gen --size 4M --seed 5 -o - 2>/dev/null >>"$tmp/sample.jsonl"
# The hostile document is sampled: the first record alone in its own shard, sample big enough.
printf '%s\n' "$hostile" >"$tmp/hostile.jsonl"
# Run from the temporary directory with relative paths, so that the pages (and the screenshots,
# one of which the README shows) name no directory of this machine.
ln -s "$src/patterns" "$tmp/patterns"
report() { (cd "$tmp" && "$bin" report -p patterns/default "$@" -q); }
report sample.jsonl -o sample.html --json sample.json || fails=$((fails + 1))
report hostile.jsonl -o hostile.html || fails=$((fails + 1))

if browse dom "$tmp/sample.html" "$tmp/sample.dom" && browse shot "$tmp/sample.html" "$shots/report-sample.png"; then
  check sample-dom "$py" - "$tmp/sample.json" "$tmp/sample.dom" <<'PY'
import html, json, re, sys
rep = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()
assert "<h1>boilerstrip report</h1>" in dom, "the page rendered"
# The charts are there and not empty.
reasons_svg = re.search(r'<svg[^>]*id="chart-reasons".*?</svg>', dom, re.S)
assert reasons_svg, "reason chart"
widths = [float(w) for w in re.findall(r'<rect class="bar" [^>]*width="([0-9.]+)"', reasons_svg.group(0))]
assert len(widths) == min(len(rep["reasons"]), 60) and all(w > 0 for w in widths), widths
share_svg = re.search(r'<svg[^>]*id="chart-share".*?</svg>', dom, re.S)
heights = [float(h) for h in re.findall(r'<rect class="hbar[^"]*" [^>]*height="([0-9.]+)"', share_svg.group(0))]
assert len(heights) == 21 and sum(h > 0 for h in heights) >= 3, heights
# Every reason of the JSON appears: a bar linking to its section, and the section.
for i, r in enumerate(rep["reasons"]):
    name = html.escape(r["name"], quote=False)
    assert re.search(r'<section class="reason" id="reason-%d-[^"]*"><h3><span class="sw [^"]*"></span>%s <span' % (i, re.escape(name)), dom), r["name"]
    if i < 60:
        assert 'href="#reason-%d-' % i in reasons_svg.group(0), r["name"]
assert len(re.findall(r'<article class="doc"', dom)) == len(rep["samples"]) == 50
assert re.search(r'<div class="ln rm [^"]*" title="removed: [^"]+"><span class="g"><a class="tag', dom)
PY
  check sample-screenshot "$py" - "$shots/report-sample.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "a PNG"
w, h = struct.unpack(">II", data[16:24])
assert w >= 1000 and h >= 1000, (w, h)
idat, pos = b"", 8
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
pixels = zlib.decompress(idat)
# Not a blank page: text, bars and colours make many distinct byte values in many rows.
assert len(set(pixels)) > 64, len(set(pixels))
PY
else
  fails=$((fails + 1))
fi

if browse dom "$tmp/hostile.html" "$tmp/hostile.dom"; then
  check hostile-literal "$py" - "$tmp/hostile.dom" <<'PY'
import re, sys
dom = open(sys.argv[1], encoding="utf-8").read()
low = dom.lower()
# Rendered as text: the DOM serializes text content escaped, and holds no such element.
assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom, "the script text is shown literally"
assert "<script" not in low and "<img" not in low, "no element made from the text"
assert "&lt;/style&gt;&lt;img src=x onerror=alert(2)&gt;" in dom
assert "\u202e" not in dom and "U+202E" in dom, "the bidi override is shown, not applied"
# Nothing loaded from outside: no src, no stylesheet link, no url(), no @import, links stay in the page.
assert not re.search(r'<[a-z][^>]*\ssrc\s*=', low), "a src attribute"
assert "<link" not in low and "url(" not in low and "@import" not in low
for href in re.findall(r'href="([^"]*)"', dom):
    assert href.startswith("#"), href
PY
else
  fails=$((fails + 1))
fi

if [ -d "$shared/seed-example" ]; then
  cp "$shared/seed-example/seed.jsonl" "$tmp/seed.jsonl"
  report seed.jsonl -o seed.html --json seed.json || fails=$((fails + 1))
  if browse dom "$tmp/seed.html" "$tmp/seed.dom" && browse shot "$tmp/seed.html" "$shots/report-seed.png" 1280,3300; then
    check seed-source-link "$py" - "$tmp/seed.json" "$tmp/seed.dom" <<'PY'
import json, re, sys
rep = json.load(open(sys.argv[1]))
dom = open(sys.argv[2], encoding="utf-8").read()
rule = [l for l in rep["samples"][0]["shown"] if l.get("text", "").startswith("Source link")][0]["removed"]
assert rule and rule not in ("classifier", "layout"), rule
# The line is struck through (<del>), labelled with its rule, in the rule's colour.
m = re.search(r'<div class="ln rm (k\d+)" title="removed: %s"><span class="g"><a class="tag \1" href="#reason-\d+-[^"]*">%s</a></span><del class="t">Source link</del></div>'
              % (re.escape(rule), re.escape(rule)), dom)
assert m, "Source link struck through with its rule " + rule
PY
  else
    fails=$((fails + 1))
  fi
else
  echo "note: ../shared/seed-example absent, seed report not rendered" >&2
fi

echo "report browser: $pass passed, $fails failed; screenshots in $shots"
[ "$fails" -eq 0 ]

#!/usr/bin/env bash
# Removal quality on the realweb pages (../shared/data/realweb): the published baselines, the
# project's configurations, and trade-off curves of the classifier's main threshold and of the
# comment-section cut. Prints a Markdown report on stdout.
#
# usage: bench/quality.sh [BUILD_DIR] [SHARED_DIR] > bench/results/quality.md
#   BUILD_DIR   where the boilerstrip binary was built (default: build)
#   SHARED_DIR  the shared data directory (default: ../shared)
# Exits 77 (skipped) when the realweb set or its scorer is absent.
set -euo pipefail

source "$(dirname "$0")/lib.sh"  # root, need_realweb (its build and bin are reset below)
cd "$root"
build=${1:-build}
shared=${2:-../shared}
bin="$build/boilerstrip"
pages="$shared/data/realweb/pages.jsonl.zst"
scorer="$shared/tools/realweb-score"

need_realweb quality.sh "$shared" "$bin"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs the cleaner on PAGES_FILE with the given flags and prints the scorer's ALL row as a table
# row. usage: row_of PAGES_FILE LABEL FLAGS...
row_of() {
  local in=$1 label=$2
  shift 2
  rm -rf "$work/out"
  "$bin" clean "$in" -o "$work/out" -q -T0 "$@"
  "$scorer" "$in" "$work/out/$(basename "$in")" "$(dirname "$pages")/truth.jsonl" |
    awk -v l="$label" '$1 == "ALL" { all = $3 " | " $4 " | " $5 " | " $6 }
                       $1 == "MEAN" { printf "| %s | %s | %s | %s |\n", l, all, $3, $4 }'
}
row() { row_of "$pages" "$@"; }

# Two halves of the pages by the parity of an MD5 of the page id: tune on one, confirm on the
# other (half 0 was used to choose the defaults).
python3 - "$pages" "$work" <<'PY'
import hashlib, json, subprocess, sys
data = subprocess.run(["zstd", "-dcq", sys.argv[1]], check=True, capture_output=True).stdout
halves = [[], []]
for line in data.split(b"\n"):
    if line.strip():
        pid = json.loads(line)["id"].encode()
        halves[int(hashlib.md5(pid).hexdigest(), 16) & 1].append(line)
for h in (0, 1):
    with open(f"{sys.argv[2]}/half{h}.jsonl", "wb") as f:
        f.write(b"\n".join(halves[h]) + b"\n")
PY

echo "# Removal quality on realweb"
echo
echo "Scored with \`tools/realweb-score\` (char-weighted, and page means: each page weighs the same; 1,091 pages; see shared/data/realweb/README.md)."
echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%d)."
echo
echo "| method | content kept | boilerplate removed | precision | F1 | page means: content kept | page means: boilerplate removed |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
echo "| baseline: keep everything (published) | 1.000 | 0.000 | 0.360 | 0.529 | | |"
echo "| baseline: C4 line rules, datatrove (published) | 0.815 | 0.626 | 0.551 | 0.658 | | |"
echo "| baseline: CCNet repeated lines (published) | 0.984 | 0.436 | 0.495 | 0.659 | | |"
echo "| baseline: site-repeated lines + C4 (published) | 0.810 | 0.698 | 0.601 | 0.690 | | |"
"$scorer" "$pages" "$pages" |
  awk '$1 == "ALL" { printf "| keep everything (measured) | %s | %s | %s | %s | 1.000 | 0.000 |\n", $3, $4, $5, $6 }'
row "default (rules + classifier + dedup)"
row_of "$work/half0.jsonl" "default, half 0 (tuning half)"
row_of "$work/half1.jsonl" "default, half 1 (confirming half)"
# Halves by site (registrable domain; scripts/train-line-model.py --write-halves): the line
# model was trained and its threshold chosen on half 0, and is confirmed on half 1.
if /usr/bin/python3 scripts/train-line-model.py --shared "$shared" --write-halves "$work/site" 2>/dev/null; then
  row_of "$work/site/half0.jsonl" "default, site half 0 (line model trained here)"
  row_of "$work/site/half1.jsonl" "default, site half 1 (confirming half)"
  row_of "$work/site/half0.jsonl" "default --no-line-model, site half 0" --no-line-model
  row_of "$work/site/half1.jsonl" "default --no-line-model, site half 1" --no-line-model
fi
row "default, --no-line-model (the structural classifier alone)" --no-line-model
row "default, --no-classifier" --no-classifier
row_of "$work/half0.jsonl" "default, --no-classifier, half 0" --no-classifier
row_of "$work/half1.jsonl" "default, --no-classifier, half 1" --no-classifier
row "default, --truncate-after-prose 0 (comment cut in the tail only)" --truncate-after-prose 0
row "default, --truncate-after-prose 3000 (the default before)" --truncate-after-prose 3000
row "default, --classifier-comments 3 (comment sections by their metadata lines)" --classifier-comments 3
row_of "$work/half0.jsonl" "default, --classifier-comments 3, half 0" --classifier-comments 3
row_of "$work/half1.jsonl" "default, --classifier-comments 3, half 1" --classifier-comments 3
row "default, --no-title-headline" --no-title-headline
row "-p c4" -p c4
row "-p c4 --classifier --dedup" -p c4 --classifier --dedup
echo
echo "## Classifier: short-line threshold (--classifier-short N)"
echo
echo "| N | content kept | boilerplate removed | precision | F1 | page means: content kept | page means: boilerplate removed |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for n in 20 30 40 50 60 80 100; do row "$n" --classifier-short "$n"; done
echo
echo "## Classifier: stopword share of prose (--classifier-stopwords F)"
echo
echo "| F | content kept | boilerplate removed | precision | F1 | page means: content kept | page means: boilerplate removed |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for f in 0.1 0.2 0.25 0.3 0.4; do row "$f" --classifier-stopwords "$f"; done
echo
echo "## Classifier: small prose blocks away from the article (--classifier-block B, --classifier-block-gap N)"
echo
echo "| B, N | content kept | boilerplate removed | precision | F1 | page means: content kept | page means: boilerplate removed |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for b in 0 200 400 1000; do for g in 8 12 20; do
  [[ $b == 0 && $g != 12 ]] && continue
  row "$b, $g" --classifier-block "$b" --classifier-block-gap "$g"
done; done
echo
echo "## Comment-section cut: prose bytes before a truncate line (--truncate-after-prose B)"
echo
echo "| B | content kept | boilerplate removed | precision | F1 | page means: content kept | page means: boilerplate removed |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for b in 0 1000 2000 3000 5000 8000; do row "$b" --truncate-after-prose "$b"; done
echo
echo "## Classifier cost (one worker, realweb repeated ${REPEAT:=6} times)"
echo
# Best of 3 runs each, alternating; user CPU seconds are steadier than wall time on a shared
# machine. Both include the rule compile at startup (the same in both modes).
zstd -dcq "$pages" > "$work/one.jsonl"
for ((i = 0; i < REPEAT; ++i)); do cat "$work/one.jsonl"; done | zstd -q -3 -o "$work/big.jsonl.zst"
mb=$(awk -v b="$(wc -c < "$work/one.jsonl")" -v r="$REPEAT" 'BEGIN { printf "%.1f", b * r / 1e6 }')
declare -A best_user best_wall
for i in 1 2 3; do
  for mode in --no-classifier --classifier; do
    t=$( { /usr/bin/time -f "%U %e" "$bin" clean "$work/big.jsonl.zst" -o "$work/bigout" -f -q -T1 "$mode"; } 2>&1 | tail -1)
    u=${t% *}; w=${t#* }
    if [[ -z "${best_user[$mode]:-}" ]] || awk -v a="$u" -v b="${best_user[$mode]}" 'BEGIN { exit !(a < b) }'; then best_user[$mode]=$u; fi
    if [[ -z "${best_wall[$mode]:-}" ]] || awk -v a="$w" -v b="${best_wall[$mode]}" 'BEGIN { exit !(a < b) }'; then best_wall[$mode]=$w; fi
  done
done
echo "Input: ${mb} MB uncompressed; \`boilerstrip clean -T1 -f -q\`, best of 3."
echo
echo "| mode | user s | wall s |"
echo "| --- | --- | --- |"
for mode in --no-classifier --classifier; do
  echo "| $mode | ${best_user[$mode]} | ${best_wall[$mode]} |"
done
awk -v a="${best_user[--no-classifier]}" -v b="${best_user[--classifier]}" \
    -v c="${best_wall[--no-classifier]}" -v d="${best_wall[--classifier]}" \
    'BEGIN { printf "\nClassifier cost: %+.1f%% user time, %+.1f%% wall time.\n", 100 * (b / a - 1), 100 * (d / c - 1) }'
echo
echo "CPU: $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); compiler: $(c++ --version | head -1)."

#!/usr/bin/env bash
# Quality against CPU for the configurations one can choose today (issue 15): for each, page
# means on the realweb pages (both halves by site, as scripts/train-line-model.py splits them,
# and all pages) and the CPU per byte of the uncompressed run at -T1 on the pages repeated to
# about 110 MB. Prints a Markdown table on stdout.
#
# usage: bench/frontier.sh [BUILD_DIR] [SHARED_DIR] [RUNS] > bench/results/DATE-frontier-configs.md
# Exits 77 (skipped) when the realweb set or its scorer is absent.
set -euo pipefail

source "$(dirname "$0")/lib.sh"  # root, measure, median, need_realweb (its build and bin are reset below)
cd "$root"
build=${1:-build}
shared=${2:-../shared}
runs=${3:-3}
bin="$build/boilerstrip"
pages="$shared/data/realweb/pages.jsonl.zst"
truth="$shared/data/realweb/truth.jsonl"
scorer="$shared/tools/realweb-score"
python=/usr/bin/python3  # Debian's: the split reads Debian's public suffix list only

need_realweb frontier.sh "$shared" "$bin"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" scripts/train-line-model.py --shared "$shared" --write-halves "$work" 2>/dev/null
zstd -dcq "$pages" > "$work/all.jsonl"
for _ in $(seq 10); do cat "$work/all.jsonl"; done > "$work/big.jsonl"
mb=$(stat -c %s "$work/big.jsonl" | awk '{ printf "%.1f", $1 / 1e6 }')

# The scorer's MEAN row (content kept / boilerplate removed) for one input. usage: mean IN FLAGS...
mean() {
  local in=$1
  shift
  rm -rf "$work/out"
  "$bin" clean "$in" -o "$work/out" -q -f -T0 "$@"
  "$scorer" "$in" "$work/out/$(basename "$in")" "$truth" |
    awk '$1 == "MEAN" { printf "%s / %s", $3, $4 }'
}

# Median user+sys seconds of RUNS runs over the repeated pages. usage: cpu FLAGS...
cpu() {
  local t=()
  local cmd
  cmd="$(printf '%q ' "$bin" clean -q --no-progress -T1 "$@" -o - "$work/big.jsonl") > /dev/null"
  for _ in $(seq "$runs"); do
    t+=("$(measure "$cmd" | awk '{ print $2 + $3 }')")  # lib.sh: wall user sys maxrss
  done
  printf '%s\n' "${t[@]}" | median
}

echo "# Quality against CPU: the configurations one can run today"
echo
echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M') UTC,"
echo "\`bench/frontier.sh $build $shared $runs\`. Quality: page means of \`realweb-score\`"
echo "(content kept / boilerplate removed), halves by site as \`scripts/train-line-model.py\`"
echo "splits them (half 0 tuned the defaults and trained the line model). CPU: user+sys seconds"
echo "of \`clean -T1\` over the pages repeated 10 times ($mb MB of \`.jsonl\`, written to"
echo "/dev/null), median of $runs runs; MB per CPU-second is the issue's speed measure (target 250)."
echo
echo "| configuration | flags | half 0 | half 1 | all | CPU s | MB per CPU-s |"
echo "| --- | --- | --- | --- | --- | ---: | ---: |"
while IFS='|' read -r label flags; do
  read -r -a f <<< "$flags"
  h0=$(mean "$work/half0.jsonl" "${f[@]}")
  h1=$(mean "$work/half1.jsonl" "${f[@]}")
  all=$(mean "$work/all.jsonl" "${f[@]}")
  s=$(cpu "${f[@]}")
  speed=$(awk -v s="$s" -v mb="$mb" 'BEGIN { printf "%.0f", mb / s }')
  echo "| $label | \`${flags:-(none)}\` | $h0 | $h1 | $all | $s | $speed |"
done <<'EOF'
default (rules, classifier, line model, dedup)|
no line model|--no-line-model
no dedup|--no-dedup
rules and dedup only (no classifier)|--no-classifier
classifier, line model and dedup (no rules)|-p none
classifier and dedup (no rules, no model)|-p none --no-line-model
C4's line rules (preset)|-p c4
nothing removed (the floor: parse and write)|-p none --no-classifier --no-dedup
EOF

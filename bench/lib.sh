# Shared by the bench scripts, sourced after `set -euo pipefail`:
#   root   the project's root (this file's folder's parent)
#   build  $BUILD (default build), relative to root unless absolute
#   bin    the boilerstrip binary in it
#   measure CMDLINE   runs a shell command line under GNU time ($TIME, /usr/bin/time); prints
#                     "wall user sys maxrss_kb". The shell is timed with its children, so a
#                     pipeline's CPU is the sum of its processes.
#   median            the median of the numbers on standard input, one a line
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD:-build}
[[ $build = /* ]] || build=$root/$build
bin=$build/boilerstrip
TIME=/usr/bin/time

measure() {
  local f
  f=$(mktemp)
  "$TIME" -f '%e %U %S %M' -o "$f" bash -c "$1"
  cat "$f"
  rm -f "$f"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# need_realweb NAME SHARED BIN: exits 77 (skipped) when SHARED lacks the realweb pages or their
# scorer, 1 when BIN is not built; NAME labels the messages.
need_realweb() {
  if [[ ! -f "$2/data/realweb/pages.jsonl.zst" || ! -x "$2/tools/realweb-score" ]]; then
    echo "$1: the realweb pages or their scorer are absent under $2; skipped" >&2
    exit 77
  fi
  [[ -x "$3" ]] || { echo "$1: $3 not built" >&2; exit 1; }
}

#!/usr/bin/env bash
# `make install` into a temporary prefix, then the installed binary, moved elsewhere and run
# from another directory with the source and build trees out of reach, cleans the seed page to
# its golden output and finds its presets (they are built into it).
# usage: install_test.sh CMAKE BUILD_DIR SOURCE_DIR
set -u
cmake=$1
build=$2
src=$3
shared="$src/../shared"
. "$(dirname "$0")/harness.sh"

"$cmake" --install "$build" --prefix "$tmp/prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; exit 1; }
check installed-binary [ -x "$tmp/prefix/bin/boilerstrip" ]
for f in "$src"/patterns/*/*.rules "$src/patterns/README.md"; do
  rel=${f#"$src"/patterns/}
  check "installed-$rel" cmp -s "$f" "$tmp/prefix/share/boilerstrip/patterns/$rel"
done

# Moved after installing, like a copy on a shared file system.
mv "$tmp/prefix" "$tmp/moved"
bin=$tmp/moved/bin/boilerstrip
mkdir -p "$tmp/data" "$tmp/elsewhere"
have_seed=0
if [ -f "$shared/seed-example/seed.jsonl" ]; then
  cp "$shared/seed-example/seed.jsonl" "$shared/seed-example/expected.jsonl" "$tmp/data/"
  have_seed=1
else
  echo "note: ../shared absent, seed golden part skipped" >&2
fi
printf '{"id":1,"text":"A headline about the harbour\\n\\nThe harbour reopened on Monday after repairs.\\nShare this\\nPosted in News"}\n' >"$tmp/data/own.jsonl"

# Runs "$@" with the source and build trees hidden under empty file systems (a private mount
# namespace; root only), else just from another directory.
hidden=0
if [ "$(id -u)" = 0 ] && unshare -m true 2>/dev/null; then hidden=1; fi
run_away() {
  if [ "$hidden" = 1 ]; then
    unshare -m sh -c 'mount -t tmpfs none "$2" && mount -t tmpfs none "$1" && shift 2 && cd "$0" && exec "$@"' \
      "$tmp/elsewhere" "$src" "$build" "$@"
  else
    (cd "$tmp/elsewhere" && "$@")
  fi
}
[ "$hidden" = 1 ] || echo "note: cannot hide the source tree (not root or no unshare); ran from another directory" >&2
if [ "$hidden" = 1 ]; then
  check source-tree-really-hidden run_away sh -c "[ ! -e '$src/patterns/default' ] && [ ! -e '$src/CMakeLists.txt' ]"
fi

check installed-check-default run_away "$bin" check -q default
check installed-check-c4 run_away "$bin" check -q c4
check installed-clean-c4 run_away "$bin" clean -q -p c4 "$tmp/data/own.jsonl" -o "$tmp/out-c4"
check installed-clean-c4-output [ -s "$tmp/out-c4/own.jsonl" ]
check installed-clean-default run_away "$bin" clean -q "$tmp/data/own.jsonl" -o "$tmp/out-default"
check installed-clean-default-removes sh -c "! grep -q 'Share this' '$tmp/out-default/own.jsonl'"
# The installed rule files are still there to read and copy: -p with their path works too.
check installed-rule-files-usable run_away "$bin" check -q "$tmp/moved/share/boilerstrip/patterns/default"
if [ "$have_seed" = 1 ]; then
  check installed-seed-clean run_away "$bin" clean -q "$tmp/data/seed.jsonl" -o "$tmp/out-seed"
  check installed-seed-golden cmp -s "$tmp/out-seed/seed.jsonl" "$tmp/data/expected.jsonl"
fi

echo "install: $pass passed, $fails failed"
[ "$fails" -eq 0 ]

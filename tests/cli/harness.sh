# The shell tests' harness, sourced by each tests/**/*_test.sh: a scratch directory removed on
# exit, and two checks that count passes and failures (the script ends with
# `[ "$fails" -eq 0 ]`). expect_rc leaves the command's output in $tmp/stdout and $tmp/stderr.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
pass=0
check() {  # check NAME CONDITION...
  local name=$1
  shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name" >&2; fails=$((fails + 1)); fi
}
expect_rc() {  # expect_rc NAME WANT CMD...
  local name=$1 want=$2
  shift 2
  "$@" >"$tmp/stdout" 2>"$tmp/stderr"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL: $name: exit $rc, want $want; stdout, stderr:" >&2
    cat "$tmp/stdout" "$tmp/stderr" >&2
    fails=$((fails + 1))
  else
    pass=$((pass + 1))
  fi
}

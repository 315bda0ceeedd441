#!/usr/bin/env bash
# Submits a boilerstrip run to Slurm and prints the job ids (docs/cluster.md).
#
#   submit.sh clean TASKS OUT WORK INPUT...   clean only: an array of TASKS tasks, then summary
#   submit.sh chain TASKS OUT WORK INPUT...   profile (array) → merge → clean (array) → summary
#
# INPUT: shard files or directories (every task lists and sorts them the same way, then takes
# its share files[R::TASKS]). OUT: cleaned shards. WORK: profiles, stats and logs
# (WORK/logs/<job>-<array job>_<task>.log).
# Environment: BOILERSTRIP (default: boilerstrip on PATH), SBATCH_ARGS (e.g. "-p batch
# -t 4:00:00"), PROFILE_FLAGS, MERGE_FLAGS (e.g. "--final"), CLEAN_FLAGS; see each *.sbatch.
# ARRAY: the arrays' ids, a range START-END[:STEP][%LIMIT] of exactly TASKS ids (default
# 0-<TASKS-1>; e.g. 1-64 where ids must start at 1). Tasks work by position in it, not by id.
# Each dependent job has --dependency=afterok and --kill-on-invalid-dep=yes: a failed stage
# cancels the rest instead of leaving it pending forever. Re-submitting resumes: existing
# profiles and cleaned shards are kept (shards cleaned with other options, or another
# SITE_PROFILE, stop the clean tasks naming the difference: add --resume=redo-changed to
# CLEAN_FLAGS to redo them).
set -euo pipefail
[ $# -ge 5 ] || { sed -n '2,18p' "$0" >&2; exit 2; }
mode=$1 TASKS=$2 OUT=$3 WORK=$4
shift 4
case "$mode" in clean|chain) ;; *) echo "submit.sh: mode must be clean or chain" >&2; exit 2 ;; esac
[[ "$TASKS" =~ ^[1-9][0-9]*$ ]] || { echo "submit.sh: TASKS must be a positive integer" >&2; exit 2; }
ARRAY=${ARRAY:-0-$((TASKS - 1))}
# A range, never an index list (1,5,9): a task's share is its position (ID - MIN) / STEP.
[[ "$ARRAY" =~ ^([0-9]+)(-([0-9]+)(:([0-9]+))?)?(%[1-9][0-9]*)?$ ]] ||
  { echo "submit.sh: ARRAY must be a range START-END[:STEP][%LIMIT], got '$ARRAY'" >&2; exit 2; }
lo=$((10#${BASH_REMATCH[1]})) hi=$((10#${BASH_REMATCH[3]:-${BASH_REMATCH[1]}})) step=$((10#${BASH_REMATCH[5]:-1}))
if [ "$step" -lt 1 ] || [ "$hi" -lt "$lo" ] || [ $(( (hi - lo) / step + 1 )) -ne "$TASKS" ]; then
  echo "submit.sh: ARRAY=$ARRAY holds $(( hi >= lo && step > 0 ? (hi - lo) / step + 1 : 0 )) ids, not TASKS=$TASKS" >&2
  exit 2
fi
SCRIPTS=$(cd "$(dirname "$0")" && pwd)
BOILERSTRIP=${BOILERSTRIP:-$(command -v boilerstrip || true)}
[ -x "$BOILERSTRIP" ] || { echo "submit.sh: set BOILERSTRIP to the binary" >&2; exit 2; }
abs() { local p; for p in "$@"; do realpath -m -- "$p"; done; }
INPUT=$(abs "$@" | tr '\n' ' ')
OUT=$(abs "$OUT") WORK=$(abs "$WORK") BOILERSTRIP=$(abs "$BOILERSTRIP")
mkdir -p "$WORK/logs" "$WORK/stats" "$OUT"
export BOILERSTRIP INPUT OUT WORK TASKS SCRIPTS PARTS=$TASKS
# shellcheck disable=SC2206
common=(--parsable ${SBATCH_ARGS:-})
array=(--array="$ARRAY" -o "$WORK/logs/%x-%A_%a.log")
dep=()
if [ "$mode" = chain ]; then
  PROFILE=$(sbatch "${common[@]}" "${array[@]}" "$SCRIPTS/profile.sbatch")
  MERGE=$(sbatch "${common[@]}" -o "$WORK/logs/%x-%j.log" --kill-on-invalid-dep=yes \
    --dependency="afterok:$PROFILE" "$SCRIPTS/merge.sbatch")
  export SITE_PROFILE="$WORK/site.bsp"
  dep=(--kill-on-invalid-dep=yes --dependency="afterok:$MERGE")
  echo "profile $PROFILE"
  echo "merge $MERGE"
fi
CLEAN=$(sbatch "${common[@]}" "${array[@]}" "${dep[@]}" "$SCRIPTS/clean.sbatch")
# afterany: the summary also reports a partly failed clean; it fails itself in that case.
SUMMARY=$(sbatch "${common[@]}" -o "$WORK/logs/%x-%j.log" --kill-on-invalid-dep=yes \
  --dependency="afterany:$CLEAN" "$SCRIPTS/summary.sbatch")
echo "clean $CLEAN"
echo "summary $SUMMARY"

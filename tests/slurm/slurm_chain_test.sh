#!/usr/bin/env bash
# A real Slurm in the tests: starts a private single-node cluster on 127.0.0.1 (slurmctld +
# slurmd, munge; apt-installed when missing), runs scripts/slurm/submit.sh's chain
# profile (4-task array) → merge → clean (4-task array) → summary over generated multi-site
# shards, and checks that the profile, every cleaned shard and the summed stats equal a single
# local run's. Then a resume (everything skipped, summary still complete); clean arrays whose ids
# do not start at 0 (--array=1-4, 0-6:2, 5-8: each shard cleaned exactly once, the same bytes
# and stats as a local run) and an index list (0,1,5: every task fails, asking for --rank);
# and a failing chain (a corrupt shard: the map fails, the rest is cancelled, the summary fails).
# Daemons are stopped by the PIDs they wrote, at exit.
#
# usage: slurm_chain_test.sh BOILERSTRIP SOURCE_DIR
# Exit 77 (skipped) when not root, or Slurm cannot be installed or started here.
# Environment: BOILERSTRIP_SLURM_TEST=0 skips it.
set -u
bin=$(realpath "$1")
src=$(realpath "$2")
skip() { echo "slurm test skipped: $*"; exit 77; }
[ "${BOILERSTRIP_SLURM_TEST:-1}" = 0 ] && skip "BOILERSTRIP_SLURM_TEST=0"
[ "$(id -u)" = 0 ] || skip "needs root (daemons, apt)"
command -v python3 >/dev/null || skip "python3 missing"
command -v zstd >/dev/null || skip "zstd missing"

T0=$(date +%s.%N)
t() { awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%5.1fs", b-a}'; }
log() { echo "[$(t)] $*"; }

# ------------------------------------------------------------------ install when missing
need=0
for b in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/bin/sbatch /usr/sbin/munged; do
  [ -x "$b" ] || need=1
done
if [ "$need" = 1 ]; then
  command -v apt-get >/dev/null || skip "no slurm and no apt-get"
  log "installing slurm-wlm and munge"
  policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then  # keep postinst from starting services
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=1
  fi
  ok=0
  for try in 1 2; do
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
      --no-install-recommends slurm-wlm munge >/dev/null 2>&1 && { ok=1; break; }
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1
  done
  [ "$policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  [ "$ok" = 1 ] || skip "apt-get install slurm-wlm munge failed (offline?)"
fi

tmp=$(mktemp -d /tmp/boilerstrip-slurm-XXXXXX)
chmod 755 "$tmp"
S=$tmp/slurm
M=$tmp/munge
export SLURM_CONF=$S/slurm.conf
started_munged=""

running() {  # PID alive and not a zombie (kill -0 succeeds on zombies)
  local st
  st=$(sed -e 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
pid_of() {  # pid_of PIDFILE COMM: the pid when alive and named COMM
  local pid
  [ -r "$1" ] || return 1
  pid=$(tr -dc '0-9' <"$1")
  [ -n "$pid" ] && running "$pid" && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ] && echo "$pid"
}
wait_for() {  # wait_for SECONDS CMD...
  local end=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$end" ] || return 1
    sleep 0.2
  done
}
stop_pid() {  # TERM, then KILL after 15 s
  local pid=$1 i
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null
  for i in $(seq 75); do running "$pid" || return 0; sleep 0.2; done
  kill -KILL "$pid" 2>/dev/null
}
cleanup() {
  local ctld slurmd
  ctld=$(pid_of "$S/slurmctld.pid" slurmctld)
  slurmd=$(pid_of "$S/slurmd.pid" slurmd)
  if [ -n "$ctld" ]; then
    ids=$(squeue -h -o %A 2>/dev/null | sort -u | tr '\n' ' ')
    # shellcheck disable=SC2086
    [ -n "${ids// /}" ] && scancel $ids 2>/dev/null
  fi
  stop_pid "$slurmd"
  stop_pid "$ctld"
  [ -n "$started_munged" ] && stop_pid "$started_munged"
  [ "${KEEP:-0}" = 1 ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
die() {
  echo "FAIL: $*" >&2
  for f in "$S"/log/*.log; do [ -r "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }; done
  exit 1
}

# ------------------------------------------------------------------ private cluster
# Free ports, so that another cluster on this machine (the default 6817/6818) is left alone.
read -r CTLD_PORT SLURMD_PORT < <(python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*[x.getsockname()[1] for x in s])')
mkdir -p "$S/ctld" "$S/d" "$S/log"
HW=$(slurmd -C 2>/dev/null | head -n1 | sed -e 's/^NodeName=[^ ]* *//')
case "$HW" in *CPUs=*RealMemory=*) ;; *) HW="CPUs=$(nproc) RealMemory=$(free -m | awk '/^Mem:/{print $2}')" ;; esac
comm=""
# These bind to the address `hostname` resolves to: only safe when that is 127.0.0.1.
[ "$(getent ahostsv4 "$(hostname)" 2>/dev/null | awk 'NR==1{print $1}')" = 127.0.0.1 ] &&
  comm="CommunicationParameters=NoCtldInAddrAny,NoInAddrAny"
cat >"$SLURM_CONF" <<EOF
ClusterName=bstest
SlurmctldHost=localhost(127.0.0.1)
SlurmUser=root
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
$comm
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$M/munge.socket
StateSaveLocation=$S/ctld
SlurmdSpoolDir=$S/d
SlurmctldPidFile=$S/slurmctld.pid
SlurmdPidFile=$S/slurmd.pid
SlurmctldLogFile=$S/log/slurmctld.log
SlurmdLogFile=$S/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
MailProg=/bin/true
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
DependencyParameters=kill_invalid_depend
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MinJobAge=600
KillWait=5
NodeName=localhost NodeAddr=127.0.0.1 $HW State=UNKNOWN
PartitionName=test Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

# A private munged on its own socket: neither the system's munged nor another run of this test
# on the machine serves this cluster, and stopping one never breaks the other.
install -d -o munge -g munge -m 0700 /etc/munge
install -d -o munge -g munge -m 0755 "$M"  # munged wants its socket directory searchable by all
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
fi
chown munge:munge /etc/munge/munge.key && chmod 0400 /etc/munge/munge.key
runuser -u munge -- /usr/sbin/munged --socket="$M/munge.socket" --pid-file="$M/munged.pid" \
  --seed-file="$M/munged.seed" --log-file="$M/munged.log" || skip "munged does not start"
wait_for 10 pid_of "$M/munged.pid" munged || skip "munged does not start"
started_munged=$(pid_of "$M/munged.pid" munged)
wait_for 10 sh -c "munge -S '$M/munge.socket' -n | unmunge -S '$M/munge.socket'" ||
  skip "munge does not work"
/usr/sbin/slurmctld -c -f "$SLURM_CONF" || skip "slurmctld does not start"
wait_for 30 pid_of "$S/slurmctld.pid" slurmctld || die "slurmctld did not start"
wait_for 30 sh -c 'scontrol ping | grep -q "is UP"' || die "slurmctld does not answer"
/usr/sbin/slurmd -f "$SLURM_CONF" -N localhost || die "slurmd does not start"
wait_for 30 pid_of "$S/slurmd.pid" slurmd || die "slurmd did not start"
wait_for 30 sh -c 'sinfo -h -N -o %T | grep -q -E "idle|mixed|alloc"' || die "node not idle"
log "cluster up (ports $CTLD_PORT/$SLURMD_PORT)"

# slurm_wait_ok JOBID...: wait until the jobs left the queue; 0 when all ended COMPLETED
# (sbatch --wait reports 0 for a cancelled job; see the recipe's notes).
slurm_wait_ok() {
  local ids j rc=0
  ids=$(IFS=,; echo "$*")
  local end=$(($(date +%s) + 240))
  while squeue -h -j "$ids" -t PD,R,CG,CF,S,RQ,RS 2>/dev/null | grep -q .; do
    [ "$(date +%s)" -lt "$end" ] || { echo "timeout waiting for $ids" >&2; return 2; }
    sleep 0.3
  done
  for j in "$@"; do
    scontrol show job -o "$j" | grep -v 'JobState=COMPLETED ' | grep -q . && rc=1
  done
  return $rc
}
job_states() { scontrol show job -o "$1" | grep -o 'JobState=[A-Z_]*' | sort | uniq -c | tr -s ' \n' ' '; }

# ------------------------------------------------------------------ data and the local reference
fails=0
check() { local name=$1; shift; if "$@"; then log "ok   $name"; else echo "FAIL: $name" >&2; fails=$((fails + 1)); fi; }
python3 "$src/scripts/gen-sites.py" "$tmp/gen" --sites 40 --small-sites 6 --shards 8 --seed 3
for k in 01 04 06; do zstd -q --rm "$tmp/gen/shard-$k.jsonl"; done  # mixed plain and .zst shards
mv "$tmp/gen/truth.json" "$tmp/truth.json"  # a directory's *.json files are shards too
"$bin" profile "$tmp/gen" -o "$tmp/local.bsp" -q || die "local profile"
"$bin" clean "$tmp/gen" -o "$tmp/local" --site-profile "$tmp/local.bsp" --stats "$tmp/local.json" -q ||
  die "local clean"

# ------------------------------------------------------------------ the chain on Slurm
export BOILERSTRIP=$bin
# GROUP=3: merge.sbatch merges the 4 parts in groups (3 + 1) first; same bytes expected.
# ARRAY=1-4: array ids from 1; the profile parts are still part-0..3, by position (rank).
ids=$(cd "$tmp" && GROUP=3 ARRAY=1-4 "$src/scripts/slurm/submit.sh" chain 4 "$tmp/out" "$tmp/work" "$tmp/gen") || die "submit"
echo "$ids"
declare -A job
while read -r name id; do job[$name]=$id; done <<<"$ids"
slurm_wait_ok "${job[profile]}" "${job[merge]}" "${job[clean]}" "${job[summary]}" ||
  die "chain did not complete: $(for n in profile merge clean summary; do echo "$n: $(job_states "${job[$n]}")"; done)"
log "chain done"
check "4 profile parts" test "$(ls "$tmp/work/profiles" | grep -c '^part-[0-3]\.bsp$')" = 4
check "merged profile (in groups) = local profile" cmp "$tmp/work/site.bsp" "$tmp/local.bsp"
check "merge went through 2 groups" grep -q "merged 2 profiles" "$tmp/work/logs/bs-merge-${job[merge]}.log"
check "group files removed" test -z "$(ls "$tmp/work/profiles" | grep group)"
for f in "$tmp"/local/*; do
  check "$(basename "$f") = local" cmp "$f" "$tmp/out/$(basename "$f")"
done
check "same outputs" test "$(ls "$tmp/local" | tr '\n' ' ')" = "$(ls "$tmp/out" | tr '\n' ' ')"
check "a log per task" test "$(ls "$tmp/work/logs" | grep -c 'bs-clean-.*_[1-4]\.log')" = 4
same_total() {  # same_total SUMMARY [LOCAL]: the totals are equal (but seconds)
  python3 - "$1" "${2:-$tmp/local.json}" <<'EOF'
import json, sys
a = json.load(open(sys.argv[1]))["total"]; b = json.load(open(sys.argv[2]))["total"]
for d in (a, b):
    for k in ("seconds", "cpu_seconds", "serial_cpu_seconds"): d.pop(k, None)
a, b = ({k: v for k, v in d.items() if not (isinstance(v, dict) and not v)} for d in (a, b))
sys.exit(0 if a == b else (print(a, b, sep="\n") or 1))
EOF
}
check "summed stats = local stats" same_total "$tmp/work/stats.json"
check "site-repeated did the work" grep -q '"site-repeated"' "$tmp/work/stats.json"

# ------------------------------------------------------------------ resume: all skipped
# With the same site profile: outputs made with other options are an error, not a skip.
ids=$(cd "$tmp" && SITE_PROFILE="$tmp/work/site.bsp" "$src/scripts/slurm/submit.sh" clean 4 "$tmp/out" "$tmp/work" "$tmp/gen") || die "submit"
while read -r name id; do job[$name]=$id; done <<<"$ids"
check "resubmitted clean completes" slurm_wait_ok "${job[clean]}" "${job[summary]}"
check "resume skipped every shard" test "$(cat "$tmp"/work/logs/bs-clean-"${job[clean]}"_*.log | grep -o '[0-9]* shards\? already done' | awk '{n += $1} END {print n + 0}')" = 8
check "summary still counts every shard" same_total "$tmp/work/stats.json"

# ------------------------------------------------------------------ arrays that do not start at 0
# Task ids are whatever --array says; a task's share is its position in the array. Before, the
# id itself was the rank: task 4 of 1-4 failed and files[0::4] were never cleaned.
"$bin" clean "$tmp/gen" -o "$tmp/plain" --stats "$tmp/plain.json" -q || die "local plain clean"
declare -A arr=([a]=1-4 [b]=0-6:2 [c]=5-8)
for k in a b c; do
  ids=$(cd "$tmp" && ARRAY=${arr[$k]} "$src/scripts/slurm/submit.sh" clean 4 "$tmp/out-$k" "$tmp/work-$k" "$tmp/gen") ||
    die "submit --array=${arr[$k]}"
  while read -r name id; do job[$k-$name]=$id; done <<<"$ids"
done
once() {  # once STATS...: each shard the local run cleaned, done by exactly one task; none failed
  python3 - "$tmp/plain.json" "$@" <<'EOF'
import collections, json, sys
want = {s["input"] for s in json.load(open(sys.argv[1]))["shards"]}
done, bad = collections.Counter(), []
for p in sys.argv[2:]:
    for s in json.load(open(p))["shards"]:
        if s["state"] == "done": done[s["input"]] += 1
        else: bad.append((p, s["input"], s["state"]))
ok = len(want) == 8 and set(done) == want and set(done.values()) == {1} and not bad
sys.exit(0 if ok else (print(sorted(want), dict(done), bad) or 1))
EOF
}
for k in a b c; do
  a=${arr[$k]}
  slurm_wait_ok "${job[$k-clean]}" "${job[$k-summary]}"
  rc=$?
  check "--array=$a completes" test "$rc" = 0
  [ "$rc" = 0 ] || log "states: clean $(job_states "${job[$k-clean]}"), summary $(job_states "${job[$k-summary]}")"
  check "--array=$a: same outputs" test "$(ls "$tmp/plain" | tr '\n' ' ')" = "$(ls "$tmp/out-$k" 2>/dev/null | tr '\n' ' ')"
  for f in "$tmp"/plain/*; do
    check "--array=$a: $(basename "$f") = local" cmp "$f" "$tmp/out-$k/$(basename "$f")"
  done
  check "--array=$a: stats of ranks 0-3" test "$(ls "$tmp/work-$k/stats" | grep -c '^clean-[0-3]\.[0-9]*\.json$')" = 4
  check "--array=$a: each shard cleaned once" once "$tmp/work-$k"/stats/clean-*.json
  check "--array=$a: summed stats = local stats" same_total "$tmp/work-$k/stats.json" "$tmp/plain.json"
done
# An index list has no ranks: submit.sh refuses it, and a task of one submitted by hand fails
# with a message saying what to do (nothing cleaned twice or skipped silently). 0,1,5: no step
# makes a range of 3 ids from 0 to 5, whatever SLURM_ARRAY_TASK_STEP Slurm sets for a list.
check "submit.sh refuses --array=0,1,5" sh -c "! ARRAY=0,1,5 '$src/scripts/slurm/submit.sh' clean 3 '$tmp/out-l' '$tmp/work-l' '$tmp/gen' 2>/dev/null"
mkdir -p "$tmp/work-l/logs"
list=$(cd "$tmp" && BOILERSTRIP=$bin INPUT="$tmp/gen" OUT="$tmp/out-l" WORK="$tmp/work-l" \
  sbatch --parsable --array=0,1,5 -o "$tmp/work-l/logs/%x-%A_%a.log" "$src/scripts/slurm/clean.sbatch") ||
  die "sbatch --array=0,1,5"
slurm_wait_ok "$list"
check "--array=0,1,5: tasks fail" sh -c "scontrol show job -o $list | grep -q 'JobState=FAILED'"
check "--array=0,1,5: no task succeeds" sh -c "! scontrol show job -o $list | grep -q 'JobState=COMPLETED'"
check "--array=0,1,5: says pass --rank" grep -q "pass --rank R --world-size W explicitly" "$tmp"/work-l/logs/*.log
check "--array=0,1,5: nothing cleaned" test -z "$(ls "$tmp/out-l" 2>/dev/null)"
grep -h "array task" "$tmp"/work-l/logs/*.log | sed 's/^/  slurm env: /'

# ------------------------------------------------------------------ a failing chain
# A zstd stream cut inside its frame (compression is told by the bytes: a name is no promise).
zstd -q -c "$tmp/gen/shard-00.jsonl" | head -c 100 >"$tmp/gen/shard-99.jsonl.zst"
ids=$(cd "$tmp" && "$src/scripts/slurm/submit.sh" chain 4 "$tmp/out2" "$tmp/work2" "$tmp/gen") || die "submit"
while read -r name id; do job[$name]=$id; done <<<"$ids"
slurm_wait_ok "${job[profile]}" "${job[merge]}" "${job[clean]}" "${job[summary]}"
check "failed chain: rc != 0" test $? -ne 0
check "a map task failed" sh -c "scontrol show job -o ${job[profile]} | grep -q 'JobState=FAILED'"
check "merge cancelled" sh -c "scontrol show job -o ${job[merge]} | grep -q 'JobState=CANCELLED'"
check "clean cancelled" sh -c "scontrol show job -o ${job[clean]} | grep -q 'JobState=CANCELLED'"
check "summary failed" sh -c "scontrol show job -o ${job[summary]} | grep -q 'JobState=FAILED'"
check "no merged profile" test ! -e "$tmp/work2/site.bsp"

log "slurm chain test: $fails failed"
[ "$fails" = 0 ]

#!/bin/bash
# `--executor slurm` against a real Slurm: a one-node cluster started here (cluster.sh),
# then examples/genre_factor.genre and a small grid run locally and through Slurm must
# give byte-identical results.json; a job killed from outside is reported with its id and
# the other branches go on; a driver killed mid-run leaves its job running, and the next
# run waits for that job instead of submitting another; Ctrl-C leaves no job queued.
# Usage: slurm_test.sh GENRE WORKDIR. Exit 77 (skipped): no ../shared/data, or no Slurm here.
set -u
genre=$(realpath "$1")
work=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
if [ ! -d "$repo/../shared/data/genre-factor" ]; then
  echo "skipped: the Slurm tests read ../shared/data/genre-factor, which is absent"
  exit 77
fi
rm -rf "$work"
mkdir -p "$work"
sh "$here/cluster.sh" start "$work/cluster"
rc=$?
[ $rc = 0 ] || exit $rc
export SLURM_CONF="$work/cluster/slurm.conf"
trap 'scancel --user=root >/dev/null 2>&1; sh "$here/cluster.sh" stop "$work/cluster"' EXIT

failures=0
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
pass() { echo "ok: $*"; }

# Polls (up to $2 s) until the command $1 succeeds.
wait_for() {
  for _ in $(seq 1 $(($2 * 4))); do
    eval "$1" && return 0
    sleep 0.25
  done
  return 1
}
jobs_in() { squeue -h -t "$1" -o %i | wc -l; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

# 1. The same results.json locally and on Slurm, for the S4 study and for a grid.
for script in "$repo/examples/genre_factor.genre" "$here/grid.genre"; do
  name=$(basename "$script" .genre)
  t0=$(date +%s.%N)
  "$genre" run "$script" --cache "$work/$name/local-cache" --out "$work/$name/local" >"$work/$name.local.log" 2>&1 ||
    fail "$name: the local run failed: $(tail -n 3 "$work/$name.local.log")"
  t1=$(date +%s.%N)
  "$genre" run "$script" --executor slurm --cache "$work/$name/slurm-cache" --out "$work/$name/slurm" \
    >"$work/$name.slurm.log" 2>&1 || fail "$name: the Slurm run failed: $(tail -n 5 "$work/$name.slurm.log")"
  t2=$(date +%s.%N)
  jobs=$(ls "$work/$name/slurm-cache/slurm/"*.job 2>/dev/null | wc -l)
  if cmp -s "$work/$name/local/results.json" "$work/$name/slurm/results.json"; then
    pass "$name: results.json byte-identical (local $(secs "$t0" "$t1") s; Slurm $(secs "$t1" "$t2") s, $jobs jobs)"
  else
    fail "$name: results.json differs between the local and the Slurm run"
    diff <(tr ',' '\n' <"$work/$name/local/results.json") <(tr ',' '\n' <"$work/$name/slurm/results.json") | head -n 10
  fi
  # Run again: everything is in the cache, nothing is submitted.
  "$genre" run "$script" --executor slurm --cache "$work/$name/slurm-cache" --out "$work/$name/slurm" >"$work/$name.again.log" 2>&1
  again=$(ls "$work/$name/slurm-cache/slurm/"*.job | wc -l)
  grep -q " 0 ran, " "$work/$name.again.log" && [ "$again" = "$jobs" ] && pass "$name: a second run submits nothing" ||
    fail "$name: a second run ran or submitted something: $(tail -n 1 "$work/$name.again.log")"
done

# A job sbatch refuses (no such partition): its node fails with sbatch's own words, positioned.
"$genre" run "$here/grid.genre" --executor slurm --slurm-partition nosuch --cache "$work/refused" \
  --out "$work/refused/out" >"$work/refused.log" 2>&1
rc=$?
[ $rc = 2 ] && grep -q "grid.genre:[0-9]*:[0-9]*: error: in .*: sbatch did not take the job: .*partition" "$work/refused.log" &&
  pass "a job sbatch refuses fails its node with sbatch's reason (exit 2)" ||
  fail "a refused job: exit $rc, $(grep -m 2 "sbatch" "$work/refused.log")"

# 2. A driver killed mid-run leaves its job running; the next run waits for that job.
slow="$here/slow.genre"
cache="$work/slow/cache"
"$genre" run "$slow" --executor slurm --cache "$cache" --out "$work/slow/out" >"$work/slow.1.log" 2>&1 &
driver=$!
wait_for 'grep -q "long/fit  Slurm job [0-9]* RUNNING" "$work/slow.1.log"' 120 ||
  fail "no job of slow.genre started running: $(tail -n 5 "$work/slow.1.log")"
long_job=$(sed -n 's/.*long\/fit  Slurm job \([0-9]*\).*/\1/p' "$work/slow.1.log" | head -n 1)
{ kill -9 $driver; wait $driver; } 2>/dev/null
"$genre" run "$slow" --executor slurm --cache "$cache" --out "$work/slow/out" >"$work/slow.2.log" 2>&1 &
driver=$!
if wait_for 'grep -q "Slurm job $long_job (submitted by an earlier run) is still [A-Z]*: waiting for it" "$work/slow.2.log"' 60; then
  pass "a second driver waits for job $long_job, which the killed one submitted"
else
  fail "the second driver did not adopt job $long_job: $(tail -n 5 "$work/slow.2.log")"
fi
sleep 2
n=$(squeue -h -n "genre long/fit" -o %i | wc -l)
[ "$n" = 1 ] && pass "long/fit has one job, not two" || fail "long/fit has $n jobs: $(squeue)"

# 3. A job killed from outside: reported with its id, end state and log; the other branches go on.
scancel "$long_job"
wait $driver
rc=$?
log="$work/slow.2.log"
[ $rc = 2 ] && pass "exit 2 after a killed job" || fail "exit $rc after a killed job (want 2)"
grep -q "long/fit: Slurm job $long_job ended CANCELLED.*its log: .*slurm/logs/long_fit-$long_job.log" "$log" &&
  pass "the killed job is named with its id, end state and log" ||
  fail "no line naming job $long_job, CANCELLED and its log: $(grep -n "Slurm job $long_job" "$log")"
# The worker's own data error comes back positioned in the script, as a local run prints it.
"$genre" run "$slow" broken --cache "$work/slow/local-cache" --out "$work/slow/local" >"$work/slow.local.log" 2>&1
want=$(grep -A 2 "slow.genre:.*knn: k = 100000" "$work/slow.local.log")
got=$(grep -A 2 "slow.genre:.*knn: k = 100000" "$log")
[ -n "$want" ] && [ "$want" = "$got" ] && pass "a job's data error is printed as a local run prints it (line, column, caret)" ||
  fail "the job's data error differs from the local one:
$got
--- local:
$want"
grep -q '"fast"' "$work/slow/out/results.json" && ! grep -q '"slow"' "$work/slow/out/results.json" &&
  pass "the branches that did not fail were written (-k)" || fail "results.json lacks fast or has slow"

# 4. Ctrl-C: the driver cancels the jobs it has in flight and exits 130; nothing stays queued.
"$genre" run "$slow" slow --executor slurm --cache "$work/slow/cache2" --out "$work/slow/out2" >"$work/slow.3.log" 2>&1 &
driver=$!
wait_for 'grep -q "long/fit  Slurm job" "$work/slow.3.log"' 120 || fail "no job submitted: $(tail -n 5 "$work/slow.3.log")"
kill -INT $driver
wait $driver
rc=$?
[ $rc = 130 ] && pass "Ctrl-C: exit 130" || fail "Ctrl-C: exit $rc (want 130): $(tail -n 3 "$work/slow.3.log")"
grep -q "interrupted (SIGINT): cancelled the 1 Slurm job this run had in flight" "$work/slow.3.log" &&
  pass "Ctrl-C names the jobs it cancelled" || fail "Ctrl-C: $(tail -n 2 "$work/slow.3.log")"
if wait_for '[ "$(jobs_in PENDING,RUNNING,CONFIGURING)" = 0 ]' 10; then
  pass "Ctrl-C leaves no job queued or running"
else
  fail "jobs left after Ctrl-C: $(squeue)"
fi

[ $failures = 0 ] && echo "all Slurm tests passed" && exit 0
echo "$failures Slurm test(s) failed"
exit 1

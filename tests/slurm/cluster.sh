#!/bin/sh
# A one-node Slurm cluster on this machine for the tests, all of it under DIR:
#   cluster.sh start DIR   -> munged, slurmctld and slurmd; DIR/slurm.conf (export SLURM_CONF=DIR/slurm.conf)
#   cluster.sh stop DIR    -> stops the daemons it started
# Nothing in /etc is read or changed: munged gets its own key and socket, Slurm its own
# config, state and spool folders. Needs root, and Debian's munge, slurmctld, slurmd and
# slurm-client (installed here when missing). Exit 77: Slurm cannot start on this machine.
set -eu
action=$1
dir=$(realpath -m "$2")

skip() { echo "slurm: $*: skipped" >&2; exit 77; }

stop() {
  for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid" 2>/dev/null)" 2>/dev/null || true
  done
  # slurmd's job steps (slurmstepd) end with their jobs; give the daemons a moment.
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    alive=0
    for pid in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
      [ -f "$pid" ] && kill -0 "$(cat "$pid" 2>/dev/null)" 2>/dev/null && alive=1
    done
    [ $alive = 0 ] && return 0
    sleep 0.5
  done
}

if [ "$action" = stop ]; then
  stop
  exit 0
fi
[ "$action" = start ] || { echo "usage: cluster.sh start|stop DIR" >&2; exit 2; }

[ "$(id -u)" = 0 ] || skip "not root"
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null ||
   ! command -v munged >/dev/null; then
  command -v apt-get >/dev/null || skip "no Slurm and no apt-get"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q munge slurmctld slurmd slurm-client >/dev/null 2>&1 ||
    skip "apt-get could not install munge, slurmctld, slurmd and slurm-client"
fi

mkdir -p "$dir/munge" "$dir/state" "$dir/spool"
# munged refuses a key or socket folder others can write; it runs as its own user.
chown munge:munge "$dir/munge"
chmod 0755 "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 2>/dev/null
chown munge:munge "$dir/munge/munge.key"
chmod 0400 "$dir/munge/munge.key"
runuser -u munge -- munged --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/munged.seed" ||
  skip "munged did not start ($(tail -n 3 "$dir/munge/munged.log" 2>/dev/null))"

host=$(hostname -s)
cpus=$(nproc)
mem=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
# Ports of our own, so that a cluster already on this machine (6817/6818) is left alone.
base=$((20000 + $$ % 20000))
cat > "$dir/slurm.conf" <<CONF
ClusterName=genre-test
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$base
SlurmdPort=$((base + 1))
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SlurmdParameters=config_overrides
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
ReturnToService=2
MinJobAge=600
SchedulerParameters=sched_interval=1
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld || { stop; skip "slurmctld did not start ($(tail -n 3 "$dir/slurmctld.log" 2>/dev/null))"; }
slurmd || { stop; skip "slurmd did not start ($(tail -n 3 "$dir/slurmd.log" 2>/dev/null))"; }
for _ in $(seq 1 60); do
  state=$(sinfo -h -o %t 2>/dev/null || true)
  [ "$state" = idle ] && { echo "slurm: one-node cluster up ($host, $cpus CPUs): export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.5
done
stop
skip "the node did not become idle (sinfo: ${state:-nothing}; $(tail -n 3 "$dir/slurmd.log" 2>/dev/null))"

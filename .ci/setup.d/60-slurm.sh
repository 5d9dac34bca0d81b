# A single-machine Slurm cluster for the `--executor slurm` tests: Debian's slurm-wlm and munge, with
# slurmctld and slurmd on 127.0.0.1 (one node, this host, 2 CPUs, partition `debug`). Runs as root; no
# cgroups (containers rarely have them) and no accounting daemon (slurmdbd), so `sacct` is unavailable and
# fairpod falls back to squeue/scontrol and its job wrapper's exit-code files, as it must on such sites.
# Sourced by .ci/run: installs the packages, starts the daemons, exports FAIRPOD_TEST_SLURM=1 and registers
# the stop on FAIRPOD_CLEANUP.
# Executed as `bash 60-slurm.sh start|stop` (by the test helper on a dev machine where slurm-wlm is
# installed): `start` prints `FAIRPOD_TEST_SLURM=1` and `STARTED=1` if it had to start a daemon.

FAIRPOD_SLURM_CONF=/etc/slurm/slurm.conf
FAIRPOD_SLURM_MARK='# written by fairpod .ci/setup.d/60-slurm.sh'

fairpod_slurm_conf() {
  local host mem
  host=$(hostname -s)
  # What slurmd will find, less a margin: a node reporting less memory than configured is drained.
  mem=$(awk '/MemTotal/ {print int($2 / 1024 * 0.8)}' /proc/meminfo)
  mkdir -p /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm
  cat >"$FAIRPOD_SLURM_CONF" <<CONF
$FAIRPOD_SLURM_MARK
ClusterName=fairpod
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=/var/lib/slurm/slurmctld
SlurmdSpoolDir=/var/lib/slurm/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
DefMemPerCPU=256
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1
MinJobAge=600
KillWait=5
InactiveLimit=0
SlurmctldTimeout=30
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=2 RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
}

# Waits until the node takes jobs (idle or already busy), or fails with the daemons' last log lines.
fairpod_slurm_wait() {
  local i state
  for i in $(seq 1 60); do
    state=$(sinfo -h -N -o '%T' 2>/dev/null | head -n 1)
    case "$state" in idle | mixed | allocated | completing) return 0 ;; esac
    if [ "$state" = down ] || [ "$state" = drained ]; then scontrol update nodename="$(hostname -s)" state=resume >/dev/null 2>&1 || true; fi
    sleep 0.5
  done
  echo "slurm did not come up (node state: ${state:-none}); last log lines:" >&2
  tail -n 20 /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log >&2 || true
  return 1
}

# True when the daemon whose pid file is $1 runs (a zombie left by a parent that never reaped it does not).
fairpod_slurm_alive() {
  local pid
  pid=$(cat "$1" 2>/dev/null) || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && ! awk '{exit $3 == "Z" ? 0 : 1}' "/proc/$pid/stat"
}

fairpod_slurm_start() {
  command -v slurmctld >/dev/null || { echo "slurm is not installed (apt-get install slurm-wlm munge)" >&2; return 1; }
  FAIRPOD_SLURM_STARTED=0
  if [ ! -e "$FAIRPOD_SLURM_CONF" ] || grep -qxF "$FAIRPOD_SLURM_MARK" "$FAIRPOD_SLURM_CONF"; then
    fairpod_slurm_conf
  fi
  if ! fairpod_slurm_alive /run/munge/munged.pid; then
    mkdir -p /run/munge && chown munge:munge /run/munge
    runuser -u munge -- /usr/sbin/munged
    FAIRPOD_SLURM_STARTED=1
  fi
  if ! fairpod_slurm_alive /run/slurmctld.pid; then
    slurmctld
    FAIRPOD_SLURM_STARTED=1
  fi
  if ! fairpod_slurm_alive /run/slurmd.pid; then
    slurmd
    FAIRPOD_SLURM_STARTED=1
  fi
  fairpod_slurm_wait
}

fairpod_slurm_stop() {
  local p i
  for p in /run/slurmd.pid /run/slurmctld.pid /run/munge/munged.pid; do
    fairpod_slurm_alive "$p" || continue
    kill "$(cat "$p")" 2>/dev/null || true
    for i in $(seq 1 50); do fairpod_slurm_alive "$p" || break; sleep 0.1; done
  done
}

if [[ "${BASH_SOURCE[0]}" != "$0" ]]; then
  apt_install slurm-wlm munge
  fairpod_slurm_start
  export FAIRPOD_TEST_SLURM=1
  if [ "$FAIRPOD_SLURM_STARTED" = 1 ]; then FAIRPOD_CLEANUP+=(fairpod_slurm_stop); fi
else
  set -euo pipefail
  case "${1:-}" in
    start)
      fairpod_slurm_start
      echo "FAIRPOD_TEST_SLURM=1"
      echo "STARTED=$FAIRPOD_SLURM_STARTED"
      ;;
    stop) fairpod_slurm_stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
  esac
fi

#!/usr/bin/env bash
# A real single-node Slurm (slurmctld + slurmd + munge) on loopback, plus PBS stand-ins
# (qsub/qstat/qdel translating to this Slurm) under /opt/medaas-services/pbs/bin. Idempotent.
#
#   slurm.sh start   start (or reuse); prints {"partition":"debug","node":"localhost","pbsBinDir":...}
#   slurm.sh stop    stop slurmd, slurmctld and munged started by this script
#
# The sandbox has no cgroups and no accounting daemon: proctrack/linuxproc, task/none, no sacct.
# The partition shares each core among up to 4 jobs: test files run in parallel, and each of them may hold a
# server job while it waits for a training job; with one job per core two such tests would wait on each
# other for ever on a two-core machine.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

action=${1:-start}
# Test files start services in parallel: one caller at a time sets up or checks an instance.
install -d -m 755 "$SERVICES_STATE"
exec 9>"$SERVICES_STATE/.lock-slurm"
# Daemons started below must not inherit fd 9, or they would hold this lock for their whole life and
# every later start would wait forever: each launch closes it with 9>&-.
flock -w 120 9 || die "another slurm.sh holds $SERVICES_STATE/.lock-slurm for over 120 s"
state="$SERVICES_STATE/slurm"
pbs_bin=/opt/medaas-services/pbs/bin

if [ "$action" = stop ]; then
  for f in "$state/slurmd.pid" /run/slurm/slurmctld.pid /run/munge/munged.pid; do
    if pid_alive "$f"; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  exit 0
fi
[ "$action" = start ] || die "usage: slurm.sh start|stop"

ensure_packages /usr/sbin/slurmctld=slurm-wlm /usr/sbin/slurmd=slurm-wlm /usr/sbin/munged=munge
install -d -m 755 "$state"

# munge: the package made /etc/munge/munge.key; the daemon runs as munge.
install -d -o munge -g munge -m 755 /run/munge
install -d -o munge -g munge -m 700 /var/log/munge /var/lib/munge
if [ ! -s /etc/munge/munge.key ]; then
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
  chown munge:munge /etc/munge/munge.key; chmod 600 /etc/munge/munge.key
fi
munge_ok() { munge -n | unmunge; }
if ! munge_ok >/dev/null 2>&1; then
  runuser -u munge -- /usr/sbin/munged 9>&-
  wait_for 10 munge_ok || die "munged did not start"
fi

install -d -o slurm -g slurm -m 755 /var/spool/slurmctld /var/log/slurm
install -d -m 755 /var/spool/slurmd /run/slurm /etc/slurm
conf=/etc/slurm/slurm.conf
want=$(cat <<CONF
# Written by medaas scripts/services/slurm.sh: a single-node test cluster on loopback.
ClusterName=medaas
SlurmctldHost=localhost(127.0.0.1)
# Loopback only: slurmctld binds the address of SlurmctldHost, slurmd (and the clients) that of NodeAddr,
# instead of every address of the machine.
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmUser=slurm
AuthType=auth/munge
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurm/slurmctld.pid
SlurmdPidFile=$state/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
SchedulerParameters=sched_interval=5
KillWait=5
GresTypes=gpu
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=1000 Gres=gpu:2 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4
CONF
)
# Two pretend GPUs (harmless character devices as their files): jobs can ask for GPUs (--gres=gpu:N) as
# on a GPU cluster; the training commands of the tests are stand-ins that need no GPU.
gres=/etc/slurm/gres.conf
want_gres='AutoDetect=off
NodeName=localhost Name=gpu File=/dev/null
NodeName=localhost Name=gpu File=/dev/zero'
if [ ! -f "$gres" ] || [ "$(cat "$gres")" != "$want_gres" ]; then
  printf '%s\n' "$want_gres" > "$gres"
  rm -f "$conf"  # a changed GRES needs fresh daemons too
fi
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$want" ]; then
  printf '%s\n' "$want" > "$conf"
  # A changed configuration needs fresh daemons: stop them and wait until they are gone (slurmctld saves
  # its state first), or the start below would see the old pid and skip.
  for f in "$state/slurmd.pid" /run/slurm/slurmctld.pid; do
    if pid_alive "$f"; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  daemons_gone() { ! pid_alive "$state/slurmd.pid" && ! pid_alive /run/slurm/slurmctld.pid; }
  wait_for 60 daemons_gone || die "the old slurmctld/slurmd did not stop"
fi

if ! pid_alive /run/slurm/slurmctld.pid; then
  setsid /usr/sbin/slurmctld </dev/null 9>&- >>"$state/slurmctld.out" 2>&1 || die "slurmctld failed: $(tail -5 /var/log/slurm/slurmctld.log)"
fi
wait_for 20 scontrol ping || die "slurmctld does not answer: $(tail -5 /var/log/slurm/slurmctld.log)"
if ! pid_alive "$state/slurmd.pid"; then
  setsid /usr/sbin/slurmd -N localhost </dev/null 9>&- >>"$state/slurmd.out" 2>&1 || die "slurmd failed: $(tail -5 /var/log/slurm/slurmd.log)"
fi
node_idle() { sinfo -h -o %T | grep -Eq '^(idle|mixed|allocated)'; }
if ! wait_for 30 node_idle; then
  scontrol update NodeName=localhost State=RESUME >/dev/null 2>&1 || true
  wait_for 15 node_idle || die "the Slurm node is not idle: $(sinfo -h -o '%T %E')"
fi

# PBS stand-ins, outside the repository so that the test user can run them wherever the clone lives.
# Copied only when they changed: a test may be running them while another test file starts Slurm.
install -d -m 755 "$pbs_bin"
for tool in qsub qstat qdel; do
  cmp -s "$here/pbs/$tool" "$pbs_bin/$tool" || install -m 755 "$here/pbs/$tool" "$pbs_bin/$tool"
done
cmp -s "$here/pbs/pbs_standin.py" "$pbs_bin/pbs_standin.py" || install -m 644 "$here/pbs/pbs_standin.py" "$pbs_bin/pbs_standin.py"

printf '{"partition":"debug","node":"localhost","pbsBinDir":"%s"}\n' "$pbs_bin"

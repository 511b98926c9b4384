#!/usr/bin/env bash
# A small tmpfs owned by a test user: a remote disk that fills up, for the upload tests. Idempotent.
#
#   tmpfs.sh start [--name NAME] [--size SIZE] [--owner USER]
#                          mount (or reuse) $MEDAAS_SERVICES_DIR/tmpfs-NAME, mode 0700, owned by USER
#                          (default medaas), SIZE as mount(8) takes it (default 2m); prints
#                          {"name":...,"path":...,"sizeBytes":...,"owner":...}
#   tmpfs.sh stop  [--name NAME]
#                          unmount it and remove the mount point
#
# A reused mount keeps its files (tests remove theirs); a different --size is applied with a remount.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

action=${1:-start}; shift || true
name=disk size=2m owner=medaas
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --size) size=$2; shift 2 ;;
    --owner) owner=$2; shift 2 ;;
    *) die "tmpfs.sh: unknown argument $1" ;;
  esac
done
[[ "$name" =~ ^[a-z0-9-]+$ ]] || die "bad tmpfs name $name"
[[ "$size" =~ ^[0-9]+[kmg]?$ ]] || die "bad size $size (e.g. 2m)"
[[ "$owner" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "bad owner $owner"
[ "$(id -u)" -eq 0 ] || die "need root to mount a tmpfs"

install -d -m 755 "$SERVICES_STATE"
exec 9>"$SERVICES_STATE/.lock-tmpfs"
flock -w 120 9 || die "another tmpfs.sh holds $SERVICES_STATE/.lock-tmpfs for over 120 s"
mnt="$SERVICES_STATE/tmpfs-$name"
mounted() { findmnt -n --mountpoint "$mnt" >/dev/null 2>&1; }

if [ "$action" = stop ]; then
  if mounted; then umount "$mnt" || umount -l "$mnt"; fi
  [ -d "$mnt" ] && rmdir "$mnt"
  exit 0
fi
[ "$action" = start ] || die "usage: tmpfs.sh start|stop [--name N] [--size S] [--owner U]"
id "$owner" >/dev/null 2>&1 || die "no user $owner (start sshd.sh first)"

uid=$(id -u "$owner") gid=$(id -g "$owner")
options="size=$size,mode=0700,uid=$uid,gid=$gid,nodev,nosuid"
install -d -m 700 -o "$owner" -g "$gid" "$mnt"
if ! mounted; then
  mount -t tmpfs -o "$options" "medaas-tmpfs-$name" "$mnt" || die "cannot mount a tmpfs at $mnt"
else
  mount -o "remount,$options" "$mnt" || die "cannot remount $mnt"
fi
bytes=$(( $(stat -f -c '%b * %S' "$mnt") ))
printf '{"name":"%s","path":"%s","sizeBytes":%s,"owner":"%s"}\n' "$name" "$mnt" "$bytes" "$owner"

#!/usr/bin/env bash
# A real OpenSSH server on 127.0.0.1 for the cluster-ssh tests and benchmarks. Idempotent.
#
#   sshd.sh start [--name NAME] [--port PORT] [--kbd] [--without CMD,CMD...]
#                                                       start (or reuse) an instance; prints its facts as JSON.
#                                                       --without: its sessions' PATH lacks these commands, as
#                                                       on a server that does not have them installed
#   sshd.sh stop  [--name NAME] [--sessions]            stop it; --sessions also ends its open connections
#
# One test user (medaas) with a throwaway ed25519 key, a passphrase-protected key and a random password,
# all created once per machine under $MEDAAS_SERVICES_DIR/ssh (root-only). A --kbd instance demands
# public key AND keyboard-interactive (PAM password prompt), as two-factor HPC logins do.
#
# A second user, the neighbour (medaas-neighbour), another user of the same cluster: its own key, accepted by
# every instance (key only, also on --kbd instances), its own Slurm jobs. It is a member of the test user's
# group, as cluster users often share one (e.g. `users`): whatever the test user leaves group-readable, the
# neighbour can read. Both homes are 0700. The JSON gains "neighbour": {"user","home","keyPath"}.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

action=${1:-start}; shift || true
name=main port=2222 kbd=0 sessions=0 without=
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --kbd) kbd=1; shift ;;
    --without) without=$2; shift 2 ;;
    --sessions) sessions=1; shift ;;
    *) die "sshd.sh: unknown argument $1" ;;
  esac
done
[[ "$name" =~ ^[a-z0-9-]+$ ]] || die "bad instance name $name"
[[ "$port" =~ ^[0-9]+$ ]] || die "bad port $port"
[[ "$without" =~ ^[a-z0-9,_-]*$ ]] || die "bad --without list $without"

# Test files start services in parallel: one caller at a time sets up or checks an instance.
install -d -m 755 "$SERVICES_STATE"
exec 9>"$SERVICES_STATE/.lock-sshd"
# The server started below must not inherit fd 9 (it would hold this lock for its whole life).
flock -w 120 9 || die "another sshd.sh holds $SERVICES_STATE/.lock-sshd for over 120 s"
common="$SERVICES_STATE/ssh"
inst="$SERVICES_STATE/sshd-$name"
user=medaas
neighbour=medaas-neighbour

if [ "$action" = stop ]; then
  if pid_alive "$inst/sshd.pid"; then
    pid=$(cat "$inst/sshd.pid")
    # Collect the sessions before the listener dies: afterwards they are no longer its children.
    children=""
    [ "$sessions" = 1 ] && children=$(descendants "$pid")
    kill "$pid" 2>/dev/null || true
    for child in $children; do kill -9 "$child" 2>/dev/null || true; done
    wait_for 10 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$inst/sshd.pid"
  exit 0
fi
[ "$action" = start ] || die "usage: sshd.sh start|stop [--name N] [--port P] [--kbd] [--sessions]"

ensure_packages /usr/sbin/sshd=openssh-server ssh-keygen=openssh-client ssh=openssh-client sftp=openssh-client

install -d -m 700 "$common" "$inst"
install -d -m 755 /run/sshd
[ -f "$common/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C medaas-test-host -f "$common/host_ed25519"
[ -f "$common/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C medaas-test-client -f "$common/id_ed25519"
[ -f "$common/passphrase" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$common/passphrase"; chmod 600 "$common/passphrase"; }
[ -f "$common/id_ed25519_pass" ] || ssh-keygen -q -t ed25519 -N "$(cat "$common/passphrase")" -C medaas-test-pass -f "$common/id_ed25519_pass"
[ -f "$common/password" ] || { head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$common/password"; chmod 600 "$common/password"; }
[ -f "$common/id_ed25519_neighbour" ] || ssh-keygen -q -t ed25519 -N '' -C medaas-test-neighbour -f "$common/id_ed25519_neighbour"

created=0
if ! id "$user" >/dev/null 2>&1; then
  useradd -m -s /bin/bash "$user"
  created=1
fi
# A set password unlocks the account for public-key logins too (sshd refuses locked accounts). Set once:
# other instances start while tests log in, and a rewrite of /etc/shadow or of authorized_keys under a
# login makes that login fail.
if [ "$created" = 1 ] || [ "$(cat "$common/.password-applied" 2>/dev/null)" != "$(cat "$common/password")" ]; then
  echo "$user:$(cat "$common/password")" | chpasswd
  cp "$common/password" "$common/.password-applied"
fi
# install_keys USER KEYS: USER's authorized_keys holds exactly KEYS (replaced in one rename, never truncated
# in place under a login that is reading it); authorized_keys2 holds extra keys tests authorise (agent
# tests), so a restart never drops them.
install_keys() {
  local who=$1 keys=$2 dir
  dir=$(getent passwd "$who" | cut -d: -f6)/.ssh
  install -d -m 700 -o "$who" -g "$who" "$dir"
  if [ "$(cat "$dir/authorized_keys" 2>/dev/null)" != "$keys" ]; then
    printf '%s\n' "$keys" > "$dir/.authorized_keys.new"
    chown "$who:$who" "$dir/.authorized_keys.new"; chmod 600 "$dir/.authorized_keys.new"
    mv -f "$dir/.authorized_keys.new" "$dir/authorized_keys"
  fi
  touch "$dir/authorized_keys2"
  chown "$who:$who" "$dir/authorized_keys" "$dir/authorized_keys2"
  chmod 600 "$dir/authorized_keys" "$dir/authorized_keys2"
}
home=$(getent passwd "$user" | cut -d: -f6)
install_keys "$user" "$(cat "$common/id_ed25519.pub" "$common/id_ed25519_pass.pub")"

# The neighbour: no password (key logins only), so "*" unlocks the account for sshd without one.
if ! id "$neighbour" >/dev/null 2>&1; then
  useradd -m -s /bin/bash -G "$user" "$neighbour"
  usermod -p '*' "$neighbour"
fi
id -nG "$neighbour" | tr ' ' '\n' | grep -qx "$user" || usermod -a -G "$user" "$neighbour"
neighbour_home=$(getent passwd "$neighbour" | cut -d: -f6)
install_keys "$neighbour" "$(cat "$common/id_ed25519_neighbour.pub")"
# Private homes, as on a cluster that keeps its users apart (useradd makes them 0755 here).
chmod 700 "$home" "$neighbour_home"

if [ "$kbd" = 1 ]; then
  auth_lines="UsePAM yes
KbdInteractiveAuthentication yes
PasswordAuthentication no
AuthenticationMethods publickey,keyboard-interactive"
  # The neighbour has no password to answer the prompt with: a key is its only factor. (Match blocks last.)
  match_lines="Match User $neighbour
  AuthenticationMethods publickey"
else
  auth_lines="UsePAM no
KbdInteractiveAuthentication no
PasswordAuthentication yes"
  match_lines=
fi
# A PATH without some commands: a folder of links to every other command, outside the root-only state.
env_lines=
if [ -n "$without" ]; then
  bin=/opt/medaas-services/path-$name
  # Rebuilt only when the list changes: sessions of a running instance use it.
  if [ "$(cat "$bin/.without" 2>/dev/null)" != "$without" ]; then
  rm -rf "$bin"; install -d -m 755 "$bin"
  for dir in /usr/local/bin /usr/bin /bin /usr/sbin /sbin; do
    for cmd in "$dir"/*; do
      base=${cmd##*/}
      case ",$without," in *",$base,"*) continue ;; esac
      [ -x "$cmd" ] && [ ! -e "$bin/$base" ] && ln -s "$cmd" "$bin/$base"
    done
  done
  printf '%s' "$without" > "$bin/.without"
  fi
  env_lines="SetEnv PATH=$bin"
fi
cat > "$inst/sshd_config.new" <<CONF
Port $port
ListenAddress 127.0.0.1
HostKey $common/host_ed25519
PidFile $inst/sshd.pid
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys .ssh/authorized_keys2
$auth_lines
PermitRootLogin no
AllowUsers $user $neighbour
AllowTcpForwarding yes
X11Forwarding no
PrintMotd no
MaxSessions 64
MaxStartups 64:30:128
Subsystem sftp internal-sftp
$env_lines
$match_lines
CONF
reload=0
if cmp -s "$inst/sshd_config.new" "$inst/sshd_config"; then
  rm -f "$inst/sshd_config.new"
else
  /usr/sbin/sshd -t -f "$inst/sshd_config.new" || die "sshd config invalid"
  mv -f "$inst/sshd_config.new" "$inst/sshd_config"
  reload=1
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }
if ! pid_alive "$inst/sshd.pid"; then
  /usr/sbin/sshd -t -f "$inst/sshd_config" || die "sshd config invalid"
  # setsid + nohup: the server outlives this script and the test process that called it.
  setsid nohup /usr/sbin/sshd -D -e -f "$inst/sshd_config" >>"$inst/sshd.log" 2>&1 < /dev/null 9>&- &
  wait_for 15 test -s "$inst/sshd.pid" || { tail -20 "$inst/sshd.log" >&2; die "sshd $name did not start"; }
elif [ "$reload" = 1 ]; then
  # A running instance started with an older configuration (e.g. before the neighbour existed): SIGHUP makes
  # sshd execute itself again with the new one; open sessions keep running.
  kill -HUP "$(cat "$inst/sshd.pid")"
  sleep 0.2
fi
wait_for 60 listening || { tail -20 "$inst/sshd.log" >&2; die "sshd $name is not listening on 127.0.0.1:$port"; }

fingerprint=$(ssh-keygen -l -E sha256 -f "$common/host_ed25519.pub" | awk '{print $2}')
printf '{"name":"%s","host":"127.0.0.1","port":%s,"user":"%s","home":"%s","kbd":%s,"keyPath":"%s","passKeyPath":"%s","passphrase":"%s","password":"%s","hostFingerprint":"%s","hostPublicKey":"%s","pid":%s,"neighbour":{"user":"%s","home":"%s","keyPath":"%s"}}\n' \
  "$name" "$port" "$user" "$home" "$([ $kbd = 1 ] && echo true || echo false)" "$common/id_ed25519" "$common/id_ed25519_pass" \
  "$(cat "$common/passphrase")" "$(cat "$common/password")" "$fingerprint" "$(cut -d' ' -f1,2 "$common/host_ed25519.pub")" "$(cat "$inst/sshd.pid")" \
  "$neighbour" "$neighbour_home" "$common/id_ed25519_neighbour"

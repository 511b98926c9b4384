#!/usr/bin/env bash
# A real PACS on loopback: Orthanc with its DICOMweb plugin, for the @medaas/dicom tests, benchmarks and the
# demo. Idempotent.
#
#   orthanc.sh start  [--auth] [--name NAME] [--port PORT|auto] [--dicom-port PORT|auto] [--owner PID] [--json]
#        start (or reuse) an instance; prints its URL on stdout (with --auth a second line USER:PASSWORD),
#        or with --json one line {"name","url","dicomWebUrl","port","dicomPort","pid","storage","auth"}
#   orthanc.sh stop   [--auth] [--name NAME] [--purge]
#        stop it (SIGTERM, then SIGKILL after 10 s); --purge kills it at once and removes its storage and
#        configuration
#   orthanc.sh status [--auth] [--name NAME] [--json]
#        prints what start prints if it runs, else exits 1
#
# Instances: `main` (HTTP 8042, DICOM 4242, no authentication) and, with --auth, `auth` (8043, 4243, HTTP
# Basic with user medaas and a random password created once under $MEDAAS_SERVICES_DIR/orthanc-auth).
# `--port auto` picks free ports (a private instance per test file); `--owner PID` marks an instance as
# belonging to a process: any later start stops and purges instances whose owner is gone, so a test
# process that crashed leaves nothing running.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

action=${1:-start}; shift || true
name= port= dicom_port= auth=0 owner= json=0 purge=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --dicom-port) dicom_port=$2; shift 2 ;;
    --auth) auth=1; shift ;;
    --owner) owner=$2; shift 2 ;;
    --json) json=1; shift ;;
    --purge) purge=1; shift ;;
    *) die "orthanc.sh: unknown argument $1" ;;
  esac
done
if [ "$auth" = 1 ]; then name=${name:-auth} port=${port:-8043} dicom_port=${dicom_port:-4243}
else name=${name:-main} port=${port:-8042} dicom_port=${dicom_port:-4242}; fi
[[ "$name" =~ ^[a-z0-9-]+$ ]] || die "bad instance name $name"
[[ "$port" =~ ^([0-9]+|auto)$ ]] || die "bad port $port"
[[ "$dicom_port" =~ ^([0-9]+|auto)$ ]] || die "bad DICOM port $dicom_port"
[[ "$owner" =~ ^[0-9]*$ ]] || die "bad owner pid $owner"

install -d -m 755 "$SERVICES_STATE"
inst="$SERVICES_STATE/orthanc-$name"
user=medaas

# facts: what start and status print for the running instance in $inst.
facts() {
  local url p dp pid password=
  p=$(cat "$inst/port") dp=$(cat "$inst/dicom-port") pid=$(cat "$inst/orthanc.pid")
  url="http://127.0.0.1:$p"
  [ -f "$inst/password" ] && password=$(cat "$inst/password")
  if [ "$json" = 1 ]; then
    local auth_json=null
    [ -n "$password" ] && auth_json="{\"username\":\"$user\",\"password\":\"$password\"}"
    printf '{"name":"%s","url":"%s","dicomWebUrl":"%s/dicom-web","port":%s,"dicomPort":%s,"pid":%s,"storage":"%s","auth":%s}\n' \
      "$name" "$url" "$url" "$p" "$dp" "$pid" "$inst/db" "$auth_json"
  else
    echo "$url"
    [ -n "$password" ] && echo "$user:$password"
  fi
  return 0
}

# answers: whether the instance's REST API answers GET /system with 200 (with its credentials, if any).
# The credentials go to curl on stdin (-K -), not on its command line, where ps would show them.
answers() {
  local config=
  [ -f "$inst/password" ] && config="user = \"$user:$(cat "$inst/password")\""
  [ "$(curl -s -K - -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$(cat "$inst/port")/system" <<<"$config")" = 200 ]
}

# stop_instance DIR [purge]: stops the Orthanc whose state is DIR; with purge, removes DIR too.
stop_instance() {
  local dir=$1 pid
  if pid_alive "$dir/orthanc.pid"; then
    pid=$(cat "$dir/orthanc.pid")
    # A purged instance's storage is deleted anyway: no need for the ~4 s of a clean shutdown.
    if [ "${2:-}" = purge ]; then kill -9 "$pid" 2>/dev/null || true; else kill "$pid" 2>/dev/null || true; fi
    wait_for 10 bash -c "! kill -0 $pid" || { kill -9 "$pid" 2>/dev/null || true; wait_for 5 bash -c "! kill -0 $pid" || true; }
  fi
  rm -f "$dir/orthanc.pid"
  if [ "${2:-}" = purge ]; then rm -rf "$dir"; fi
  return 0
}

if [ "$action" = stop ]; then
  [ -d "$inst" ] || exit 0
  stop_instance "$inst" "$([ "$purge" = 1 ] && echo purge)"
  exit 0
fi
if [ "$action" = status ]; then
  pid_alive "$inst/orthanc.pid" && answers || exit 1
  facts
  exit 0
fi
[ "$action" = start ] || die "usage: orthanc.sh start|stop|status [--auth] [--name N] [--port P|auto] [--json]"

ensure_packages /usr/sbin/Orthanc=orthanc curl=curl
# The plugin is a shared library, not an executable: ensure_packages cannot test it.
[ -f /usr/share/orthanc/plugins/libOrthancDicomWeb.so ] || ensure_packages /nonexistent/orthanc-dicomweb=orthanc-dicomweb

# Test files start instances in parallel: one caller at a time picks ports and starts.
exec 9>"$SERVICES_STATE/.lock-orthanc"
# Orthanc must not inherit fd 9 (it would hold this lock for its whole life): each launch closes it, 9>&-.
flock -w 120 9 || die "another orthanc.sh holds $SERVICES_STATE/.lock-orthanc for over 120 s"

# Instances whose owner process is gone (a test run that crashed or was killed) are stopped and purged.
for dir in "$SERVICES_STATE"/orthanc-*; do
  [ -s "$dir/owner" ] || continue
  kill -0 "$(cat "$dir/owner")" 2>/dev/null || stop_instance "$dir" purge
done

if pid_alive "$inst/orthanc.pid" && answers; then facts; exit 0; fi
stop_instance "$inst"

install -d -m 700 "$inst" "$inst/db"
[ -n "$owner" ] && echo "$owner" > "$inst/owner"
if [ "$auth" = 1 ] && [ ! -s "$inst/password" ]; then
  (umask 077; head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$inst/password")
fi
[ "$auth" = 1 ] || rm -f "$inst/password"

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# free_port: a port in 20000-59999 nobody listens on (our own starts are serialised by the lock; a bind that
# still fails is retried below with other ports).
free_port() {
  local p
  for _ in $(seq 1 200); do
    p=$(( 20000 + RANDOM % 40000 ))
    in_use "$p" || { echo "$p"; return 0; }
  done
  die "no free port found"
}

attempts=1
{ [ "$port" = auto ] || [ "$dicom_port" = auto ]; } && attempts=5
for attempt in $(seq 1 "$attempts"); do
  p=$port dp=$dicom_port
  [ "$p" = auto ] && p=$(free_port)
  [ "$dp" = auto ] && { dp=$(free_port); [ "$dp" != "$p" ] || dp=$(free_port); }
  in_use "$p" && die "port $p is in use (another Orthanc or service?): stop it or pass --port"
  echo "$p" > "$inst/port"; echo "$dp" > "$inst/dicom-port"
  if [ "$auth" = 1 ]; then
    auth_conf="\"AuthenticationEnabled\": true, \"RegisteredUsers\": { \"$user\": \"$(cat "$inst/password")\" },"
  else
    auth_conf="\"AuthenticationEnabled\": false, \"RegisteredUsers\": {},"
  fi
  # RemoteAccessAllowed false: Orthanc 1.10 listens on every IPv4 address; this answers 401 to anyone not on
  # 127.0.0.1. DIMSE accepts stores and echoes only from the registered local SCU.
  cat > "$inst/orthanc.json" <<CONF
{
  "Name": "medaas-$name",
  "StorageDirectory": "$inst/db",
  "IndexDirectory": "$inst/db",
  "StorageCompression": false,
  "Plugins": ["/usr/share/orthanc/plugins/libOrthancDicomWeb.so"],
  "ConcurrentJobs": 1,
  "SaveJobs": false,
  "HttpServerEnabled": true,
  "HttpPort": $p,
  "HttpThreadsCount": 10,
  "OrthancExplorerEnabled": false,
  "WebDavEnabled": false,
  "RemoteAccessAllowed": false,
  $auth_conf
  "DicomServerEnabled": true,
  "DicomAet": "ORTHANC",
  "DicomPort": $dp,
  "DicomCheckCalledAet": false,
  "DicomAlwaysAllowStore": false,
  "DicomAlwaysAllowEcho": false,
  "DicomCheckModalityHost": true,
  "DicomModalities": { "scu": ["STORESCU", "127.0.0.1", 11112] },
  "DicomWeb": { "Enable": true, "Root": "/dicom-web/", "EnableWado": true, "WadoRoot": "/wado", "Ssl": false }
}
CONF
  chmod 600 "$inst/orthanc.json"
  # setsid + nohup: the server outlives this script and the test process that called it.
  setsid nohup /usr/sbin/Orthanc --logfile="$inst/orthanc.log" "$inst/orthanc.json" >>"$inst/stdout.log" 2>&1 < /dev/null 9>&- &
  echo $! > "$inst/orthanc.pid"
  # Ready when GET /system answers; a process that exits (a port taken meanwhile) is retried at once.
  deadline=$(( $(date +%s) + 30 ))
  while pid_alive "$inst/orthanc.pid" && [ "$(date +%s)" -lt "$deadline" ]; do
    if answers; then facts; exit 0; fi
    sleep 0.1
  done
  stop_instance "$inst"
done
tail -20 "$inst/orthanc.log" >&2 2>/dev/null || true
die "Orthanc $name did not answer GET /system on port $(cat "$inst/port") within 30 s"

#!/usr/bin/env bash
# Shared helpers of the service scripts (and of setup-test-env.sh): install missing Debian packages, wait
# for a condition.
# Sourced, not run. Everything here is idempotent.

SERVICES_STATE=${MEDAAS_SERVICES_DIR:-/tmp/medaas-services}

die() { echo "services: $*" >&2; exit 1; }

# apt_get ARGS...: apt-get that waits (up to $MEDAAS_APT_WAIT_SEC, default 300 s) for another install to
# finish instead of failing: the dpkg lock through DPkg::Lock::Timeout, the package lists' lock (which
# apt-get update takes and that option does not cover) by retrying. Our own callers queue on a flock first.
apt_get() {
  local wait=${MEDAAS_APT_WAIT_SEC:-300} deadline out status
  deadline=$(( $(date +%s) + wait ))
  install -d -m 755 "$SERVICES_STATE"
  (
    flock -w "$wait" 8 || { echo "services: another medaas install held the apt lock for over $wait s" >&2; exit 1; }
    while :; do
      status=0
      out=$(DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout="$wait" "$@" 2>&1) || status=$?
      if [ "$status" -ne 0 ] && grep -q 'Could not get lock\|Unable to lock\|Unable to acquire the dpkg frontend lock' <<<"$out" &&
        [ "$(date +%s)" -lt "$deadline" ]; then
        sleep 2
        continue
      fi
      [ "$status" -eq 0 ] || printf '%s\n' "$out" >&2
      exit "$status"
    done
  ) 8>"$SERVICES_STATE/.lock-apt"
}

# ensure_packages CMD=PKG ...: installs PKG when CMD is missing. CI starts on a fresh machine, so the
# package lists may be absent or stale: refresh them before the first install.
ensure_packages() {
  local need=() pair
  for pair in "$@"; do
    [ -x "${pair%%=*}" ] || command -v "${pair%%=*}" >/dev/null 2>&1 || need+=("${pair#*=}")
  done
  [ ${#need[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to install ${need[*]}"
  echo "services: installing ${need[*]}" >&2
  apt_get update -qq || die "apt-get update failed"
  apt_get install -y -qq --no-install-recommends "${need[@]}" || die "apt-get install ${need[*]} failed"
}

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds.
wait_for() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# pid_alive PIDFILE: whether the process named in PIDFILE runs.
pid_alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# descendants PID: every descendant of PID, deepest first, so that a tree can be killed bottom-up.
descendants() {
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    descendants "$child"
    echo "$child"
  done
}

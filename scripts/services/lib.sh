#!/usr/bin/env bash
# Shared helpers of the service scripts: install missing Debian packages, wait for a condition.
# Sourced, not run. Everything here is idempotent.

SERVICES_STATE=${MEDAAS_SERVICES_DIR:-/tmp/medaas-services}

die() { echo "services: $*" >&2; exit 1; }

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
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || apt-get update >&2
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null || die "apt-get install ${need[*]} failed"
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

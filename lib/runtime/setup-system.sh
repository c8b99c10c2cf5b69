#!/usr/bin/env bash
# Installs and starts what Wharf needs from the operating system, and only what is missing:
#   - a reachable Postgres (installs Debian's postgresql and starts its cluster when none answers)
#   - Debian's docker-registry (CNCF Distribution 2.8) and skopeo
#   - with --for-tests: Debian's chromium for the Playwright end-to-end tests, and podman for the
#     registry-client tests (lib/gateway/podman.test.ts: it pushes and pulls through the gateway
#     with a vfs store under a temp dir; no daemon, no systemd), and slapd for the LDAP tests
# Safe to run again: a second run checks and changes nothing.
set -euo pipefail

for_tests=0
[ "${1:-}" = "--for-tests" ] && for_tests=1

say() { printf 'setup: %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else say "need root (or sudo) to run: $*"; exit 1
  fi
}

apt_updated=0
apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing $*, and this is not a Debian/Ubuntu system: install them by hand"; exit 1
  fi
  if [ "$apt_updated" = 0 ]; then
    say "apt-get update"
    as_root apt-get update -qq
    apt_updated=1
  fi
  say "installing $* (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Postgres -----------------------------------------------------------------------------------
db_url="${DATABASE_URL:-}"
if [ -z "$db_url" ] && [ -f .env ]; then
  db_url=$(sed -n 's/^DATABASE_URL=//p' .env | tail -n 1 | tr -d '"'"'"'')
fi
db_url="${db_url:-postgresql://postgres:postgres@127.0.0.1:5432/wharf}"
db_hostport=$(printf '%s' "$db_url" | sed -E 's#^[a-z]+://([^@/]*@)?([^/?]*).*#\2#')
db_host="${db_hostport%%:*}"
db_port="${db_hostport##*:}"
[ "$db_port" = "$db_hostport" ] && db_port=5432

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

start_local_clusters() {
  command -v pg_lsclusters >/dev/null 2>&1 || return 0
  pg_lsclusters --no-header 2>/dev/null | while read -r ver name _port status _rest; do
    if [ "$status" != "online" ]; then
      say "starting Postgres cluster $ver/$name"
      as_root pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start || true
    fi
  done
}

if port_open "$db_host" "$db_port"; then
  say "Postgres answers at $db_host:$db_port"
elif [ "$db_host" = "127.0.0.1" ] || [ "$db_host" = "localhost" ]; then
  installed_now=0
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
    installed_now=1
  fi
  start_local_clusters
  for _ in $(seq 1 50); do port_open "$db_host" "$db_port" && break; sleep 0.2; done
  port_open "$db_host" "$db_port" || { say "Postgres does not answer at $db_host:$db_port; check pg_lsclusters"; exit 1; }
  if [ "$installed_now" = 1 ]; then
    # A fresh Debian cluster accepts TCP logins by password only: give the postgres role the
    # password the default DATABASE_URL uses (local development only).
    say "setting the local postgres role's password for the default DATABASE_URL"
    as_root su postgres -c "psql -qc \"ALTER ROLE postgres PASSWORD 'postgres'\"" >/dev/null
  fi
  say "Postgres answers at $db_host:$db_port"
else
  say "Postgres at $db_host:$db_port does not answer; start it or fix DATABASE_URL"; exit 1
fi

# --- Registry, client and browser ------------------------------------------------------------------
missing=()
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
if [ "$for_tests" = 1 ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
if [ "$for_tests" = 1 ] && ! command -v podman >/dev/null 2>&1; then missing+=(podman); fi
# promtool (Debian's prometheus package) checks and tests lib/metrics/wharf.rules.yml.
if [ "$for_tests" = 1 ] && ! command -v promtool >/dev/null 2>&1; then missing+=(prometheus); fi
# OpenLDAP's slapd (and ldap-utils) for the LDAP sign-in tests (lib/testing/slapd.ts starts its own
# server on a loopback port with a generated config; the package's own service is not used).
if [ "$for_tests" = 1 ] && [ ! -x /usr/sbin/slapd ]; then missing+=(slapd ldap-utils); fi
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi
say "docker-registry $(docker-registry -v 2>/dev/null | awk '{print $3}'), $(skopeo --version)"
[ "$for_tests" = 1 ] && say "$(/usr/bin/chromium --version 2>/dev/null | head -n 1), $(podman --version), $(promtool --version 2>/dev/null | head -n 1)"
exit 0

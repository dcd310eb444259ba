#!/usr/bin/env bash
# Provisions a local PostgreSQL 17 with pgvector and pg_cron on 127.0.0.1 (and Apache AGE, the
# baseline the graph benchmark compares pgrag with), plus a websockify bridge for the Neon driver
# and a PgBouncer in transaction mode (what Supabase's and Neon's poolers run), and prints the
# connection settings. Idempotent: a cached root is reused, a running server is left alone.
#
# The machines run Debian bookworm, whose PostgreSQL has no pgvector; Debian trixie packages it.
# Installing trixie packages into bookworm would pull in a newer libc, so the server lives in a
# minimal trixie root made by debootstrap and is started with chroot. Needs root.
set -euo pipefail

PG_ROOT="${PGRAG_PG_ROOT:-/var/cache/pgrag/pg17-trixie}"
PG_PORT="${PGRAG_PG_PORT:-54317}"
WS_PORT="${PGRAG_WS_PORT:-54318}"
BOUNCER_PORT="${PGRAG_PGBOUNCER_PORT:-54319}"
BOUNCER_DIR="$(dirname "$PG_ROOT")/pgbouncer"
PG_DB="${PGRAG_PG_DB:-pgrag}"
PG_PASSWORD="${PGRAG_PG_PASSWORD:-pgrag}"
PACKAGES="postgresql-17,postgresql-17-pgvector,postgresql-17-cron,postgresql-17-age"
CONF="$PG_ROOT/etc/postgresql/17/main/postgresql.conf"
PID_FILE="$PG_ROOT/var/lib/postgresql/17/main/postmaster.pid"

log() { echo "db-up: $*" >&2; }

need_host_packages() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v websockify >/dev/null || missing+=(websockify)
  command -v pgbouncer >/dev/null || missing+=(pgbouncer)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# The Debian mirror this machine already uses: the first URIs: of its deb822 apt sources (or the
# first deb line of a classic sources.list), so no mirror is named here.
debian_mirror() {
  local uri
  uri="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources \
    2>/dev/null | head -1)"
  [[ -n "$uri" ]] || uri="$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) \
    { print $i; exit } }' /etc/apt/sources.list 2>/dev/null)"
  [[ -n "$uri" ]] || { log "no Debian mirror found in /etc/apt/sources.list.d/*.sources"; exit 1; }
  echo "$uri"
}

# A root left half made (a failed or killed run) may still have /proc mounted: unmount whatever
# lies under it before removing it, or rm -rf would walk into the host's /proc.
remove_partial_root() {
  local mount
  for mount in $(awk -v root="$PG_ROOT" 'index($2, root "/") == 1 { print $2 }' /proc/mounts |
    sort -r); do
    umount -l "$mount" 2>/dev/null || true
  done
  rm -rf "$PG_ROOT"
}

bootstrap_root() {
  [[ -f "$PG_ROOT/.pgrag-ready" ]] && return
  log "creating a trixie root with PostgreSQL 17 in $PG_ROOT (about a minute)"
  remove_partial_root
  mkdir -p "$PG_ROOT"
  if ! debootstrap --variant=minbase --include="$PACKAGES" trixie "$PG_ROOT" \
    "$(debian_mirror)" >"$PG_ROOT.debootstrap.log" 2>&1; then
    log "debootstrap failed; the end of its log ($PG_ROOT.debootstrap.log):"
    tail -20 "$PG_ROOT.debootstrap.log" >&2
    exit 1
  fi
  touch "$PG_ROOT/.pgrag-ready"
}

# Roots cached before AGE joined PACKAGES lack it; install it into them once.
add_age() {
  chroot "$PG_ROOT" dpkg -s postgresql-17-age >/dev/null 2>&1 && return
  log "installing postgresql-17-age into $PG_ROOT"
  chroot "$PG_ROOT" apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive chroot "$PG_ROOT" apt-get install -y -qq postgresql-17-age >/dev/null
}

configure() {
  # Appended settings win over earlier ones; the markers keep this idempotent.
  configure_cron_workers
  grep -q '^# pgrag settings$' "$CONF" && return
  cat >>"$CONF" <<CONF_EOF
# pgrag settings
port = $PG_PORT
listen_addresses = '127.0.0.1'
shared_preload_libraries = 'pg_cron'
cron.database_name = '$PG_DB'
max_connections = 200
fsync = ${PGRAG_PG_FSYNC:-on}
CONF_EOF
}

# pg_cron runs jobs in background workers rather than over a password-protected connection to
# itself. Clusters configured before this setting get it added (and are restarted for it).
configure_cron_workers() {
  grep -q '^# pgrag cron workers' "$CONF" && return
  cat >>"$CONF" <<CONF_EOF
# pgrag cron workers
cron.use_background_workers = on
max_worker_processes = 16
CONF_EOF
  if is_running; then chroot "$PG_ROOT" pg_ctlcluster 17 main restart 9>&-; fi
}

is_running() {
  [[ -f "$PID_FILE" ]] && kill -0 "$(head -1 "$PID_FILE")" 2>/dev/null
}

start_server() {
  mountpoint -q "$PG_ROOT/proc" || mount -t proc proc "$PG_ROOT/proc"
  if is_running; then return; fi
  rm -f "$PID_FILE"
  chroot "$PG_ROOT" pg_ctlcluster 17 main start 9>&-
}

psql_root() {
  chroot "$PG_ROOT" su postgres -c "psql -p $PG_PORT -v ON_ERROR_STOP=1 -qAt $*"
}

create_database() {
  for _ in $(seq 1 50); do
    psql_root "-c 'select 1'" >/dev/null 2>&1 && break
    sleep 0.2
  done
  psql_root "-c \"alter role postgres password '$PG_PASSWORD'\"" >/dev/null
  if [[ -z "$(psql_root "-c \"select 1 from pg_database where datname = '$PG_DB'\"")" ]]; then
    psql_root "-c 'create database $PG_DB'" >/dev/null
  fi
}

start_websockify() {
  if ! (echo >"/dev/tcp/127.0.0.1/$WS_PORT") 2>/dev/null; then
    websockify -D "127.0.0.1:$WS_PORT" "127.0.0.1:$PG_PORT" >/dev/null 2>&1 9>&-
  fi
}

start_pgbouncer() {
  (echo >"/dev/tcp/127.0.0.1/$BOUNCER_PORT") 2>/dev/null && return
  mkdir -p "$BOUNCER_DIR"
  # One server connection per database: every transaction of every client shares it, which is
  # what lets the tests prove that no session state survives from one transaction to the next.
  cat >"$BOUNCER_DIR/pgbouncer.ini" <<INI_EOF
[databases]
* = host=127.0.0.1 port=$PG_PORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $BOUNCER_PORT
unix_socket_dir =
auth_type = plain
auth_file = $BOUNCER_DIR/users.txt
pool_mode = transaction
default_pool_size = 1
max_client_conn = 200
ignore_startup_parameters = extra_float_digits,options,application_name
logfile = $BOUNCER_DIR/pgbouncer.log
pidfile = $BOUNCER_DIR/pgbouncer.pid
INI_EOF
  echo "\"postgres\" \"$PG_PASSWORD\"" >"$BOUNCER_DIR/users.txt"
  chown -R postgres "$BOUNCER_DIR"
  pgbouncer -d -u postgres "$BOUNCER_DIR/pgbouncer.ini" 9>&-
}

# One provisioning at a time: a second run waits for the first (which may be building the root)
# and then finds everything in place.
mkdir -p "$(dirname "$PG_ROOT")"
# The servers started below must not inherit the lock's descriptor (9>&-), or they would hold it.
exec 9>"$PG_ROOT.lock"
if ! flock -w 600 9; then
  log "another db-up has held $PG_ROOT.lock for 10 minutes; giving up"
  exit 1
fi

need_host_packages
bootstrap_root
add_age
configure
start_server
create_database
start_websockify
start_pgbouncer
log "PostgreSQL 17 on 127.0.0.1:$PG_PORT, websockify on :$WS_PORT, PgBouncer on :$BOUNCER_PORT"
echo "DATABASE_URL=postgres://postgres:$PG_PASSWORD@127.0.0.1:$PG_PORT/$PG_DB"
echo "PGRAG_NEON_WS_PROXY=127.0.0.1:$WS_PORT"
echo "PGRAG_PGBOUNCER_URL=postgres://postgres:$PG_PASSWORD@127.0.0.1:$BOUNCER_PORT/$PG_DB"
# How to restart the server (as root), for the fault suite's restart scenario.
echo "PGRAG_PG_RESTART='chroot $PG_ROOT pg_ctlcluster 17 main restart'"

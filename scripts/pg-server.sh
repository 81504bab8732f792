#!/usr/bin/env bash
# Start or stop a private, throw-away PostgreSQL 15 server for tests (PostgreSQL refuses to run as
# root, so it runs as the `postgres` user on its own port and socket directory).
#   scripts/pg-server.sh start [port]   → prints the DATABASE_URL to use
#   scripts/pg-server.sh stop  [port]
source "$(dirname "$0")/help.sh"
set -euo pipefail
cmd="${1:-start}"; port="${2:-5433}"
dir="${PG_TEST_DIR:-/tmp/sarc-pg-$port}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -n "$bin" ] && export PATH="$bin:$PATH"
command -v pg_ctl >/dev/null || { echo "pg-server: PostgreSQL server binaries not found (apt-get install -y postgresql)" >&2; exit 1; }
# Under libfaketime (scripts/test-shifted.sh) the server keeps the shifted clock, but the
# root-owned clock semaphore named in FAKETIME_SHARED cannot be opened by the postgres user: su
# runs without the preload, and the postgres user's shell puts it back for pg_ctl and the server.
as_pg() {
  if [ "$(id -u)" != 0 ]; then bash -c "$*"; return; fi
  local preload=""
  [ -n "${LD_PRELOAD:-}" ] && preload="export LD_PRELOAD='$LD_PRELOAD'; "
  env -u LD_PRELOAD -u FAKETIME_SHARED su postgres -s /bin/bash -c "$preload$*"
}

case "$cmd" in
  start)
    if [ ! -f "$dir/data/PG_VERSION" ]; then
      mkdir -p "$dir"; [ "$(id -u)" = 0 ] && chown postgres "$dir"
      as_pg "initdb -D '$dir/data' -U postgres --auth=trust -E UTF8 --no-sync" >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    if ! as_pg "pg_ctl -D '$dir/data' status" >/dev/null 2>&1; then
      as_pg "pg_ctl -D '$dir/data' -l '$dir/server.log' -w -t 60 -o \"-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start" >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    fi
    echo "postgresql://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    as_pg "pg_ctl -D '$dir/data' -m fast -w stop" >/dev/null 2>&1 || true
    ;;
  *) echo "usage: $0 start|stop [port]" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Runs bench_hop on SQLite and on a throwaway PostgreSQL 15 server started
# for the run (a temp directory, a Unix socket only, the server's default
# durability: fsync and synchronous_commit on), then stops it.
#
#   scripts/bench-pg.sh [BENCH_HOP_OPTION...]
#     e.g. scripts/bench-pg.sh --messages 50000 --hosts 3
#          scripts/bench-pg.sh --messages 20000 --hosts 3 --soak 600
#
# Needs the build (build/bin/bench_hop) and postgresql-15 (scripts/setup.sh
# installs it). initdb refuses root, so the server runs as `postgres` via
# runuser when this runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=/usr/lib/postgresql/15/bin
[ -x build/bin/bench_hop ] || { echo "bench-pg: build first (scripts/setup.sh build)" >&2; exit 1; }
[ -x "$bin/initdb" ] || { echo "bench-pg: postgresql-15 is not installed (scripts/setup.sh)" >&2; exit 1; }

dir=$(mktemp -d /tmp/weir-bench-pg-XXXXXX)
as_pg=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
stop() {
  "${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

"${as_pg[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust >/dev/null
"${as_pg[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses='' -c unix_socket_directories=$dir -c max_connections=100" start >/dev/null
"${as_pg[@]}" "$bin/createdb" -h "$dir" -U postgres bench
build/bin/bench_hop --store postgres --pg-url "postgresql:///bench?host=$dir&user=postgres" "$@"

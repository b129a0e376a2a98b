# Throwaway PostgreSQL on loopback, for tests and benchmarks. Source it, then:
#   pg_start [durable]   initdb into a temp dir and start a server on a free port; exports
#                        EVENTIFY_TEST_PG_URL, PGHOST, PGPORT, PGUSER, PGDATABASE.
#                        With "durable": fsync and synchronous_commit on (for benchmarks).
#   pg_stop              stop it and remove the temp dir.
# initdb refuses to run as root, so as root the server runs as the "postgres" user.

pg_free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

pg_start() {
  local durable=${1:-}
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
  if [ -z "$PG_BIN" ]; then echo "postgres.sh: PostgreSQL server binaries not found" >&2; return 1; fi
  PG_TMP=$(mktemp -d /tmp/eventify-pg.XXXXXX)
  local as_pg=""
  if [ "$(id -u)" = 0 ]; then
    chown postgres:postgres "$PG_TMP"
    as_pg="runuser -u postgres --"
  fi
  (cd "$PG_TMP" && $as_pg "$PG_BIN/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 \
      --locale=C --no-sync >"$PG_TMP/initdb.log" 2>&1) || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  local settings="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "$durable" = durable ]; then
    settings="-c fsync=on -c synchronous_commit=on -c full_page_writes=on"
  fi
  local try
  for try in 1 2 3; do
    PGPORT=$(pg_free_port)
    if (cd "$PG_TMP" && $as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 30 \
          -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $PG_TMP -c max_connections=300 $settings" \
          start >/dev/null); then
      export PGHOST=127.0.0.1 PGPORT PGUSER=postgres PGDATABASE=postgres PG_TMP PG_BIN
      export EVENTIFY_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
      return 0
    fi
  done
  cat "$PG_TMP/server.log" >&2
  return 1
}

pg_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  local as_pg=""
  [ "$(id -u)" = 0 ] && as_pg="runuser -u postgres --"
  (cd "$PG_TMP" && $as_pg "$PG_BIN/pg_ctl" -D "$PG_TMP/data" -m immediate -w stop >/dev/null 2>&1)
  rm -rf "$PG_TMP"
  unset PG_TMP EVENTIFY_TEST_PG_URL
}

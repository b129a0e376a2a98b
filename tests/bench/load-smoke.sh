#!/usr/bin/env bash
# Smoke test of eventify-load, not a benchmark (no figure is checked): a server on a fresh data
# folder, a small seed, a short chat run, an idle run and a booking race. Each mode exits non-zero
# on a missing delivery, an error frame, a socket the server closed, an oversell or an unexpected
# answer, so this fails on any of them.
# usage: load-smoke.sh EVENTIFY_SERVER EVENTIFY_LOAD
set -euo pipefail
server=$1
load=$2
dir=$(mktemp -d)
pid=
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT
"$server" --data_dir="$dir/data" --listen.port=0 --ws.port=0 \
  --ws.max_messages_per_second=100000 --ws.max_connections_per_address=10000 >"$dir/log" 2>&1 &
pid=$!
for _ in $(seq 300); do grep -q "listening on" "$dir/log" && break; sleep 0.1; done
ws=$(sed -n 's|.*websockets on ws://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$dir/log")
http=$(sed -n 's|.*listening on http://[^ ]*:\([0-9][0-9]*\).*|\1|p' "$dir/log")
if [ -z "$ws" ] || [ -z "$http" ]; then
  echo "load-smoke: the server did not start:" >&2
  cat "$dir/log" >&2
  exit 1
fi
"$load" seed --database "sqlite:$dir/data/eventify.db" --secret-key-file "$dir/data/secret.key" \
  --out "$dir/seed" --rooms 5 --members 4 --idle-users 10 --buyers 40 --capacity 25
"$load" chat --in "$dir/seed" --ws-port "$ws" --rates 100,200 --step-seconds 1 \
  --drain-seconds 10 --server-pid "$pid"
"$load" idle --in "$dir/seed" --ws-port "$ws" --connections 50 --hold-seconds 0.2 \
  --server-pid "$pid"
"$load" booking --in "$dir/seed" --http-port "$http" --threads 8

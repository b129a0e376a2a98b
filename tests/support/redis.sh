# Throwaway Redis on loopback, for tests and benchmarks. Source it, then:
#   redis_start [port]  start redis-server (no persistence) on a free port, or on `port` (a
#                       restart); exports EVENTIFY_TEST_REDIS_PORT and REDIS_TMP.
#   redis_stop          stop it (SHUTDOWN NOSAVE) and wait until it is gone; keeps REDIS_TMP.
#   redis_cleanup       redis_stop, then remove REDIS_TMP.
# Redis runs fine as root; it daemonizes and is found again through its pid file.

redis_free_port() {
  python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

redis_start() {
  local fixed=${1:-} try port i
  [ -n "${REDIS_TMP:-}" ] || REDIS_TMP=$(mktemp -d /tmp/eventify-redis.XXXXXX)
  export REDIS_TMP
  for try in 1 2 3 4 5; do
    port=${fixed:-$(redis_free_port)}
    redis-server --bind 127.0.0.1 --port "$port" --dir "$REDIS_TMP" --save '' --appendonly no \
      --daemonize yes --pidfile "$REDIS_TMP/redis.pid" --logfile "$REDIS_TMP/redis.log" || continue
    for i in $(seq 1 200); do  # up to 10 s
      if [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; then
        export EVENTIFY_TEST_REDIS_PORT=$port
        return 0
      fi
      sleep 0.05
    done
  done
  cat "$REDIS_TMP/redis.log" >&2
  return 1
}

redis_stop() {
  [ -n "${EVENTIFY_TEST_REDIS_PORT:-}" ] || return 0
  redis-cli -h 127.0.0.1 -p "$EVENTIFY_TEST_REDIS_PORT" shutdown nosave >/dev/null 2>&1 \
    || kill "$(cat "$REDIS_TMP/redis.pid" 2>/dev/null)" 2>/dev/null
  local i
  for i in $(seq 1 200); do
    [ -e "$REDIS_TMP/redis.pid" ] || return 0
    sleep 0.05
  done
}

redis_cleanup() {
  [ -n "${REDIS_TMP:-}" ] || return 0
  redis_stop
  rm -rf "$REDIS_TMP"
  unset REDIS_TMP EVENTIFY_TEST_REDIS_PORT
}

#!/usr/bin/env bash
# Restarts the throwaway Redis of with-redis.sh on the same port (REDIS_TMP and
# EVENTIFY_TEST_REDIS_PORT come from it). Pass "down" to stop it without starting it again, "up"
# to start it again.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/redis.sh"
case "${1:-restart}" in
  down) redis_stop ;;
  up) redis_start "$EVENTIFY_TEST_REDIS_PORT" ;;
  *) redis_stop && redis_start "$EVENTIFY_TEST_REDIS_PORT" ;;
esac

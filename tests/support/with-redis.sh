#!/usr/bin/env bash
# Runs one command with a throwaway Redis server on loopback, which it starts before and stops
# after. The command finds it through EVENTIFY_TEST_REDIS_PORT, and may restart it (same port, all
# data gone) by running the command in EVENTIFY_TEST_REDIS_RESTART. Used by CTest for the Redis
# bus suite.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/redis.sh"
redis_start || { echo "with-redis.sh: could not start Redis" >&2; exit 1; }
trap redis_cleanup EXIT
export EVENTIFY_TEST_REDIS_RESTART="$here/redis-restart.sh"
"$@"

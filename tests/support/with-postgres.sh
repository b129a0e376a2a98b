#!/usr/bin/env bash
# Runs one command with a throwaway PostgreSQL server, which it starts before and stops after.
# The command finds the server through EVENTIFY_TEST_PG_URL. Used by CTest for *_postgresql tests.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/postgres.sh"
pg_start || { echo "with-postgres.sh: could not start PostgreSQL" >&2; exit 1; }
trap pg_stop EXIT
"$@"

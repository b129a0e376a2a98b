#!/usr/bin/env bash
# Runs one command with a local SMTP sink (support/smtp_sink.py, Debian's python3-aiosmtpd) on a
# loopback port the kernel picks, which it starts before and stops after. The command finds it
# through EVENTIFY_TEST_SMTP_PORT, EVENTIFY_TEST_SMTP_DIR (where each message arrives),
# EVENTIFY_TEST_SMTP_USER and EVENTIFY_TEST_SMTP_PASSWORD (the sink requires AUTH).
set -u
here=$(cd "$(dirname "$0")" && pwd)
EVENTIFY_TEST_SMTP_TMP=$(mktemp -d /tmp/eventify-smtp.XXXXXX)
export EVENTIFY_TEST_SMTP_DIR="$EVENTIFY_TEST_SMTP_TMP/mail"
export EVENTIFY_TEST_SMTP_USER=eventify-test
EVENTIFY_TEST_SMTP_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
export EVENTIFY_TEST_SMTP_PASSWORD
mkdir "$EVENTIFY_TEST_SMTP_DIR"
/usr/bin/python3 "$here/smtp_sink.py" --dir "$EVENTIFY_TEST_SMTP_DIR" \
    --port-file "$EVENTIFY_TEST_SMTP_TMP/port" --user "$EVENTIFY_TEST_SMTP_USER" \
    >"$EVENTIFY_TEST_SMTP_TMP/sink.log" 2>&1 &
sink_pid=$!
stop_sink() {
  kill "$sink_pid" 2>/dev/null
  wait "$sink_pid" 2>/dev/null
  rm -rf "$EVENTIFY_TEST_SMTP_TMP"
}
trap stop_sink EXIT
for _ in $(seq 1 200); do  # up to 10 s
  [ -s "$EVENTIFY_TEST_SMTP_TMP/port" ] && break
  kill -0 "$sink_pid" 2>/dev/null || break
  sleep 0.05
done
if [ ! -s "$EVENTIFY_TEST_SMTP_TMP/port" ]; then
  echo "with-smtp-sink.sh: the SMTP sink did not start:" >&2
  cat "$EVENTIFY_TEST_SMTP_TMP/sink.log" >&2
  exit 1
fi
EVENTIFY_TEST_SMTP_PORT=$(cat "$EVENTIFY_TEST_SMTP_TMP/port")
export EVENTIFY_TEST_SMTP_PORT
"$@"

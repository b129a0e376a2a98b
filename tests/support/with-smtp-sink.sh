#!/usr/bin/env bash
# Runs one command with a local SMTP sink (support/smtp_sink.py, Debian's python3-aiosmtpd) on
# loopback ports the kernel picks, which it starts before and stops after. The command finds it
# through EVENTIFY_TEST_SMTP_PORT (plain SMTP), EVENTIFY_TEST_SMTP_STARTTLS_PORT (STARTTLS
# required), EVENTIFY_TEST_SMTPS_PORT (implicit TLS), EVENTIFY_TEST_SMTP_CA (the sink's
# self-signed certificate for 127.0.0.1, made for this run with openssl), EVENTIFY_TEST_SMTP_DIR
# (where each message arrives), EVENTIFY_TEST_SMTP_USER and EVENTIFY_TEST_SMTP_PASSWORD (the sink
# requires AUTH), and EVENTIFY_TEST_SMTP_LATE_PORT, a plain SMTP port that refuses connections
# until the file EVENTIFY_TEST_SMTP_LATE_TRIGGER exists (a mail server that is down, then back).
set -u
here=$(cd "$(dirname "$0")" && pwd)
EVENTIFY_TEST_SMTP_TMP=$(mktemp -d /tmp/eventify-smtp.XXXXXX)
export EVENTIFY_TEST_SMTP_DIR="$EVENTIFY_TEST_SMTP_TMP/mail"
export EVENTIFY_TEST_SMTP_USER=eventify-test
EVENTIFY_TEST_SMTP_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
export EVENTIFY_TEST_SMTP_PASSWORD
export EVENTIFY_TEST_SMTP_CA="$EVENTIFY_TEST_SMTP_TMP/cert.pem"
export EVENTIFY_TEST_SMTP_LATE_TRIGGER="$EVENTIFY_TEST_SMTP_TMP/open-late-port"
mkdir "$EVENTIFY_TEST_SMTP_DIR"
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$EVENTIFY_TEST_SMTP_TMP/key.pem" \
    -out "$EVENTIFY_TEST_SMTP_CA" >"$EVENTIFY_TEST_SMTP_TMP/openssl.log" 2>&1; then
  echo "with-smtp-sink.sh: could not make a certificate:" >&2
  cat "$EVENTIFY_TEST_SMTP_TMP/openssl.log" >&2
  rm -rf "$EVENTIFY_TEST_SMTP_TMP"
  exit 1
fi
/usr/bin/python3 "$here/smtp_sink.py" --dir "$EVENTIFY_TEST_SMTP_DIR" \
    --port-file "$EVENTIFY_TEST_SMTP_TMP/port" --user "$EVENTIFY_TEST_SMTP_USER" \
    --tls-cert "$EVENTIFY_TEST_SMTP_CA" --tls-key "$EVENTIFY_TEST_SMTP_TMP/key.pem" \
    --late-trigger "$EVENTIFY_TEST_SMTP_LATE_TRIGGER" \
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
read -r EVENTIFY_TEST_SMTP_PORT EVENTIFY_TEST_SMTP_STARTTLS_PORT EVENTIFY_TEST_SMTPS_PORT \
  EVENTIFY_TEST_SMTP_LATE_PORT <"$EVENTIFY_TEST_SMTP_TMP/port"
export EVENTIFY_TEST_SMTP_PORT EVENTIFY_TEST_SMTP_STARTTLS_PORT EVENTIFY_TEST_SMTPS_PORT \
  EVENTIFY_TEST_SMTP_LATE_PORT
"$@"

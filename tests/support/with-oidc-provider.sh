#!/usr/bin/env bash
# Runs one command with a local OpenID Connect provider (support/oidc_provider.py, Debian's
# python3-cryptography) on a loopback port the kernel picks, which it starts before and stops
# after. The command finds it through EVENTIFY_TEST_OIDC_ISSUER (http://127.0.0.1:<port>, also
# the base of its endpoints), EVENTIFY_TEST_OIDC_CLIENT_ID and EVENTIFY_TEST_OIDC_CLIENT_SECRET
# (the client the provider knows). Composes with with-postgres.sh: either may wrap the other.
set -u
here=$(cd "$(dirname "$0")" && pwd)
EVENTIFY_TEST_OIDC_TMP=$(mktemp -d /tmp/eventify-oidc.XXXXXX)
export EVENTIFY_TEST_OIDC_CLIENT_ID=eventify-test
EVENTIFY_TEST_OIDC_CLIENT_SECRET=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
export EVENTIFY_TEST_OIDC_CLIENT_SECRET
/usr/bin/python3 "$here/oidc_provider.py" --port-file "$EVENTIFY_TEST_OIDC_TMP/port" \
    --client-id "$EVENTIFY_TEST_OIDC_CLIENT_ID" \
    --client-secret "$EVENTIFY_TEST_OIDC_CLIENT_SECRET" \
    >"$EVENTIFY_TEST_OIDC_TMP/provider.log" 2>&1 &
provider_pid=$!
stop_provider() {
  kill "$provider_pid" 2>/dev/null
  wait "$provider_pid" 2>/dev/null
  rm -rf "$EVENTIFY_TEST_OIDC_TMP"
}
trap stop_provider EXIT
for _ in $(seq 1 400); do  # up to 20 s (two RSA keys are generated first)
  [ -s "$EVENTIFY_TEST_OIDC_TMP/port" ] && break
  kill -0 "$provider_pid" 2>/dev/null || break
  sleep 0.05
done
if [ ! -s "$EVENTIFY_TEST_OIDC_TMP/port" ]; then
  echo "with-oidc-provider.sh: the OpenID provider did not start:" >&2
  cat "$EVENTIFY_TEST_OIDC_TMP/provider.log" >&2
  exit 1
fi
read -r port <"$EVENTIFY_TEST_OIDC_TMP/port"
export EVENTIFY_TEST_OIDC_ISSUER="http://127.0.0.1:$port"
"$@"

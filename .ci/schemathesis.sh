#!/usr/bin/env bash
# Fuzzes a live adserver with Schemathesis from its own OpenAPI document (GET
# /openapi.json), with every check, and fails on any finding. Used by .ci/run; runs alone
# too: `.ci/schemathesis.sh [ADSERVER_BINARY]` (default: the debug build).
#
#   SCHEMATHESIS_DB     the database (default: a fresh SQLite file; a postgres:// URL fuzzes a fleet server)
#   SCHEMATHESIS_AUTH   admin (default: every request carries an admin key, so every route is reached)
#                       or none (no credentials: every authenticated route must refuse as documented)
#   SCHEMATHESIS_SEED   the generator's seed (default: a new one each run, printed first, so a
#                       failure can be replayed with the same seed)
#   SCHEMATHESIS_EXAMPLES  cases per operation (default 60)
#
# Bounded: generation from the seed, at most EXAMPLES cases per operation
# and a hard time limit, so a run takes about a minute and never hangs CI.
set -euo pipefail
cd "$(dirname "$0")/.."

binary="${1:-.build/debug/adserver}"
examples="${SCHEMATHESIS_EXAMPLES:-60}"
auth="${SCHEMATHESIS_AUTH:-admin}"
seed="${SCHEMATHESIS_SEED:-$(python3 -c 'import random; print(random.randrange(1, 2**31))')}"
version="4.32.5"
echo "schemathesis: seed $seed, credentials: $auth (replay with SCHEMATHESIS_SEED=$seed SCHEMATHESIS_AUTH=$auth)"

installed() { python3 -c "import schemathesis, sys; sys.exit(schemathesis.__version__ != '$version')" 2>/dev/null; }
for attempt in 1 2 3; do
    installed && break
    python3 -m pip install --quiet --disable-pip-version-check "schemathesis==$version" || sleep $((attempt * 5))
done
installed || { echo "cannot install schemathesis $version from PyPI" >&2; exit 1; }

work="$(mktemp -d)"
db="${SCHEMATHESIS_DB:-$work/vickrey.sqlite}"
headers=()
config=schemathesis.toml
if [ "$auth" = none ]; then
    config=schemathesis-anonymous.toml
elif [ "$auth" = admin ]; then
    # An admin key may do everything, the ledger included: the fuzzer reaches every route.
    adctl="$(dirname "$binary")/adctl"
    key=$("$adctl" apikey create --role admin --label schemathesis --db "$db" 2>/dev/null)
    headers=(--header "Authorization: Bearer $key")
else
    echo "SCHEMATHESIS_AUTH must be admin or none, not '$auth'" >&2
    exit 64
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
AUTH_MAXIMUM_FAILURES=1000000 "$binary" --port "$port" --db "$db" --keys "$work/keys" \
    --server-id schemathesis --public-base-url "http://127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; wait $server 2>/dev/null || true; rm -rf "$work"' EXIT

for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
    sleep 0.1
done

status=0
SCHEMATHESIS_HOOKS=hooks PYTHONPATH=.ci/schemathesis timeout 600 schemathesis \
    --config-file ".ci/schemathesis/$config" run "http://127.0.0.1:$port/openapi.json" \
    --checks all --max-examples "$examples" --seed "$seed" \
    ${headers[@]+"${headers[@]}"} --workers 1 --no-color --suppress-health-check filter_too_much \
    || status=$?
if [ $status -ne 0 ]; then
    echo "schemathesis found failures (exit $status, seed $seed, credentials $auth); server log:" >&2
    tail -n 40 "$work/server.log" >&2
fi
exit $status

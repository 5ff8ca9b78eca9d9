#!/usr/bin/env bash
# A fleet on one machine: a throwaway PostgreSQL cluster (.ci/postgres.sh), N adservers
# sharing it, and the scenario driven at all of them (ads routed by user id, a share of
# beacons crossing servers, replays). A third of the way into the run, server-0 is
# killed with kill -9 and restarted under the same id a second later. The harness
# checks the invariants over every chain (exit 1 if one fails); the ledger is verified
# with adctl, the leases listed, then a second, undisturbed run checks everything again.
#
#   loadtest/fleet.sh [SCENARIO=loadtest/scenarios/smoke.json] [SERVERS=3] [SECONDS=20] [BIN_DIR=.build/release]
#
# LEASE_TTL_SECONDS (default 5 here) and the other server settings pass through.
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-loadtest/scenarios/smoke.json}; count=${2:-3}; seconds=${3:-20}; bin=${4:-.build/release}
token=loadtest-billing-token; base_port=${FLEET_PORT:-18400}; pg_port=${PG_PORT:-54392}
for product in adserver adctl loadtest; do
    [ -x "$bin/$product" ] || swift build -c "$(basename "$bin")" --product $product
done
work=$(mktemp -d); pg_dir=$(mktemp -d /tmp/vickrey-fleet-postgres.XXXXXX)
cleanup() {
    for file in "$work"/pid-*; do [ -f "$file" ] && kill -9 "$(cat "$file")" 2>/dev/null || true; done
    .ci/postgres.sh stop "$pg_dir"; rm -rf "$work" "$pg_dir"
}
trap cleanup EXIT
pg_url=$(.ci/postgres.sh start "$pg_dir" "$pg_port")
db="${pg_url%/postgres}/fleet"
$bin/loadtest generate "$scenario" --out "$work/campaigns.jsonl" > /dev/null 2>&1
$bin/adctl campaign import "$work/campaigns.jsonl" --db "$db" > /dev/null

start_server() {
    local i=$1 port=$((base_port + $1))
    LEDGER_BEARER_TOKEN=$token LEASE_TTL_SECONDS=${LEASE_TTL_SECONDS:-5} \
        "$bin/adserver" --port $port --db "$db" --keys "$work/keys-$i" --no-seed --server-id "server-$i" >> "$work/server-$i.log" 2>&1 &
    echo $! > "$work/pid-$i"
    until curl -sf "localhost:$port/readyz" > /dev/null; do
        kill -0 "$(cat "$work/pid-$i")" 2>/dev/null || { cat "$work/server-$i.log"; exit 2; }
        sleep 0.05
    done
}
urls=""
for i in $(seq 0 $((count - 1))); do start_server "$i"; urls+="${urls:+,}http://127.0.0.1:$((base_port + i))"; done
echo "fleet: $count servers on $db: $urls"

# server-0 dies a third of the way in and comes back under the same id.
( sleep $((seconds / 3)); kill -9 "$(cat "$work/pid-0")"; echo "kill -9 server-0" >&2; sleep 1; start_server 0; echo "server-0 restarted" >&2 ) &
killer=$!
status=0
LEDGER_BEARER_TOKEN=$token "$bin/loadtest" run "$scenario" --url "$urls" --duration "$seconds" --quiet --out "$work/run-1" || status=$?
wait $killer
"$bin/adctl" ledger verify --db "$db" || status=1
"$bin/adctl" lease list --db "$db" | tail -3

echo "second run, every server up:"
LEDGER_BEARER_TOKEN=$token "$bin/loadtest" run "$scenario" --url "$urls" --duration $((seconds / 2)) --quiet --out "$work/run-2" || status=$?
"$bin/adctl" ledger verify --db "$db" || status=1
# A clean shutdown hands every lease back: nothing is left in flight.
for i in $(seq 0 $((count - 1))); do kill "$(cat "$work/pid-$i")"; done
for i in $(seq 0 $((count - 1))); do while kill -0 "$(cat "$work/pid-$i")" 2>/dev/null; do sleep 0.1; done; done
"$bin/adctl" lease list --db "$db" | tail -1
exit $status

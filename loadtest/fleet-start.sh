#!/usr/bin/env bash
# How fast a fleet server starts on PostgreSQL with a large catalogue: the campaigns
# imported into a throwaway cluster, then one release adserver started on it and timed to
# `/readyz` (it leases the first page of campaigns before), to its first filled ad, and to
# every active campaign holding a lease (the rest leased in pages while it serves), with
# its RSS once every lease is held.
#
#   loadtest/fleet-start.sh [campaigns.jsonl | scenario=100k]
#   ADSERVER=/path/to/an/older/adserver loadtest/fleet-start.sh   # the same steps with another build
#   PG_URL=postgres://… loadtest/fleet-start.sh   # no cluster, no import: start on that database as it is
#                                                 # (to compare builds on one catalogue imported once)
#
# A scenario name generates its campaigns (`loadtest generate`); a .jsonl file is imported
# as it is (for a million: `loadtest generate` with "campaigns": 1000000 in a copy of the
# 100k scenario).
set -euo pipefail
cd "$(dirname "$0")/.."
source=${1:-100k}; bin=.build/release; port=18600; pg_port=${PG_PORT:-54394}
for product in adserver adctl loadtest; do [ -x "$bin/$product" ] || swift build -c release --product $product; done
work=$(mktemp -d); pg_dir=; server=
trap '[ -n "$server" ] && kill -INT $server 2> /dev/null; wait 2> /dev/null; [ -n "$pg_dir" ] && .ci/postgres.sh stop "$pg_dir"; rm -rf "$work" ${pg_dir:+"$pg_dir"}' EXIT
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
if [ -n "${PG_URL:-}" ]; then
    pg_url=$PG_URL
    psql_count() { runuser -u postgres -- psql "$pg_url" -Atc "$1"; }
else
    pg_dir=$(mktemp -d /tmp/vickrey-start-postgres.XXXXXX)
    pg_url=$(.ci/postgres.sh start "$pg_dir" "$pg_port")
    psql_count() { runuser -u postgres -- psql -h "$pg_dir" -p "$pg_port" -d postgres -Atc "$1"; }
    if [[ $source == *.jsonl ]]; then campaigns=$source; else
        campaigns=$work/campaigns.jsonl
        $bin/loadtest generate "loadtest/scenarios/$source.json" --out "$campaigns" > /dev/null
    fi
    started=$(now)
    $bin/adctl campaign import "$campaigns" --db "$pg_url" > /dev/null
    echo "import into PostgreSQL: $(since "$started") s"
fi
active=$(psql_count "SELECT count(*) FROM campaign WHERE status = 'active'")

started=$(now)
${ADSERVER:-$bin/adserver} --port $port --db "$pg_url" --keys "$work/keys" --no-seed --server-id start-0 > "$work/server.log" 2>&1 &
server=$!
until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.05; done
echo "start to /readyz: $(since "$started") s (leases held: $(psql_count "SELECT count(DISTINCT campaign_id) FROM budget_lease WHERE remaining_nanos > 0"))"
filled() { # one request per country and device kind: any generated catalogue fills one of them
    local country device
    for country in US BR DE; do for device in mobile desktop ctv; do
        curl -sf localhost:$port/v1/ads -H 'content-type: application/json' \
            -d "{\"geo\":{\"country\":\"$country\"},\"device\":{\"type\":\"$device\"},\"placements\":[{\"id\":\"feed\"}]}" \
            | grep -q '"ads":\[{' && return 0
    done; done
    return 1
}
until filled; do sleep 0.05; done
echo "start to the first filled ad: $(since "$started") s"
while true; do
    held=$(psql_count "SELECT count(DISTINCT campaign_id) FROM budget_lease WHERE remaining_nanos > 0")
    [ "$held" -ge "$active" ] && break
    sleep 0.5
done
echo "start to every active campaign leased ($active): $(since "$started") s"
echo "RSS once leased: $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' /proc/$server/status)"

#!/usr/bin/env bash
# One server on SQLite against one on PostgreSQL, same binary, same run: the closed-loop
# full mix (each ad followed by its beacons, every record durable before the answer) and
# native-only, each on a fresh database with the 10k scenario's campaigns. The server is
# pinned to core 1 and the harness to core 0, as in mix-ratio.sh; PostgreSQL (a
# throwaway cluster from .ci/postgres.sh) is left unpinned: on a real fleet it is its
# own machine. Prints ad requests/s, beacons (= ledger records)/s and the group-commit
# batch size the server reports, per engine and round.
#
#   loadtest/engine-compare.sh [seconds=10] [rounds=3] [SERVER_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}; rounds=${2:-3}; binary=${3:-.build/release/adserver}
port=18384; token=loadtest-billing-token; bin=.build/release; pg_port=${PG_PORT:-54391}
for product in adctl loadtest; do [ -x "$bin/$product" ] || swift build -c release --product $product; done
work=$(mktemp -d); server=
pg_dir=$(mktemp -d /tmp/vickrey-bench-postgres.XXXXXX)
trap 'kill $server 2>/dev/null || true; .ci/postgres.sh stop "$pg_dir"; rm -rf "$work" "$pg_dir"' EXIT
pg_url=$(.ci/postgres.sh start "$pg_dir" "$pg_port")
$bin/loadtest generate loadtest/scenarios/10k.json --out "$work/campaigns.jsonl" > /dev/null
value() { python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))[sys.argv[2]]))" "$1" "$2"; }
printf "%-6s %-10s %12s %12s %12s %12s\n" round engine "mix ads/s" "records/s" "native ads/s" "mix/native"
for round in $(seq 1 "$rounds"); do
    for engine in sqlite postgres; do
        rm -rf "$work/db"* "$work/keys" "$work/out"*
        if [ $engine = sqlite ]; then db="$work/db.sqlite"; else db="${pg_url%/postgres}/bench_${round}"; fi
        $bin/adctl campaign import "$work/campaigns.jsonl" --db "$db" > /dev/null
        LEDGER_BEARER_TOKEN=$token taskset -c 1 "$binary" --port $port --db "$db" --keys "$work/keys" --no-seed --server-id bench > "$work/server.log" 2>&1 &
        server=$!
        until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.05; done
        LEDGER_BEARER_TOKEN=$token taskset -c 0 $bin/loadtest run loadtest/scenarios/10k.json --url http://127.0.0.1:$port \
            --mode closed --connections 32 --duration "$seconds" --no-invariants --quiet --out "$work/out-mix" > /dev/null
        LEDGER_BEARER_TOKEN=$token taskset -c 0 $bin/loadtest run loadtest/scenarios/10k.json --url http://127.0.0.1:$port \
            --mode closed --connections 32 --duration "$seconds" --ads-only --no-invariants --quiet --out "$work/out-native" > /dev/null
        mix=$(value "$work/out-mix/result.json" achieved_rate); records=$(value "$work/out-mix/result.json" beacons_per_second)
        native=$(value "$work/out-native/result.json" achieved_rate)
        printf "%-6s %-10s %12s %12s %12s %11.1f%%\n" "$round" $engine "$mix" "$records" "$native" "$(echo "100 * $mix / $native" | bc -l)"
        kill $server; wait $server 2>/dev/null || true; server=
    done
done

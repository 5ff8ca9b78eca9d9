#!/usr/bin/env bash
# The billing path's cost as one ratio: ad requests per second in the closed-loop full
# mix (each ad followed by its impression beacon, durable and signed before it is
# answered) against the same server's native-only rate, both measured by the harness in
# the same run. The server is pinned to core 1 and the harness to core 0, so the ratio
# is the server's own. Rounds alternate the servers under comparison (A/B), each round
# on a fresh database.
#
# Two ratios per run: by wall clock (ads/s in the mix ÷ ads/s native) and by the
# server's own CPU time (native CPU µs per ad ÷ mix CPU µs per ad, beacons included).
# On a shared VM the wall-clock rates swing with the neighbours' load (CPU steal); CPU
# time per request does not, so the CPU ratio is the steadier estimate of the same thing.
#
#   loadtest/mix-ratio.sh [seconds=10] [rounds=3] [SERVER_BINARY ...]
#
# Default server: .build/release/adserver. Pass several binaries (a baseline build and
# the current one) to compare them in one run; the harness and adctl are this tree's.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}; rounds=${2:-3}; shift 2 || true
servers=("$@"); [ ${#servers[@]} -eq 0 ] && servers=(.build/release/adserver)
port=18383; token=loadtest-billing-token; bin=.build/release
for product in adctl loadtest; do [ -x "$bin/$product" ] || swift build -c release --product $product; done
work=$(mktemp -d); server=
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
$bin/loadtest generate loadtest/scenarios/10k.json --out "$work/campaigns.jsonl"
rate() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(int(r['achieved_rate']))" "$1"; }
ads() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print(int(r['ad_requests']))" "$1"; }
ticks() { awk '{print $14+$15}' /proc/$1/stat; }
printf "%-6s %-32s %10s %10s %8s %12s %12s %8s\n" round server "mix ads/s" "native/s" ratio "mix µs/ad" "native µs/ad" "CPU ratio"
for round in $(seq 1 "$rounds"); do
    for binary in "${servers[@]}"; do
        rm -rf "$work/db"* "$work/keys" "$work/out"*
        $bin/adctl campaign import "$work/campaigns.jsonl" --db "$work/db.sqlite" > /dev/null
        LEDGER_BEARER_TOKEN=$token taskset -c 1 "$binary" --port $port --db "$work/db.sqlite" --keys "$work/keys" --no-seed > "$work/server.log" 2>&1 &
        server=$!
        until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.05; done
        t0=$(ticks $server)
        LEDGER_BEARER_TOKEN=$token taskset -c 0 $bin/loadtest run loadtest/scenarios/10k.json --url http://127.0.0.1:$port \
            --mode closed --connections 32 --duration "$seconds" --no-invariants --quiet --out "$work/out-mix" > "$work/mix.txt"
        t1=$(ticks $server)
        # Native-only last: without beacons every win keeps its reservation for 15 minutes.
        LEDGER_BEARER_TOKEN=$token taskset -c 0 $bin/loadtest run loadtest/scenarios/10k.json --url http://127.0.0.1:$port \
            --mode closed --connections 32 --duration "$seconds" --ads-only --no-invariants --quiet --out "$work/out-native" > "$work/native.txt"
        t2=$(ticks $server)
        mix=$(rate "$work/out-mix/result.json"); native=$(rate "$work/out-native/result.json")
        mix_us=$(echo "($t1 - $t0) * 10000 / $(ads "$work/out-mix/result.json")" | bc -l)
        native_us=$(echo "($t2 - $t1) * 10000 / $(ads "$work/out-native/result.json")" | bc -l)
        printf "%-6s %-32s %10s %10s %7.1f%% %12.1f %12.1f %7.1f%%\n" "$round" "$binary" "$mix" "$native" \
            "$(echo "100 * $mix / $native" | bc -l)" "$mix_us" "$native_us" "$(echo "100 * $native_us / $mix_us" | bc -l)"
        kill $server; wait $server 2>/dev/null || true; server=
    done
done

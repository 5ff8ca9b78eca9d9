#!/usr/bin/env bash
# Reproduces docs/performance.md: for each campaign count, a fresh database, the
# release adserver, the framework's ceiling (GET /healthz) through wrk and through the
# harness, the closed-loop maximum of the full mix, open-loop runs at 50% and 80% of it,
# then the native endpoint alone, with the invariants checked after every run. Server and generator share this machine's cores.
#
#   loadtest/perf.sh [sizes="1k 10k 100k"] [seconds=10]
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"1k 10k 100k"}; seconds=${2:-10}; port=18282; token=loadtest-billing-token
for product in adserver adctl loadtest; do swift build -c release --product $product 2>&1 | grep -E "error" || true; done
bin=.build/release
out=loadtest/results/perf-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
server=
trap 'kill $server 2>/dev/null || true' EXIT
rss() { awk '/VmRSS/ {print int($2/1024)}' /proc/$1/status; }
for size in $sizes; do
    work=$(mktemp -d)
    $bin/loadtest generate loadtest/scenarios/$size.json --out "$work/campaigns.jsonl"
    import_start=$(date +%s.%N)
    $bin/adctl campaign import "$work/campaigns.jsonl" --db "$work/db.sqlite" > /dev/null
    import_seconds=$(printf "%.3f" "$(echo "$(date +%s.%N) - $import_start" | bc)")
    start=$(date +%s.%N)
    LEDGER_BEARER_TOKEN=$token $bin/adserver --port $port --db "$work/db.sqlite" --keys "$work/keys" --no-seed > "$out/$size-server.log" 2>&1 &
    server=$!
    until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.02; done
    startup_seconds=$(printf "%.3f" "$(echo "$(date +%s.%N) - $start" | bc)")
    rss_start=$(rss $server)
    wrk_ceiling=
    if command -v wrk > /dev/null; then
        wrk_ceiling=$(wrk -t1 -c32 -d${seconds}s http://127.0.0.1:$port/healthz | awk '/Requests\/sec/ {print int($2)}')
    fi
    harness_ceiling=$($bin/loadtest ceiling --url http://127.0.0.1:$port --duration $seconds --connections 32 | sed -E 's/.*: ([0-9]+) requests\/s.*/\1/')
    LEDGER_BEARER_TOKEN=$token $bin/loadtest run loadtest/scenarios/$size.json --url http://127.0.0.1:$port --mode closed \
        --duration $seconds --quiet --out "$out/$size-closed" > "$out/$size-closed.txt"
    max=$(python3 -c "import json; print(int(json.load(open('$out/$size-closed/result.json'))['achieved_rate']))")
    for share in 50 80; do
        rate=$((max * share / 100))
        LEDGER_BEARER_TOKEN=$token $bin/loadtest run loadtest/scenarios/$size.json --url http://127.0.0.1:$port --mode open \
            --rate $rate --duration $seconds --quiet --out "$out/$size-open$share" > "$out/$size-open$share.txt"
    done
    # Last: without beacons every win keeps its reservation for 15 minutes, so this run
    # leaves budgets held that would tilt any run after it.
    LEDGER_BEARER_TOKEN=$token $bin/loadtest run loadtest/scenarios/$size.json --url http://127.0.0.1:$port --mode closed \
        --duration $seconds --ads-only --quiet --out "$out/$size-native" > "$out/$size-native.txt"
    rss_end=$(rss $server)
    echo "{\"size\":\"$size\",\"import_seconds\":$import_seconds,\"startup_seconds\":$startup_seconds,\"rss_start_mib\":$rss_start,\"rss_end_mib\":$rss_end,\"wrk_healthz\":${wrk_ceiling:-null},\"harness_healthz\":$harness_ceiling,\"closed_max\":$max}" > "$out/$size-summary.json"
    kill $server; wait $server 2>/dev/null || true; server=
    rm -rf "$work"
done
python3 loadtest/perf-table.py "$out"

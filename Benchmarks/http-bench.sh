#!/usr/bin/env bash
# HTTP throughput of POST /v1/ads (one placement, N synthetic campaigns) beside
# GET /healthz (the framework's ceiling), measured with wrk on loopback in one run.
# Run from the repository root:  Benchmarks/http-bench.sh [campaigns=10000] [seconds=8] [connections=16]
#
# Two campaign sets from the same generator: "unbounded" (no daily budgets, huge total
# budgets, asap pacing: what the ad path costs when money does not bind) and
# "generated" (the generator's budgets and 30% even pacing). wrk fires no beacons, so in
# the second set every win's reservation holds budget for beacon.impressionTTLSeconds:
# the best campaigns run dry within seconds and each auction digs deeper.
set -euo pipefail
cd "$(dirname "$0")/.."
campaigns=${1:-10000}; seconds=${2:-8}; connections=${3:-16}; port=18181
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
swift build -c release --product adserver | grep -E "error" || true
swift build -c release --product adctl | grep -E "error" || true
swift build -c release --package-path Benchmarks --product store-bench | grep -E "error" || true
work=$(mktemp -d)
server=
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
Benchmarks/.build/release/store-bench generate "$campaigns" "$work/generated.jsonl"
sed -E 's/"daily_budget_micros":[0-9]+/"daily_budget_micros":null/; s/"total_budget_micros":[0-9]+/"total_budget_micros":1000000000000000/; s/"pacing":"even"/"pacing":"asap"/' \
    "$work/generated.jsonl" > "$work/unbounded.jsonl"

start() {  # start SET: a fresh database with that campaign set
    kill $server 2>/dev/null || true; wait $server 2>/dev/null || true
    .build/release/adctl campaign import "$work/$1.jsonl" --db "$work/$1.sqlite" >/dev/null
    .build/release/adserver --port $port --db "$work/$1.sqlite" --keys "$work/keys" --no-seed > "$work/$1.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf localhost:$port/readyz >/dev/null && break; sleep 0.1; done
}
ads() {
    echo "== POST /v1/ads (one placement, $campaigns campaigns, $1 budgets)"
    wrk -t1 -c"$connections" -d"${seconds}s" --latency -s Benchmarks/ads.lua http://127.0.0.1:$port/v1/ads | grep -E "Requests/sec|  50%|  99%|Non-2xx"
    curl -s localhost:$port/metrics | grep -E '^vickrey_(auctions|fills|no_fills)_total' || true
}

start unbounded
wrk -t1 -c"$connections" -d2s http://127.0.0.1:$port/healthz >/dev/null   # warm-up
echo "== GET /healthz (ceiling)"
wrk -t1 -c"$connections" -d"${seconds}s" --latency http://127.0.0.1:$port/healthz | grep -E "Requests/sec|  50%|  99%"
ads unbounded
start generated
ads generated

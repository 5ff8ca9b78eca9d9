#!/usr/bin/env bash
# HTTP throughput of POST /v1/ads (one placement, N synthetic campaigns) beside
# GET /healthz (the framework's ceiling), measured with wrk on loopback in one run.
# Run from the repository root:  Benchmarks/http-bench.sh [campaigns=10000] [seconds=8] [connections=16]
set -euo pipefail
cd "$(dirname "$0")/.."
campaigns=${1:-10000}; seconds=${2:-8}; connections=${3:-16}; port=18181
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk"; exit 1; }
swift build -c release --product adserver | grep -E "error" || true
swift build -c release --product adctl | grep -E "error" || true
swift build -c release --package-path Benchmarks --product store-bench | grep -E "error" || true
work=$(mktemp -d)
Benchmarks/.build/release/store-bench generate "$campaigns" "$work/c.jsonl"
.build/release/adctl campaign import "$work/c.jsonl" --db "$work/db.sqlite"
.build/release/adserver --port $port --db "$work/db.sqlite" --keys "$work/keys" --no-seed > "$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do curl -sf localhost:$port/readyz >/dev/null && break; sleep 0.1; done
curl -s localhost:$port/v1/ads -d "$(sed -n "s/^wrk.body = '\(.*\)'$/\1/p" Benchmarks/ads.lua)" | head -c 200; echo
wrk -t1 -c"$connections" -d2s http://127.0.0.1:$port/healthz >/dev/null   # warm-up
echo "== GET /healthz (ceiling)"
wrk -t1 -c"$connections" -d"${seconds}s" --latency http://127.0.0.1:$port/healthz | grep -E "Requests/sec|  50%|  99%|Latency "
echo "== POST /v1/ads (one placement, $campaigns campaigns)"
wrk -t1 -c"$connections" -d"${seconds}s" --latency -s Benchmarks/ads.lua http://127.0.0.1:$port/v1/ads | grep -E "Requests/sec|  50%|  99%|Latency |Non-2xx"

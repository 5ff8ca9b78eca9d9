#!/usr/bin/env bash
# HTTP throughput of POST /v1/ads (one placement, N synthetic campaigns) beside
# GET /healthz (the framework's ceiling), measured with wrk on loopback in one run.
# Run from the repository root:
#   Benchmarks/http-bench.sh [campaigns=10000] [seconds=4] [connections=16] [rounds=5] [modes="pinned shared"]
#
# Two placements of the processes on the 2-core machine:
#   pinned: the server on core 1 and wrk on core 0 (taskset): the server's own cost per
#           request, undisturbed by the generator's (CALIBRATION.md measures this way too);
#   shared: both unpinned, competing for both cores (what perf.sh and the harness see).
# This machine is shared and noisy (the ceiling alone moves by 20% between runs), so each
# round measures the ceiling and the ad endpoint back to back, and the ratio is taken
# per round; the script prints every round and the median ratio.
#
# Two campaign sets from the same generator: "unbounded" (no daily budgets, huge total
# budgets, asap pacing: what the ad path costs when money does not bind) and
# "generated" (the generator's budgets and 30% even pacing). wrk fires no beacons, so in
# the second set every win's reservation holds budget for beacon.impressionTTLSeconds:
# the best campaigns run dry within seconds and each auction digs deeper.
set -euo pipefail
cd "$(dirname "$0")/.."
campaigns=${1:-10000}; seconds=${2:-4}; connections=${3:-16}; rounds=${4:-5}; modes=${5:-"pinned shared"}; port=18181
server_cpu=(); client_cpu=()
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

start() {  # start SET MODE: a fresh database with that campaign set, the server placed for MODE
    kill $server 2>/dev/null || true; wait $server 2>/dev/null || true
    rm -f "$work/$1.sqlite"*
    if [ "$2" = pinned ]; then server_cpu=(taskset -c 1); client_cpu=(taskset -c 0); else server_cpu=(); client_cpu=(); fi
    .build/release/adctl campaign import "$work/$1.jsonl" --db "$work/$1.sqlite" >/dev/null
    "${server_cpu[@]}" .build/release/adserver --port $port --db "$work/$1.sqlite" --keys "$work/keys" --no-seed > "$work/$1.log" 2>&1 &
    server=$!
    for _ in $(seq 100); do curl -sf localhost:$port/readyz >/dev/null && break; sleep 0.1; done
}
rps() {  # rps URL [wrk script options]: requests per second, latency p50 and p99
    local url=$1; shift
    "${client_cpu[@]}" wrk -t1 -c"$connections" -d"${seconds}s" --latency "$@" "$url" \
        | awk '/Requests\/sec/{r=$2} /^ +50%/{p50=$2} /^ +99%/{p99=$2} /Non-2xx/{bad=$NF} END{printf "%s %s %s %s", r, p50, p99, bad+0}'
}
compare() {  # compare SET MODE: rounds of (ceiling, ad endpoint), then the median ratio
    echo "== $2: $campaigns campaigns, $1 budgets: GET /healthz vs POST /v1/ads (one placement), wrk -t1 -c$connections, ${seconds}s each"
    "${client_cpu[@]}" wrk -t1 -c"$connections" -d2s http://127.0.0.1:$port/healthz >/dev/null   # warm-up
    "${client_cpu[@]}" wrk -t1 -c"$connections" -d2s -s Benchmarks/ads.lua http://127.0.0.1:$port/v1/ads >/dev/null
    local ratios=()
    for round in $(seq "$rounds"); do
        read -r h hp50 hp99 _ <<< "$(rps http://127.0.0.1:$port/healthz)"
        read -r a ap50 ap99 bad <<< "$(rps http://127.0.0.1:$port/v1/ads -s Benchmarks/ads.lua)"
        ratio=$(awk -v a="$a" -v h="$h" 'BEGIN{printf "%.1f", 100 * a / h}')
        ratios+=("$ratio")
        echo "round $round: /healthz $h req/s (p50 $hp50, p99 $hp99)   /v1/ads $a req/s (p50 $ap50, p99 $ap99, non-2xx $bad)   ratio $ratio%"
    done
    echo "median ratio: $(printf '%s\n' "${ratios[@]}" | sort -n | awk '{v[NR]=$1} END{print v[int((NR+1)/2)]}')%"
    curl -s localhost:$port/metrics | grep -E '^vickrey_(auctions|fills|no_fills)_total' | grep -v ' 0$' || true
}

for mode in $modes; do
    for set in unbounded generated; do
        start $set $mode
        compare $set $mode
    done
done

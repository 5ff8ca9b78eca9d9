#!/usr/bin/env bash
# What leases and per-server chains cost, on one machine, in one run (figures for
# docs/performance.md). Not a scaling figure: every server shares the same 2 cores.
#
#  1. Throughput: the closed-loop full mix (10k scenario, 32 connections, beacons durable
#     before they are answered) against one server on SQLite, then a fleet of 1, 2 and 3
#     servers on PostgreSQL (a quarter of the beacons crossing servers). Every server is
#     pinned to core 1 and the harness to core 0, so each configuration has the same CPU
#     for its servers; PostgreSQL is unpinned. Ratios are against the SQLite server.
#  2. Database work on the ad path: native-only ad requests against a fleet of 1, with
#     PostgreSQL's committed + rolled-back transactions (pg_stat_database) read before
#     and after: transactions per ad request, after a warm-up run.
#  3. Stranded budget: the smoke scenario with every campaign's budget cut to a few
#     impressions (budgets bind), driven at one SQLite server and at a fleet of 3; spend
#     against budget at the end, and the leases still outstanding.
#
#   loadtest/fleet-perf.sh [seconds=10] [sections="1 2 3"]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}; sections=${2:-1 2 3}; bin=.build/release; token=loadtest-billing-token; base_port=18500; pg_port=${PG_PORT:-54393}
for product in adserver adctl loadtest; do [ -x "$bin/$product" ] || swift build -c release --product $product; done
work=$(mktemp -d); pg_dir=$(mktemp -d /tmp/vickrey-perf-postgres.XXXXXX)
stop_all() {
    local file
    for file in "$work"/pid-*; do
        if [ -f "$file" ]; then
            kill "$(cat "$file")" 2> /dev/null || true
            while kill -0 "$(cat "$file")" 2> /dev/null; do sleep 0.05; done
            rm -f "$file"
        fi
    done
}
trap 'stop_all; .ci/postgres.sh stop "$pg_dir"; rm -rf "$work" "$pg_dir"' EXIT
pg_url=$(.ci/postgres.sh start "$pg_dir" "$pg_port")
psql_at() { runuser -u postgres -- psql -h "$pg_dir" -p "$pg_port" -d "$1" -Atc "$2" 2> /dev/null || psql "${pg_url%/postgres}/$1" -Atc "$2"; }
value() { python3 -c "import json,sys; print(int(json.load(open(sys.argv[1]))[sys.argv[2]]))" "$1" "$2"; }
$bin/loadtest generate loadtest/scenarios/10k.json --out "$work/10k.jsonl" > /dev/null 2>&1
$bin/loadtest generate loadtest/scenarios/smoke.json --out "$work/smoke.jsonl" > /dev/null 2>&1

# start DB COUNT [extra env…]: COUNT servers on DB, pinned to core 1; prints their URLs.
start() {
    local db=$1 count=$2 urls="" i
    for i in $(seq 0 $((count - 1))); do
        LEDGER_BEARER_TOKEN=$token taskset -c 1 "$bin/adserver" --port $((base_port + i)) --db "$db" --keys "$work/keys-$i" \
            --no-seed --server-id "perf-$i" > "$work/server-$i.log" 2>&1 &
        echo $! > "$work/pid-$i"
        until curl -sf "localhost:$((base_port + i))/readyz" > /dev/null; do sleep 0.05; done
        urls+="${urls:+,}http://127.0.0.1:$((base_port + i))"
    done
    echo "$urls"
}
drive() { # URLS OUT [options…]
    local urls=$1 out=$2; shift 2
    LEDGER_BEARER_TOKEN=$token taskset -c 0 "$bin/loadtest" run "$scenario" --url "$urls" --quiet --out "$work/$out" "$@" \
        > "$work/$out.txt" || { cat "$work/$out.txt"; exit 1; }
}
closed=(--mode closed --connections 32 --duration "$seconds")

if [[ " $sections " == *" 1 "* ]]; then
echo "1. closed-loop full mix, 10k campaigns, servers on core 1, harness on core 0"
scenario=loadtest/scenarios/10k.json
printf "%-22s %10s %10s %10s %10s %10s\n" configuration "ads/s" "records/s" "ads ratio" "rec ratio" "unbilled"
base_ads=0; base_records=0
for setup in sqlite fleet-1 fleet-2 fleet-3; do
    rm -rf "$work"/keys-* "$work/db.sqlite"*
    if [ $setup = sqlite ]; then db="$work/db.sqlite"; count=1; else db="${pg_url%/postgres}/mix_${setup#fleet-}"; count=${setup#fleet-}; fi
    $bin/adctl campaign import "$work/10k.jsonl" --db "$db" > /dev/null
    urls=$(start "$db" "$count")
    drive "$urls" "mix-$setup" "${closed[@]}"
    grep -q "all hold" "$work/mix-$setup.txt" || { echo "invariants failed for $setup"; cat "$work/mix-$setup.txt"; exit 1; }
    stop_all
    ads=$(value "$work/mix-$setup/result.json" achieved_rate); records=$(value "$work/mix-$setup/result.json" beacons_per_second)
    [ $setup = sqlite ] && { base_ads=$ads; base_records=$records; }
    unbilled=$(grep -o '[0-9]* unbilled)' "$work/mix-$setup.txt" | head -1 | cut -d' ' -f1)
    printf "%-22s %10s %10s %9.0f%% %9.0f%% %10s\n" "$setup" "$ads" "$records" "$(echo "100*$ads/$base_ads" | bc -l)" \
        "$(echo "100*$records/$base_records" | bc -l)" "${unbilled:-?}"
done

fi
if [[ " $sections " == *" 2 "* ]]; then
echo
echo "2. database transactions per ad request, native only, fleet of 1 (after a warm-up run)"
scenario=loadtest/scenarios/10k.json
db_name=native; db="${pg_url%/postgres}/$db_name"
$bin/adctl campaign import "$work/10k.jsonl" --db "$db" > /dev/null
urls=$(start "$db" 1)
drive "$urls" native-warm "${closed[@]}" --ads-only --no-invariants
xacts() { psql_at postgres "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = '$db_name'"; }
before=$(xacts); sleep 1; before=$(xacts)  # the statistics collector lags a little
drive "$urls" native "${closed[@]}" --ads-only --no-invariants
sleep 1; after=$(xacts)
ads=$(value "$work/native/result.json" ad_requests)
stop_all
echo "$((after - before)) transactions for $ads ad requests: $(echo "scale=5; ($after - $before) / $ads" | bc -l) per ad request"

fi
if [[ " $sections " == *" 3 "* ]]; then
echo
echo "3. stranded budget: smoke scenario, every budget cut to 0.02 (about ten impressions), no daily budget"
scenario=loadtest/scenarios/smoke.json
for setup in sqlite fleet-3; do
    rm -rf "$work"/keys-* "$work/db.sqlite"*
    if [ $setup = sqlite ]; then db="$work/db.sqlite"; count=1; else db="${pg_url%/postgres}/stranded"; count=3; fi
    $bin/adctl campaign import "$work/smoke.jsonl" --db "$db" > /dev/null
    if [ $setup = sqlite ]; then
        python3 -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute('UPDATE campaign SET total_budget_micros = 20000, daily_budget_micros = NULL'); c.commit()" "$db"
    else
        psql_at stranded "UPDATE campaign SET total_budget_micros = 20000, daily_budget_micros = NULL" > /dev/null
    fi
    urls=$(start "$db" "$count")
    drive "$urls" "stranded-$setup" --mode open --rate 500 --duration $((seconds * 2))
    grep -q "all hold" "$work/stranded-$setup.txt" || { echo "invariants failed for $setup"; cat "$work/stranded-$setup.txt"; exit 1; }
    spent=$($bin/adctl report --db "$db" --json | python3 -c "import json,sys; print(sum(r['spend_nanos'] for r in json.load(sys.stdin)))")
    budget=$((1000 * 20000 * 1000))
    outstanding() {
        if [ $setup = sqlite ]; then echo 0; return; fi
        $bin/adctl lease list --db "$db" --json | python3 -c "import json,sys; print(sum(p['outstanding_nanos'] for p in json.load(sys.stdin) if p['budget']=='lifetime'))"
    }
    at_end=$(outstanding); sleep 5; idle=$(outstanding)
    stop_all
    printf "%-10s spent %6.2f%% of the budgets; leases outstanding at the end %6.2f%% of them, 5 s later %6.2f%%\n" "$setup" \
        "$(echo "100*$spent/$budget" | bc -l)" "$(echo "100*$at_end/$budget" | bc -l)" "$(echo "100*$idle/$budget" | bc -l)"
done
fi

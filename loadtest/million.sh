#!/usr/bin/env bash
# The figures of a large catalogue in one run, for each size: `adctl campaign import` of the
# generator's campaigns into a fresh SQLite file (wall time and peak RSS), `adserver` started
# on that file (launch to `/readyz`, RSS once ready and its peak), then a fleet server's start
# on PostgreSQL with the same campaigns (`loadtest/fleet-start.sh`).
#
#   loadtest/million.sh [sizes="100000 1000000"]
#
# The campaigns are the 100k scenario's with its count replaced, so every size draws from
# the same generator. Release builds; nothing else should run on the machine meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=${1:-"100000 1000000"}; bin=.build/release; port=18610
for product in adserver adctl loadtest; do swift build -c release --product $product 2>&1 | grep -E "error" || true; done
work=$(mktemp -d); server=
trap '[ -n "$server" ] && kill $server 2> /dev/null; wait 2> /dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$1" "$(now)"; }
mebibytes() { awk -v key="$1:" '$1 == key {printf "%.0f MiB", $2 / 1024}' "/proc/$2/status"; }

for size in $sizes; do
    python3 - "$size" "$work/scenario.json" <<'PYTHON'
import json, sys
scenario = json.load(open("loadtest/scenarios/100k.json"))
scenario["campaigns"] = int(sys.argv[1])
json.dump(scenario, open(sys.argv[2], "w"))
PYTHON
    campaigns=$work/campaigns-$size.jsonl
    $bin/loadtest generate "$work/scenario.json" --out "$campaigns" > /dev/null
    /usr/bin/time -f "%e %M" -o "$work/import.time" $bin/adctl campaign import "$campaigns" --db "$work/db.sqlite" > /dev/null
    read -r wall peak < "$work/import.time"
    echo "$size campaigns: import into SQLite ${wall} s, peak RSS $((peak / 1024)) MiB"

    started=$(now)
    $bin/adserver --port $port --db "$work/db.sqlite" --keys "$work/keys" --no-seed > "$work/server.log" 2>&1 &
    server=$!
    until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.05; done
    echo "$size campaigns: adserver start to /readyz $(since "$started") s, RSS $(mebibytes VmRSS $server) (peak $(mebibytes VmHWM $server))"
    kill $server; wait $server 2> /dev/null || true; server=
    rm -f "$work"/db.sqlite*

    loadtest/fleet-start.sh "$campaigns" | sed "s/^/$size campaigns: fleet server: /"
    rm -f "$campaigns"
done

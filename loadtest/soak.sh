#!/usr/bin/env bash
# A soak: one release adserver with default settings (TTLs included), the full mix in open
# loop for a long while, the invariants checked at the end, and the server's memory sampled
# every 5 seconds beside the latency the harness records second by second.
#
#   loadtest/soak.sh [minutes=30] [rate=2500|auto] [scenario=10k]
#
# With rate `auto` it first measures the full mix's closed-loop maximum (20 s, on a copy of
# the catalogue) and soaks at half of it.
#
# Writes into loadtest/results/soak-<time>/: the run's result.json, latency.hgrm and
# latency.svg (latency over time), memory.csv (seconds, RSS in KiB, then every
# vickrey_memory_entries table) and memory.svg (RSS over time), and prints the summary the
# goals are read from: p99.9 and max latency, seconds with a request over 50 ms, RSS growth
# over the last 15 minutes (or the second half of a shorter run) in KB/s, and each memory
# table's first and last count, so growth can be told from a table filling to its bound.
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-30}; rate=${2:-2500}; scenario=${3:-10k}; port=18383; token=loadtest-soak-token
for product in adserver adctl loadtest; do swift build -c release --product $product 2>&1 | grep -E "error" || true; done
bin=.build/release
out=loadtest/results/soak-$(date -u +%Y%m%dT%H%M%SZ)
mkdir -p "$out"
work=$(mktemp -d)
server=; sampler=
trap 'kill $sampler $server 2>/dev/null || true; rm -rf "$work"' EXIT

$bin/loadtest generate loadtest/scenarios/$scenario.json --out "$work/campaigns.jsonl"
$bin/adctl campaign import "$work/campaigns.jsonl" --db "$work/db.sqlite" > /dev/null
if [ "$rate" = auto ]; then
    # Half the full mix's maximum as this machine gives it now (a shared machine's speed
    # moves by 2x between days): 20 s closed loop on a copy of the catalogue.
    cp "$work/db.sqlite" "$work/probe.sqlite"
    LEDGER_BEARER_TOKEN=$token $bin/adserver --port $port --db "$work/probe.sqlite" --keys "$work/keys" --no-seed > /dev/null 2>&1 &
    server=$!
    until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.05; done
    LEDGER_BEARER_TOKEN=$token $bin/loadtest run loadtest/scenarios/$scenario.json --url http://127.0.0.1:$port --mode closed \
        --duration 20 --quiet --out "$out/maximum" > "$out/maximum.txt"
    kill $server; wait $server 2>/dev/null || true
    rate=$(python3 -c "import json; print(int(json.load(open('$out/maximum/result.json'))['achieved_rate']) // 2)")
    echo "full mix maximum $((rate * 2)) ads/s closed loop: soaking at $rate ads/s"
fi
LEDGER_BEARER_TOKEN=$token $bin/adserver --port $port --db "$work/db.sqlite" --keys "$work/keys" --no-seed > "$out/server.log" 2>&1 &
server=$!
until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.05; done

# The memory sampler: a header naming the tables, then a line every 5 seconds.
tables=$(curl -s localhost:$port/metrics | sed -nE 's/^vickrey_memory_entries\{table="([a-z_]+)"\}.*/\1/p' | tr '\n' ' ')
echo "seconds,rss_kib,${tables// /,}" | sed 's/,$//' > "$out/memory.csv"
(
    start=$(date +%s)
    while kill -0 $server 2>/dev/null; do
        metrics=$(curl -s --max-time 2 localhost:$port/metrics || true)
        line="$(( $(date +%s) - start )),$(awk '/VmRSS/ {print $2}' /proc/$server/status)"
        for table in $tables; do
            line="$line,$(echo "$metrics" | sed -nE "s/^vickrey_memory_entries\{table=\"$table\"\} ([0-9]+)/\1/p")"
        done
        echo "$line" >> "$out/memory.csv"
        sleep 5
    done
) &
sampler=$!

LEDGER_BEARER_TOKEN=$token $bin/loadtest run loadtest/scenarios/$scenario.json --url http://127.0.0.1:$port --mode open \
    --rate "$rate" --duration $((minutes * 60)) --out "$out" | tee "$out/run.txt" || status=$?
kill $sampler 2>/dev/null || true

python3 - "$out" "$minutes" <<'PYTHON'
import csv, json, sys
out, minutes = sys.argv[1], int(sys.argv[2])
# The run's samples only (the sampler goes on while the harness checks the ledger).
rows = [r for r in csv.DictReader(open(f"{out}/memory.csv")) if int(r["seconds"]) <= minutes * 60 + 5]
result = json.load(open(f"{out}/result.json"))
seconds = [int(r["seconds"]) for r in rows]
rss = [int(r["rss_kib"]) for r in rows]
# RSS over time as an SVG, in the harness's chart proportions.
width, height, left, bottom = 900, 360, 70, 40
top = max(rss) * 1.1 or 1
span = max(seconds[-1], 1)
x = lambda s: left + (width - left - 20) * s / span
y = lambda k: height - bottom - (height - bottom - 20) * k / top
points = " ".join(f"{x(s):.1f},{y(k):.1f}" for s, k in zip(seconds, rss))
ticks = "".join(
    f'<line x1="{left}" x2="{width - 20}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#ddd"/>'
    f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11">{v / 1024:.0f} MiB</text>'
    for v in [top * i / 5 for i in range(6)])
xticks = "".join(
    f'<text x="{x(s):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">{s // 60} min</text>'
    for s in range(0, span + 1, max(60, (span // 6) // 60 * 60)))
open(f"{out}/memory.svg", "w").write(
    f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif">'
    f'<text x="{width / 2}" y="14" text-anchor="middle" font-size="13">adserver RSS during the soak '
    f'({result["requested_rate"]} ads/s, {minutes} min)</text>{ticks}{xticks}'
    f'<polyline fill="none" stroke="#1f77b4" stroke-width="1.5" points="{points}"/></svg>')
# Growth over the last 15 minutes (or the second half of a shorter run).
window = min(900, seconds[-1] // 2) or 1
first = next(i for i, s in enumerate(seconds) if s >= seconds[-1] - window)
growth = (rss[-1] - rss[first]) * 1024 / 1000 / max(1, seconds[-1] - seconds[first])
slow = sum(1 for second in result.get("per_second") or [] if second["max_ms"] > 50)
latency = result["latency"]
print(f"latency: p99 {latency['p99_ms']:.2f} ms, p99.9 {latency['p99_9_ms']:.2f} ms, max {latency['max_ms']:.2f} ms;"
      f" {slow} second(s) with a request over 50 ms")
print(f"RSS: {rss[0] / 1024:.0f} MiB at the start, {rss[-1] / 1024:.0f} MiB at the end;"
      f" {growth:.2f} KB/s over the last {window // 60} min {window % 60} s")
for table in [name for name in rows[0] if name not in ("seconds", "rss_kib")]:
    print(f"  {table}: {rows[0][table]} -> {rows[-1][table]}")
invariants = result.get("invariants") or {}
print("invariants: " + ("hold" if invariants.get("passed") else "DO NOT HOLD"))
print(f"charts: {out}/latency.svg, {out}/memory.svg")
PYTHON
exit "${status:-0}"

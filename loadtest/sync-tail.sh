#!/usr/bin/env bash
# Where beacon latency's tail comes from: runs the release adserver under strace, tracing
# only the fsync family (seccomp-bpf, so the rest of the server runs untraced), drives
# the 10k full mix open loop at 50% of its closed-loop maximum, and prints the sync
# durations (WAL commits and checkpoints) beside the run's per-second ad latency.
#
#   loadtest/sync-tail.sh [seconds=20]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}; port=18388; bin=.build/release
for product in adserver adctl loadtest; do [ -x "$bin/$product" ] || swift build -c release --product $product; done
out=$(mktemp -d); server=
trap 'kill $server 2>/dev/null || true' EXIT
$bin/loadtest generate loadtest/scenarios/10k.json --out "$out/campaigns.jsonl" > /dev/null
$bin/adctl campaign import "$out/campaigns.jsonl" --db "$out/db.sqlite" > /dev/null
LEDGER_BEARER_TOKEN=loadtest-billing-token strace -f --seccomp-bpf -ttt -T -e trace=fsync,fdatasync -o "$out/syncs.txt" \
    $bin/adserver --port $port --db "$out/db.sqlite" --keys "$out/keys" --no-seed > "$out/server.log" 2>&1 &
server=$!
until curl -sf localhost:$port/readyz > /dev/null; do sleep 0.05; done
LEDGER_BEARER_TOKEN=loadtest-billing-token $bin/loadtest run loadtest/scenarios/10k.json --url http://127.0.0.1:$port --mode closed --duration 8 \
    --quiet --no-invariants --out "$out/closed" > /dev/null
max=$(python3 -c "import json; print(int(json.load(open('$out/closed/result.json'))['achieved_rate']))")
date +%s.%N > "$out/start.txt"
LEDGER_BEARER_TOKEN=loadtest-billing-token $bin/loadtest run loadtest/scenarios/10k.json --url http://127.0.0.1:$port --mode open --rate $((max / 2)) \
    --duration "$seconds" --quiet --out "$out/open50" > "$out/open50.txt"
kill $server; wait $server 2>/dev/null || true; server=
cat "$out/open50.txt"
python3 - "$out" <<'PY'
import json, re, sys
out = sys.argv[1]
start = float(open(f"{out}/start.txt").read())
syncs = []
for line in open(f"{out}/syncs.txt"):
    m = re.search(r"^\d+\s+([\d.]+) (fdatasync|fsync)\((\d+)\).*<([\d.]+)>", line)
    if m: syncs.append((float(m.group(1)) - start, int(m.group(3)), float(m.group(4)) * 1000))
by_fd = {}
for _, fd, ms in syncs: by_fd.setdefault(fd, []).append(ms)
for fd, values in sorted(by_fd.items(), key=lambda item: -len(item[1])):
    values.sort()
    pick = lambda q: values[min(len(values) - 1, int(q * len(values)))]
    print(f"fd {fd}: {len(values)} syncs, p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, p99.9 {pick(0.999):.2f} ms, max {values[-1]:.2f} ms")
print("second  ad p99 / max (ms)  slowest sync that second (ms)")
for second, s in enumerate(json.load(open(f"{out}/open50/result.json"))["per_second"]):
    slowest = max([ms for t, _, ms in syncs if second <= t < second + 1], default=0)
    print(f"{second:6d}  {s['p99_ms']:7.1f} / {s['max_ms']:7.1f}   {slowest:7.1f}")
PY

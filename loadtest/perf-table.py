#!/usr/bin/env python3
"""Prints the markdown tables of docs/performance.md from a loadtest/perf.sh results directory."""
import json, os, sys

out = sys.argv[1]
sizes = [name[:-len("-summary.json")] for name in sorted(os.listdir(out)) if name.endswith("-summary.json")]
order = {"1k": 0, "10k": 1, "100k": 2}
sizes.sort(key=lambda s: order.get(s, 9))

def load(path):
    with open(path) as f:
        return json.load(f)

def invariants(result):
    return "hold" if result.get("invariants", {}).get("passed") else "VIOLATED"

print("| campaigns | `/healthz` (wrk) | `/healthz` (harness) | native only, closed loop (harness) | share of the harness's ceiling | share of wrk's ceiling | p50 | p99 |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for size in sizes:
    s = load(f"{out}/{size}-summary.json")
    r = load(f"{out}/{size}-native/result.json")
    wrk = f"{100 * r['achieved_rate'] / s['wrk_healthz']:.0f}%" if s["wrk_healthz"] else "–"
    wrk_ceiling = f"{s['wrk_healthz']:,}" if s["wrk_healthz"] else "–"
    print(f"| {size} | {wrk_ceiling} | {s['harness_healthz']:,} | {r['achieved_rate']:,.0f}/s | "
          f"{100 * r['achieved_rate'] / s['harness_healthz']:.0f}% | {wrk} | {r['latency']['p50_ms']:.2f} ms | {r['latency']['p99_ms']:.2f} ms |")
print()
print("| campaigns | full mix, closed-loop max (ad requests) | share of wrk's ceiling | p50 | p99 | fill | beacons/s | invariants |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for size in sizes:
    s = load(f"{out}/{size}-summary.json")
    r = load(f"{out}/{size}-closed/result.json")
    ceiling = s["wrk_healthz"] or s["harness_healthz"]
    print(f"| {size} | {r['achieved_rate']:,.0f}/s | {100 * r['achieved_rate'] / ceiling:.0f}% | "
          f"{r['latency']['p50_ms']:.2f} ms | {r['latency']['p99_ms']:.2f} ms | {100 * r['fill_rate']:.0f}% | {r['beacons_per_second']:,.0f} | {invariants(r)} |")
print()
print("| campaigns | open-loop rate | p50 | p90 | p99 | p99.9 | max | errors | invariants |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
for size in sizes:
    for share in (50, 80):
        r = load(f"{out}/{size}-open{share}/result.json")
        l = r["latency"]
        errors = sum(r["errors"].values())
        print(f"| {size} | {r['requested_rate']:,}/s ({share}% of max) | {l['p50_ms']:.2f} ms | {l['p90_ms']:.2f} ms | {l['p99_ms']:.2f} ms | "
              f"{l['p99_9_ms']:.2f} ms | {l['max_ms']:.2f} ms | {errors} | {invariants(r)} |")
print()
print("| campaigns | `adctl campaign import` | start-up to ready | RSS after start | RSS after the runs |")
print("|---|---:|---:|---:|---:|")
for size in sizes:
    s = load(f"{out}/{size}-summary.json")
    print(f"| {size} | {float(s['import_seconds']):.1f} s | {float(s['startup_seconds']):.2f} s | {s['rss_start_mib']} MiB | {s['rss_end_mib']} MiB |")

#!/usr/bin/env bash
# Start-up figures for the store: import time with the release adctl, then the time
# and memory to load the campaigns into the index, for each size given (default 10k, 100k).
# Run from the repository root:  Benchmarks/store-bench.sh [10000 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product adctl | grep -E "error|warning: " || true
swift build -c release --package-path Benchmarks --product store-bench | grep -E "error|warning: " || true
adctl=.build/release/adctl
bench=Benchmarks/.build/release/store-bench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for size in "${@:-10000 100000}"; do
  for n in $size; do
    "$bench" generate "$n" "$work/c$n.jsonl"
    start=$(date +%s.%N)
    /usr/bin/time -f "adctl import peak RSS %M KiB" "$adctl" campaign import "$work/c$n.jsonl" --db "$work/c$n.sqlite"
    end=$(date +%s.%N)
    echo "adctl campaign import of $n campaigns: $(echo "$end - $start" | bc) s"
    "$bench" load "$work/c$n.sqlite"
  done
done

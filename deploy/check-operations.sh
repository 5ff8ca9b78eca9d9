#!/usr/bin/env bash
# Does what docs/operations.md tells an operator to do, with the built executables, and
# fails on the first step that does not work as written:
#
#   1. the systemd unit: `systemd-analyze verify`, then its ExecStart run the way systemd
#      runs it (its environment, environment file, working directory and umask, with
#      /usr/local/bin, /etc/vickrey and /var/lib/vickrey moved under a scratch folder and
#      HTTP_PORT set to a free port), serving traffic, stopped with its KillSignal within
#      TimeoutStopSec and exiting 0;
#   2. an online SQLite backup taken while traffic flows, restored into a fresh folder:
#      `adctl ledger verify` passes and a server starts on it and serves;
#   3. with VICKREY_TEST_POSTGRES_URL set (.ci/run sets it): a fleet server's database
#      dumped with pg_dump while it serves, restored into a fresh database, verified;
#   4. the alerting rules: `promtool check rules` and `promtool test rules`, and every
#      metric the rules and the Grafana dashboard query is one the servers above exported.
#
# Usage: deploy/check-operations.sh [BUILD_DIRECTORY]   (default .build/debug)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
bin=$(cd "${1:-.build/debug}" && pwd)
work=$(mktemp -d /tmp/vickrey-operations.XXXXXX)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
    [ -n "${KEEP_WORK:-}" ] && echo "kept $work" || rm -rf "$work"
}
trap cleanup EXIT
step() { echo "== $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_ready() {
    for _ in $(seq 1 400); do curl -sf "http://127.0.0.1:$1/readyz" > /dev/null 2>&1 && return 0; sleep 0.05; done
    fail "the server on port $1 never became ready"
}
# Sends N ad requests for the campaign's placement and fetches each ad's impression URL.
serve() {
    local port=$1 count=$2 url
    for _ in $(seq 1 "$count"); do
        url=$(curl -sf "http://127.0.0.1:$port/v1/ads" -H 'content-type: application/json' \
            -d '{"placements": [{"id": "ops_feed", "sizes": ["300x250"]}]}' | grep -o 'http[^"]*/impression/[^"]*' || true)
        if [ -n "$url" ]; then curl -sf -o /dev/null "$url"; fi
    done
}
# Creates the campaign the traffic is for, then waits until the server serves it.
seed() {
    local db=$1 port=$2
    "$bin/adctl" advertiser create opsco --name "Ops" --db "$db" > /dev/null
    "$bin/adctl" campaign create ops-check --advertiser opsco --name "Ops check" --bid 2 --total-budget 100 \
        --placements ops_feed --creative id=ops-1,size=300x250,image=https://cdn.ops.example/a.png,click=https://ops.example/ \
        --db "$db" > /dev/null
    for _ in $(seq 1 200); do
        curl -sf "http://127.0.0.1:$port/v1/ads" -d '{"placements": [{"id": "ops_feed", "sizes": ["300x250"]}]}' \
            | grep -q ops-check && return 0
        sleep 0.05
    done
    fail "the server never served the campaign adctl created"
}
metric_names() { grep -v '^#' | sed 's/[{ ].*//' | sed -E 's/_(bucket|count|sum)$//' | sort -u; }

# 1. The systemd unit.
unit=$repo/deploy/systemd/vickrey.service
root=$work/root
map() { sed -e "s|/usr/local/bin|$bin|g" -e "s|/etc/vickrey|$root/etc/vickrey|g" -e "s|/var/lib/vickrey|$root/var/lib/vickrey|g"; }
setting() { grep -E "^$1=" "$unit" | head -1 | cut -d= -f2- || true; }
step "systemd unit: $unit"
if command -v systemd-analyze > /dev/null; then
    sed "s|/usr/local/bin|$bin|g" "$unit" > "$work/vickrey.service"
    systemd-analyze verify "$work/vickrey.service"
else
    echo "systemd-analyze is not installed: the unit is run below but not verified"
fi
mkdir -p "$root/etc/vickrey"
install -d -m 0700 "$root/var/lib/vickrey"  # StateDirectory with StateDirectoryMode
cp config/vickrey.json "$root/etc/vickrey/vickrey.json"
echo "LEDGER_BEARER_TOKEN=operations-check-billing-token" > "$root/etc/vickrey/secrets.env"
port=$(free_port)
(
    cd "$(setting WorkingDirectory | map)"
    umask "$(setting UMask)"
    while IFS= read -r assignment; do export "$(echo "$assignment" | map)"; done < <(grep -E '^Environment=' "$unit" | cut -d= -f2-)
    environment_file=$(setting EnvironmentFile | sed 's/^-//' | map)
    if [ -f "$environment_file" ]; then set -a; . "$environment_file"; set +a; fi
    export HTTP_PORT=$port
    # shellcheck disable=SC2046
    exec $(setting ExecStart | map)
) > "$work/unit.log" 2>&1 &
server=$!
pids+=("$server")
wait_ready "$port"
db=$root/var/lib/vickrey/vickrey.sqlite
[ "$(stat -c %a "$root/var/lib/vickrey/keys")" = 700 ] || fail "the keys directory is not 0700"
seed "$db" "$port"
serve "$port" 20

# 2. An online backup under traffic, restored and verified.
step "SQLite: adctl backup while serving"
serve "$port" 60 &
traffic=$!
"$bin/adctl" backup "$work/backup.sqlite" --db "$db"
cp -a "$root/var/lib/vickrey/keys" "$work/backup-keys"
wait "$traffic"
curl -s -o /dev/null "http://127.0.0.1:$port/v1/admin/campaigns" -H 'Authorization: Bearer vk_0000000000000000_wrong'
curl -s -o /dev/null "http://127.0.0.1:$port/v1/beacons/impression/Bforged"
curl -sf "http://127.0.0.1:$port/metrics" | metric_names > "$work/metrics.txt"

kill_signal=$(setting KillSignal); kill_signal=${kill_signal#SIG}
timeout=$(setting TimeoutStopSec)
step "systemd unit: stop with SIG$kill_signal within ${timeout}s"
kill "-$kill_signal" "$server"
for _ in $(seq 1 $((timeout * 20))); do kill -0 "$server" 2> /dev/null || break; sleep 0.05; done
kill -0 "$server" 2> /dev/null && fail "the server did not stop within TimeoutStopSec"
status=0; wait "$server" || status=$?
[ "$status" = 0 ] || fail "the server exited $status on SIG$kill_signal (log: $(tail -5 "$work/unit.log"))"
"$bin/adctl" ledger verify --db "$db" --keys "$root/var/lib/vickrey/keys" > /dev/null

step "SQLite: restore into a fresh folder, verify, serve"
restored=$work/restored
mkdir -p "$restored"
cp "$work/backup.sqlite" "$restored/vickrey.sqlite"
cp -a "$work/backup-keys" "$restored/keys"
"$bin/adctl" ledger verify --db "$restored/vickrey.sqlite" --keys "$restored/keys"
port=$(free_port)
"$bin/adserver" --port "$port" --db "$restored/vickrey.sqlite" --keys "$restored/keys" --no-seed > "$work/restored.log" 2>&1 &
pids+=("$!")
wait_ready "$port"
curl -sf "http://127.0.0.1:$port/v1/ads" -d '{"placements": [{"id": "ops_feed", "sizes": ["300x250"]}]}' | grep -q ops-check \
    || fail "the restored server does not serve the restored campaign"

# 3. PostgreSQL: dump a serving fleet server's database, restore it, verify it.
if [ -n "${VICKREY_TEST_POSTGRES_URL:-}" ]; then
    base=${VICKREY_TEST_POSTGRES_URL%/*}
    source_db="$base/ops_source_$$"
    restored_db="$base/ops_restored_$$"
    step "PostgreSQL: pg_dump while serving, pg_restore into a fresh database, verify"
    port=$(free_port)
    "$bin/adserver" --port "$port" --db "$source_db" --server-id ops-a --keys "$work/pg-keys" --no-seed > "$work/pg.log" 2>&1 &
    pids+=("$!")
    wait_ready "$port"
    seed "$source_db" "$port"
    serve "$port" 30
    pg_dump --format=custom --file="$work/fleet.dump" "$source_db"
    # The lease keeper settles every renew interval: wait for its first counted settle.
    for _ in $(seq 1 200); do
        curl -sf "http://127.0.0.1:$port/metrics" | grep -q '^vickrey_lease_settles_total' && break
        sleep 0.05
    done
    curl -sf "http://127.0.0.1:$port/metrics" | metric_names >> "$work/metrics.txt"
    psql -q "$base/postgres" -c "CREATE DATABASE ops_restored_$$"
    pg_restore --no-owner --dbname="$restored_db" "$work/fleet.dump"
    "$bin/adctl" ledger verify --db "$restored_db"
    psql -q "$base/postgres" -c "DROP DATABASE ops_restored_$$"
else
    echo "== PostgreSQL: skipped (set VICKREY_TEST_POSTGRES_URL to a server to check dump and restore)"
fi

# 4. Alerting rules and the dashboard.
step "Prometheus rules and the Grafana dashboard"
if command -v promtool > /dev/null; then
    promtool check rules deploy/prometheus/vickrey-alerts.yml
    (cd deploy/prometheus && promtool test rules vickrey-alerts.test.yml)
else
    fail "promtool is not installed (apt-get install -y prometheus)"
fi
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' deploy/grafana/vickrey-dashboard.json
used=$(cat deploy/prometheus/vickrey-alerts.yml deploy/grafana/vickrey-dashboard.json \
    | grep -oE '\b(vickrey|http)_[a-z_]+' | sed -E 's/_(bucket|count|sum)$//' | sort -u)
missing=$(comm -23 <(echo "$used") <(sort -u "$work/metrics.txt"))
if [ -n "${VICKREY_TEST_POSTGRES_URL:-}" ]; then
    [ -z "$missing" ] || fail "the rules or the dashboard query metrics no server exported: $missing"
else
    echo "not exported without a fleet (checked when VICKREY_TEST_POSTGRES_URL is set): ${missing:-none}"
fi
echo "operations check passed"

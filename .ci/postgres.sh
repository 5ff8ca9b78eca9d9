#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and local fleets, from Debian's packages.
#
#   .ci/postgres.sh start DIR [PORT]   initdb in DIR (if empty) and start on 127.0.0.1:PORT
#                                      (default 54329); prints the postgres:// URL
#   .ci/postgres.sh stop DIR           stop it (immediately: it is thrown away)
#
# PostgreSQL refuses to run as root, so as root the cluster is owned and run by the
# `postgres` user. Trust authentication on loopback only: for tests, not for production.
set -euo pipefail
command=${1:?start or stop}; dir=${2:?a directory}; port=${3:-54329}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/pg_ctl" ] || { echo "PostgreSQL is not installed (apt-get install -y postgresql)" >&2; exit 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case $command in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    chmod 755 "$dir"
    [ -f "$dir/data/PG_VERSION" ] || as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C --no-sync > /dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=300" start > /dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop > /dev/null || true
    ;;
*) echo "usage: $0 start|stop DIR [PORT]" >&2; exit 2 ;;
esac

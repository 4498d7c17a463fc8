#!/usr/bin/env bash
# Lock contention through SQL: pgbench's TPC-B-like transaction at scale 1, where every
# transaction updates the one pgbench_branches row, against a 3-process Meridian cluster on
# loopback, at 1, 2, 4 and 8 clients. Throughput at saturation is one transaction per hold
# of that row's lock; the retried count is wound-wait restarts (40001).
#   usage: bench/pgbench_contention.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=$1
seconds=${2:-12}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/../tests/clients/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
LEASE_MS=5000 start_cluster "$build/cmd/meridian" "$dir"
port=${SQL_PORTS[0]}
pgbench -h 127.0.0.1 -p "$port" -U root -i -s 1 -q meridian >/dev/null 2>&1
for c in 1 2 4 8; do
  out=$(pgbench -h 127.0.0.1 -p "$port" -U root -n -T "$seconds" -c "$c" -j "$c" \
    --max-tries=100 -M prepared meridian 2>&1)
  echo "clients $c: $(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out") tps," \
    "latency $(sed -n 's/^latency average = //p' <<<"$out")," \
    "retried $(sed -n 's/^number of transactions retried: //p' <<<"$out")"
done

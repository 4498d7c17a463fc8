#!/usr/bin/env bash
# Unmodified pgbench against a 3-process Meridian cluster: `pgbench -i -s 4`, then
# `pgbench -i -s 1` (COPY, TRUNCATE, tables without a primary key, ALTER TABLE ... ADD
# PRIMARY KEY, VACUUM), then
# short TPC-B-like runs with -M simple and -M prepared from 4 clients (serialization
# failures retried by pgbench's --max-tries). After each run the balances must add up:
# accounts, tellers and branches move together, and the history records every change.
set -euo pipefail
bin=$1
seconds=${PGBENCH_SECONDS:-10}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
# Loading goes through the bulk path (COPY after TRUNCATE in one transaction, then ADD
# PRIMARY KEY): batches of 1 MiB, so the default 1.5 s leases hold throughout. Scale 4 is
# 400,000 rows, over 40 MiB, past what one commit may write to a range (8 MiB): it loads
# only on the bulk path. Loading again replaces the tables (pgbench -i drops them first).
# The sanitizer builds apply several times slower and set longer leases.
LEASE_MS=${CLIENT_TEST_LEASE_MS:-1500} start_cluster "$bin" "$dir"
P=${SQL_PORTS[0]}
pgbench -h 127.0.0.1 -p "$P" -U root -i -s 4 meridian
n=$(psql -h 127.0.0.1 -p "$P" -U root -d meridian -X -Atc "SELECT count(*), sum(aid) FROM pgbench_accounts")
[ "$n" = "400000|80000200000" ] || { echo "after pgbench -i -s 4: $n"; exit 1; }
pgbench -h 127.0.0.1 -p "$P" -U root -i -s 1 meridian
sums() {
  psql -h 127.0.0.1 -p "$P" -U root -d meridian -X -Atc \
    "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(tbalance) FROM pgbench_tellers),
            (SELECT sum(bbalance) FROM pgbench_branches), (SELECT coalesce(sum(delta), 0) FROM pgbench_history),
            (SELECT count(*) FROM pgbench_accounts)"
}
[ "$(sums)" = "0|0|0|0|100000" ] || { echo "after init: $(sums)"; exit 1; }
before=0
for mode in simple prepared; do
  out=$(pgbench -h 127.0.0.1 -p "${SQL_PORTS[1]}" -U root -T "$seconds" -c 4 --max-tries=50 -M "$mode" meridian 2>&1)
  echo "$out"
  grep -q 'number of failed transactions: 0 ' <<<"$out" || { echo "pgbench -M $mode had failures"; exit 1; }
  processed=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' <<<"$out")
  [ "${processed:-0}" -gt 0 ] || { echo "no transactions processed"; exit 1; }
  IFS='|' read -r a t b delta n <<<"$(sums)"
  # pgbench truncates pgbench_history when a run starts, so the history holds this run.
  if [ "$a" != "$t" ] || [ "$a" != "$b" ] || [ $((a - before)) -ne "$delta" ] || [ "$n" -ne 100000 ]; then
    echo "balances do not add up after -M $mode: accounts $a tellers $t branches $b history $delta (before $before) rows $n"
    exit 1
  fi
  before=$a
done
echo "pgbench test passed"

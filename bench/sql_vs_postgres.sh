#!/usr/bin/env bash
# pgbench's own TPC-B-like transaction, and a point select, a point update and a small join
# (pgbench custom scripts, bench/sql/*.sql), through the PostgreSQL wire protocol with the
# same client against
#   - Meridian: a 3-process cluster on loopback (no simulated WAN), fsync on, and
#   - PostgreSQL 15 on loopback (default settings, fsync on),
# both loaded with `pgbench -i -s 1`. Prints one line per workload with both throughputs
# and latencies, the share of Meridian's transactions retried after a serialization failure
# (40001; pgbench retries them, --max-tries=100), and the ratio. Run as root (PostgreSQL
# runs as the postgres user).
# The clients connect to the node that holds the lease of the tables' range (as an
# application's clients connect to the gateway in their own region, where its leases are);
# the last lines repeat TPC-B, the point select and the point update through a gateway that
# is not the leaseholder, so every request crosses gRPC to another node.
#   usage: bench/sql_vs_postgres.sh BUILD_DIR [SECONDS] [CLIENTS]
set -euo pipefail
build=$1
seconds=${2:-10}
clients=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/side_by_side.sh"
start_side_by_side "$build/cmd/meridian"

load() {  # port -> pgbench -i's timing line
  pgbench -h 127.0.0.1 -p "$1" -U root -i -s 1 -q meridian 2>&1 | grep '^done in'
}
echo "load, Meridian:      $(load "${SQL_PORTS[0]}")"
echo "load, PostgreSQL 15: $(load "$pgport")"
lh=$(leaseholder_of "$build/cmd/meridian" 3)
[ -n "$lh" ] || { echo "range 3 has no leaseholder"; exit 1; }
near=${SQL_PORTS[$((lh - 1))]}
far=${SQL_PORTS[$((lh % 3))]}
echo "leaseholder of the tables' range: node $lh; clients connect to it (far gateway: node $((lh % 3 + 1)))"

run() {  # port script -> "tps latency_ms retried%"
  local out
  local script=(-f "$here/sql/$2.sql")
  [ "$2" = tpcb ] && script=(-b tpcb-like)  # pgbench's built-in TPC-B-like transaction
  out=$(pgbench -h 127.0.0.1 -p "$1" -U root -n -M prepared -c "$clients" -j "$clients" \
    -T "$seconds" --max-tries=100 "${script[@]}" meridian 2>&1)
  local tps lat retried
  tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<<"$out")
  lat=$(sed -n 's/^latency average = \([0-9.]*\) ms/\1/p' <<<"$out")
  # Transactions restarted after a serialization failure (40001), as a share of all.
  retried=$(sed -n 's/^number of transactions retried: [0-9]* (\([0-9.]*\)%)/\1/p' <<<"$out")
  echo "$tps $lat ${retried:-0}"
}

# Warm up both (Meridian's ranges settle their leases after the 100,000-row load).
for w in tpcb point_select point_update small_join; do
  run "$near" "$w" >/dev/null
  run "$pgport" "$w" >/dev/null
done

printf '%-14s %12s %12s %10s %12s %12s %8s\n' workload meridian_tps meridian_ms retried% \
  pg15_tps pg15_ms ratio
line() {  # name meridian_port workload
  local mt ml mr pt pl pr ratio
  read -r mt ml mr <<<"$(run "$2" "$3")"
  read -r pt pl pr <<<"$(run "$pgport" "$3")"
  ratio=$(awk -v a="$mt" -v b="$pt" 'BEGIN { printf "%.3f", a / b }')
  printf '%-14s %12s %12s %10s %12s %12s %8s\n' "$1" "$mt" "$ml" "$mr" "$pt" "$pl" "$ratio"
}
for w in tpcb point_select point_update small_join; do line "$w" "$near" "$w"; done
line "tpcb far" "$far" tpcb
line "point_sel far" "$far" point_select
line "point_upd far" "$far" point_update

# Sourced by the side-by-side benchmarks (sql_vs_postgres.sh, pgbench_load.sh, tpcc.sh,
# tpcc_capacity.sh):
# a 3-process Meridian cluster on loopback (fsync on, 5 s leases unless SIDE_BY_SIDE_LEASE_MS
# says otherwise; tests/clients/cluster.sh)
# and a PostgreSQL 15 of its own (initdb defaults, fsync on) with a database "meridian",
# both stopped and removed on exit. Must run as root (PostgreSQL runs as postgres).
#   start_side_by_side MERIDIAN_BINARY [EXTRA_POSTGRES_OPTIONS]
# sets $dir (scratch directory), $pgport, $pgbin and cluster.sh's SQL_PORTS.
here_sbs=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here_sbs/../tests/clients/cluster.sh"
pgbin=/usr/lib/postgresql/15/bin

stop_side_by_side() {
  stop_cluster || true
  su postgres -c "$pgbin/pg_ctl -D $dir/pg -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
}

start_side_by_side() {
  local bin=$1 pg_extra=${2:-}
  dir=$(mktemp -d)
  chmod 755 "$dir"
  pgport=$(free_port)
  trap stop_side_by_side EXIT
  LEASE_MS=${SIDE_BY_SIDE_LEASE_MS:-5000} start_cluster "$bin" "$dir"
  mkdir "$dir/pg" && chown postgres "$dir/pg"
  su postgres -c "$pgbin/initdb -D $dir/pg -A trust -U root" >/dev/null
  su postgres -c "$pgbin/pg_ctl -D $dir/pg -o '-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1 $pg_extra' -l $dir/pg/server.log -w start" >/dev/null
  su postgres -c "$pgbin/createdb -h 127.0.0.1 -p $pgport -U root meridian"
}

# The id of the node holding the lease of range $1 (3: the tables from id 104 on, where
# pgbench's and TPC-C's tables live), from `meridian kv status`; waits up to 20 s for one.
#   leaseholder_of MERIDIAN_BINARY RANGE
leaseholder_of() {
  local bin=$1 range=$2 peers="" i lh=""
  for i in 1 2 3; do peers+="${peers:+,}$i=127.0.0.1:${NODE_PORTS[$((i-1))]}"; done
  for i in $(seq 100); do
    lh=$("$bin" kv --peers="$peers" status 2>/dev/null |
      awk -v r="$range:" '$3 == "range" && $4 == r && $6 == "(leaseholder)" { print $2; exit }')
    [ -n "$lh" ] && break
    sleep 0.2
  done
  echo "$lh"
}

#!/usr/bin/env bash
# Runs every benchmark binary in the build directory and prints Google Benchmark's table.
# Usage: bench/run.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r)"
# Google Benchmark micro-benchmarks.
for b in "$build"/bench/mvcc_bench "$build"/bench/lock_wait_bench; do
  [ -x "$b" ] || continue
  echo "== $(basename "$b")"
  TMPDIR=${TMPDIR:-/tmp} "$b" --benchmark_min_time=1
done
echo "== replication_bench (real processes on loopback)"
bash "$(dirname "$0")/replication.sh" "$build" 10
echo "== txn_bench table 3 (real processes on loopback)"
"$build"/bench/txn_bench --binary="$build"/cmd/meridian --table=3
echo "== txn_bench table 4"
"$build"/bench/txn_bench --binary="$build"/cmd/meridian --table=4
echo "== pgbench against PostgreSQL 15: TPC-B, point select/update, small join (needs root)"
if [ "$(id -u)" -eq 0 ]; then
  bash "$(dirname "$0")/sql_vs_postgres.sh" "$build" 10 4
  echo "== pgbench -i, scales 1 and 10, twice each, default leases (needs root)"
  bash "$(dirname "$0")/pgbench_load.sh" "$build" 1 10
else
  echo "skipped: PostgreSQL runs as the postgres user; run as root"
fi
echo "== TPC-C: Meridian against PostgreSQL 15 (real processes on loopback; needs root)"
if [ "$(id -u)" -eq 0 ]; then
  TPCC_OUT=${TPCC_OUT:-$(mktemp -d)} bash "$(dirname "$0")/tpcc.sh" "$build" 30
else
  echo "skipped: bench/tpcc.sh starts PostgreSQL as the postgres user and must run as root"
fi
echo "== TPC-C capacity with the spec's keying and think times (TPCC_CAPACITY=1; about 25 min)"
if [ "${TPCC_CAPACITY:-0}" = 1 ] && [ "$(id -u)" -eq 0 ]; then
  TPCC_OUT=${TPCC_OUT:-$(mktemp -d)} bash "$(dirname "$0")/tpcc_capacity.sh" "$build"
else
  echo "skipped: set TPCC_CAPACITY=1 and run as root"
fi

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

#!/usr/bin/env bash
# Loading with `pgbench -i` (COPY after TRUNCATE in one transaction, then ALTER TABLE ... ADD
# PRIMARY KEY, then VACUUM), default flags, twice at each scale, against a 3-process
# Meridian cluster on loopback (fsync on, the default 1.5 s leases) and PostgreSQL 15 (default
# settings, fsync on) started side by side. Prints pgbench's own timing line for each run,
# or its error. Run as root (PostgreSQL runs as the postgres user).
#   usage: bench/pgbench_load.sh BUILD_DIR [SCALE...]   (default scales: 1 10)
set -uo pipefail
build=$1
shift
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(1 10)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/side_by_side.sh"
SIDE_BY_SIDE_LEASE_MS=1500 start_side_by_side "$build/cmd/meridian"

load() {  # port scale -> pgbench's "done in" line, or its error
  local out
  out=$(pgbench -h 127.0.0.1 -p "$1" -U root -i -s "$2" meridian 2>&1)
  grep '^done in' <<<"$out" || grep -m1 'error' <<<"$out"
}
for s in "${scales[@]}"; do
  for run in 1 2; do
    echo "scale $s run $run, Meridian:      $(load "${SQL_PORTS[0]}" "$s")"
    echo "scale $s run $run, PostgreSQL 15: $(load "$pgport" "$s")"
  done
done

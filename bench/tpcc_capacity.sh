#!/usr/bin/env bash
# TPC-C capacity: the highest warehouse count at which a system keeps at least 85% of the
# 12.86 tpmC per warehouse that terminals with the spec's keying and think times offer
# (--wait=1), for Meridian (3 processes on loopback, fsync on) and PostgreSQL 15 (started
# here, initdb defaults, fsync on), with the same `meridian workload tpcc` driving both.
#
# Each system is loaded once with MAX warehouses, then driven at STEP, 2*STEP, ... MAX
# warehouses (`run --warehouses=N`: 10 terminals per warehouse, served by
# TPCC_WORKERS_PER_WH workers (default 2: 5 terminals to a worker and its connection, as a
# transaction monitor would); the connections spread over the nodes),
# each run with a 30 s ramp and a SECONDS-long window. A worker runs whichever of its
# terminals is due; a terminal waits its keying and think times between transactions, so
# a worker is busy for a few percent of the time. Prints efficiency and tpmC per count and
# the highest count at or above 85%.
#
# The population is NOT spec-sized by default (TPCC_SCALE: 1,000 items and 100 customers and
# orders per district), so that loading dozens of warehouses takes minutes on a 2-core
# machine. It does not change what a terminal offers, only how many rows there are.
# TPCC_SYSTEMS="mer pg" (default) chooses the systems. Meridian's wire server takes 100
# connections per node, so MAX * TPCC_WORKERS_PER_WH must stay at or below 300.
# Run as root (PostgreSQL runs as the postgres user).
#   usage: bench/tpcc_capacity.sh BUILD_DIR [MAX] [STEP] [SECONDS]
set -euo pipefail
build=$1
max=${2:-80}
step=${3:-20}
seconds=${4:-90}
per_wh=${TPCC_WORKERS_PER_WH:-2}
systems=${TPCC_SYSTEMS:-mer pg}
scale=${TPCC_SCALE-"--items=1000 --customers=100 --orders=100"}
out=${TPCC_OUT:-$PWD/tpcc-capacity}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/cmd/meridian
mkdir -p "$out"
source "$here/side_by_side.sh"
start_side_by_side "$bin" "-c max_connections=$((max * per_wh + 20))"

mer_urls=()
for p in "${SQL_PORTS[@]}"; do mer_urls+=("--db=postgresql://root@127.0.0.1:$p/meridian?sslmode=disable"); done
pg_urls=("--db=postgresql://root@127.0.0.1:$pgport/meridian?sslmode=disable")
field() { /usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"; }

echo "machine: $(nproc) cores; scale: ${scale:-spec-sized}; --wait=1; ${seconds} s windows after a 30 s ramp"
printf '%-12s %10s %10s %10s %s\n' system warehouses tpmC "efficiency%" "p90 ms"
for sys in $systems; do
  declare -n urls=${sys}_urls
  "$bin" workload tpcc init "${urls[0]}" --drop --warehouses="$max" $scale --seed=1 \
    >"$out/$sys-init.txt" 2>&1 || { cat "$out/$sys-init.txt" >&2; exit 1; }
  best=0
  for ((n = step; n <= max; n += step)); do
    "$bin" workload tpcc run "${urls[@]}" --warehouses="$n" --wait=1 --duration="${seconds}s" \
      --ramp=30s --workers=$((n * per_wh)) --seed=2 --json >"$out/$sys-w$n.json" 2>"$out/$sys-w$n.lines"
    eff=$(field "$out/$sys-w$n.json" '"%.1f" % s["efficiency_percent"]')
    printf '%-12s %10d %10s %10s %s\n' "$sys" "$n" \
      "$(field "$out/$sys-w$n.json" '"%.1f" % s["tpmC"]')" "$eff" \
      "$(field "$out/$sys-w$n.json" '" ".join("%s=%.0f" % (t, v["p90_ms"]) for t, v in s["types"].items())')"
    if awk -v e="$eff" 'BEGIN { exit !(e >= 85) }'; then best=$n; fi
  done
  echo "$sys: highest warehouse count at >= 85% efficiency: $best (of $max tried)"
  unset -n urls
done

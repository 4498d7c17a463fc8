#!/usr/bin/env bash
# TPC-C side by side: the same `meridian workload tpcc` (init, run, check) against
#   - Meridian: a 3-process cluster on loopback (fsync on, 5 s leases as in the client tests),
#     the run's connections spread over the three nodes, and
#   - PostgreSQL 15 started here (initdb defaults, fsync on), on loopback,
# with the same scale, workers, durations and seeds. Prints, per system: load time per
# warehouse; tpmC and p90 per type flat out (--wait=0) at 1 warehouse with 4 and 16 workers
# and at 4 warehouses; efficiency with paced terminals (--wait=$TPCC_PACED_WAIT) at 1 and 4
# warehouses; and the Meridian/PostgreSQL ratios. Each run's JSON summary is kept in
# $TPCC_OUT (default ./tpcc-bench).
#
# The default scale is NOT spec-sized (TPCC_SCALE, default 10,000 items and 300 customers
# and orders per district, a tenth of the spec) so that the whole script runs in about ten
# minutes on a 2-core machine; TPCC_SCALE="" loads the spec's population.
# Both systems run the read-write transactions at REPEATABLE READ (snapshot isolation),
# or at TPCC_ISOLATION (repeatable-read or serializable).
# Run as root (PostgreSQL runs as the postgres user).
#   usage: bench/tpcc.sh BUILD_DIR [SECONDS]
set -euo pipefail
build=$1
seconds=${2:-30}
scale=${TPCC_SCALE-"--items=10000 --customers=300 --orders=300"}
paced_wait=${TPCC_PACED_WAIT:-0.1}
isolation=${TPCC_ISOLATION:-repeatable-read}
out=${TPCC_OUT:-$PWD/tpcc-bench}
here=$(cd "$(dirname "$0")" && pwd)
bin=$build/cmd/meridian
mkdir -p "$out"
source "$here/side_by_side.sh"
start_side_by_side "$bin"

mer_urls=()
for p in "${SQL_PORTS[@]}"; do mer_urls+=("--db=postgresql://root@127.0.0.1:$p/meridian?sslmode=disable"); done
pg_urls=("--db=postgresql://root@127.0.0.1:$pgport/meridian?sslmode=disable")

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); scale: ${scale:-spec-sized}; ${seconds} s runs; isolation $isolation"

init() {  # system warehouses -> seconds per warehouse
  local -n urls=${1}_urls
  "$bin" workload tpcc init "${urls[0]}" --drop --warehouses="$2" $scale --seed=1 \
    >"$out/$1-init-$2.txt" 2>&1 || { cat "$out/$1-init-$2.txt" >&2; return 1; }
  sed -n 's/.* \([0-9.]*\) s per warehouse.*/\1/p' "$out/$1-init-$2.txt"
}

run() {  # system name args... -> the JSON summary in $out/system-name.json
  local sys=$1 name=$2
  shift 2
  local -n urls=${sys}_urls
  "$bin" workload tpcc run "${urls[@]}" --duration="${seconds}s" --ramp=5s --seed=2 --json --isolation="$isolation" "$@" \
    >"$out/$sys-$name.json" 2>"$out/$sys-$name.lines"
}

field() {  # file python-expression-over-s
  /usr/bin/python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($2)" "$1"
}

p90s() { field "$1" '" ".join("%s=%.0f" % (t, v["p90_ms"]) for t, v in s["types"].items())'; }

for sys in mer pg; do
  load1=$(init $sys 1)
  run $sys w1-c4 --wait=0 --workers=4
  run $sys w1-c16 --wait=0 --workers=16
  run $sys w1-paced --wait="$paced_wait"
  load4=$(init $sys 4)
  run $sys w4-c16 --wait=0 --workers=16
  run $sys w4-paced --wait="$paced_wait"
  echo "$load1 $load4" >"$out/$sys-load.txt"
done
# Consistency after the runs, on both (the 4-warehouse databases).
"$bin" workload tpcc check --expensive "${mer_urls[0]}" >"$out/mer-check.txt" || echo "Meridian check FAILED"
"$bin" workload tpcc check --expensive "${pg_urls[0]}" >"$out/pg-check.txt" || echo "PostgreSQL check FAILED"

printf '\n%-28s %14s %14s %8s\n' figure Meridian PostgreSQL ratio
row() {  # label meridian pg
  printf '%-28s %14s %14s %8s\n' "$1" "$2" "$3" "$(awk -v a="$2" -v b="$3" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }')"
}
read -r ml1 ml4 <"$out/mer-load.txt"
read -r pl1 pl4 <"$out/pg-load.txt"
row "load s/warehouse (1 wh)" "$ml1" "$pl1"
row "load s/warehouse (4 wh)" "$ml4" "$pl4"
for r in w1-c4 w1-c16 w4-c16; do
  row "tpmC $r wait=0" "$(field "$out/mer-$r.json" '"%.1f" % s["tpmC"]')" "$(field "$out/pg-$r.json" '"%.1f" % s["tpmC"]')"
done
for r in w1-paced w4-paced; do
  row "efficiency% $r" "$(field "$out/mer-$r.json" '"%.1f" % s["efficiency_percent"]')" "$(field "$out/pg-$r.json" '"%.1f" % s["efficiency_percent"]')"
done
for r in w1-c4 w1-c16 w4-c16 w1-paced w4-paced; do
  echo "p90 ms $r: Meridian $(p90s "$out/mer-$r.json")"
  echo "p90 ms $r: PostgreSQL $(p90s "$out/pg-$r.json")"
  echo "statements/txn, retries $r: Meridian $(field "$out/mer-$r.json" '" ".join("%s=%.1f/%d" % (t, v["statements"] / max(1, v["count"] + v["errors"]), v["retries"]) for t, v in s["types"].items())')"
  echo "errors $r: Meridian $(field "$out/mer-$r.json" 's["errors"]') PostgreSQL $(field "$out/pg-$r.json" 's["errors"]')"
done
echo "consistency: Meridian $(tail -1 "$out/mer-check.txt"); PostgreSQL $(tail -1 "$out/pg-check.txt")"

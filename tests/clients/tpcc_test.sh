#!/usr/bin/env bash
# `meridian workload tpcc` end to end against a 3-process Meridian cluster, at a scale far
# below the spec's (1 warehouse, 1,000 items, 100 customers and 100 orders per district:
# NOT spec-sized, and the tool says so; 100 orders leave 30 undelivered per district, enough
# that a flat-out run does not deliver a district dry and skip it, 2.7.4.2): init, check, a short run flat out over two nodes with
# prepared statements, a short paced run with the simple protocol, then check, which must
# pass every condition. Then the negative controls: one corrupted row at a time (a
# district's D_NEXT_O_ID, a customer's balance, a warehouse's W_YTD) must make exactly the
# conditions that read it fail, with a non-zero exit status.
set -euo pipefail
bin=$1
seconds=${TPCC_SECONDS:-8}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
LEASE_MS=${CLIENT_TEST_LEASE_MS:-5000} start_cluster "$bin" "$dir"
url() { echo "postgresql://root@127.0.0.1:${SQL_PORTS[$1]}/meridian?sslmode=disable"; }
sql() { psql -h 127.0.0.1 -p "${SQL_PORTS[0]}" -U root -d meridian -X -v ON_ERROR_STOP=1 -Atqc "$1"; }
fail() { echo "FAIL: $*"; exit 1; }

# Flags are checked before anything connects.
set +e
"$bin" workload tpcc run --duration=soon >"$dir/out" 2>&1; rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--duration needs a duration" "$dir/out" || fail "bad --duration: rc $rc: $(cat "$dir/out")"
set +e
"$bin" workload tpcc run --isolation=snapshot >"$dir/out" 2>&1; rc=$?
set -e
[ $rc -eq 2 ] && grep -q -- "--isolation is repeatable-read or serializable" "$dir/out" || fail "bad --isolation: rc $rc: $(cat "$dir/out")"
# run before init: no TPC-C database.
set +e
"$bin" workload tpcc run --db="$(url 0)" --duration=1s >"$dir/out" 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "run without a TPC-C database: rc $rc: $(cat "$dir/out")"

"$bin" workload tpcc init --db="$(url 0)" --items=1000 --customers=100 --orders=100 --seed=7 \
  | tee "$dir/init"
grep -q "NOT spec-sized" "$dir/init" || fail "init did not say the scale is not the spec's"
[ "$(sql "SELECT count(*) FROM order_line")" -gt 1000 ] || fail "order lines were not loaded"
# Before any Delivery every condition applies, 3.3.2.11 included.
"$bin" workload tpcc check --expensive --db="$(url 0)" | tee "$dir/check"
grep -q "^12 passed, 0 failed" "$dir/check" || fail "check after init"

# Flat out, prepared statements, connections spread over nodes 1 and 2, at the default
# REPEATABLE READ (snapshot isolation; the check afterwards finds any anomaly it let in).
"$bin" workload tpcc run --db="$(url 0)" --db="$(url 1)" --duration="${seconds}s" --ramp=1s \
  --wait=0 --workers=4 --seed=8 --json >"$dir/run.json" 2>"$dir/run.lines"
cat "$dir/run.lines"
grep -q " newOrder " "$dir/run.lines" || fail "no per-second lines"
# Every type ran, nothing failed but for retried conflicts, and the summary says why not.
/usr/bin/python3 - "$dir/run.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(json.dumps(s, indent=1))
assert s["system"] == "Meridian" and s["spec_sized"] is False, s
assert s["errors"] == {}, s["errors"]
for t in ("newOrder", "payment", "orderStatus", "delivery", "stockLevel"):
    assert s["types"][t]["count"] > 0, t
    assert s["types"][t]["p50_ms"] <= s["types"][t]["p90_ms"] <= s["types"][t]["max_ms"], t
assert s["tpmC"] > 0
assert s["protocol"] == "prepared" and s["workers"] == 4 and s["isolation"] == "repeatable read"
names = {c["name"]: c["outcome"] for c in s["checks"]}
assert names["remote Payments"] == "n/a", names  # one warehouse: nothing remote
assert "FAIL" not in (names["skipped deliveries"], names["p90 delivery"]), names
PY

# Paced (a twentieth of the spec's keying and think times), the simple protocol, text out,
# serializable.
"$bin" workload tpcc run --db="$(url 2)" --duration=5s --wait=0.05 --simple --seed=9 \
  --isolation=serializable >"$dir/run2"
tail -25 "$dir/run2"
grep -q "^tpmC [0-9.]*, efficiency" "$dir/run2" || fail "no tpmC line"
grep -q "simple protocol, serializable" "$dir/run2" || fail "not the simple protocol, serializable"
! grep -q "^errors " "$dir/run2" || fail "errors in the paced run"

"$bin" workload tpcc check --expensive --db="$(url 1)" | tee "$dir/check"
grep -q "^11 passed, 0 failed" "$dir/check" || fail "check after the runs"

# Negative controls: corrupt, check must fail on exactly the conditions that read it.
expect_failures() {  # expect_failures "3.3.2.2 ..." : the FAIL lines of check, and rc 1
  set +e
  "$bin" workload tpcc check --expensive --db="$(url 0)" >"$dir/check" 2>&1; local rc=$?
  set -e
  cat "$dir/check"
  [ $rc -eq 1 ] || fail "check exited $rc on a corrupted database"
  local got
  got=$(awk '$0 ~ /^3\.3\.2\.[0-9]+ / && / FAIL / {print $1}' "$dir/check" | xargs)
  [ "$got" = "$1" ] || fail "expected failures '$1', got '$got'"
}
sql "UPDATE district SET d_next_o_id = d_next_o_id + 5 WHERE d_w_id = 1 AND d_id = 3"
expect_failures "3.3.2.2"
grep -Eq "^ +1 +3 +" "$dir/check" || fail "the offending district is not shown"
sql "UPDATE district SET d_next_o_id = d_next_o_id - 5 WHERE d_w_id = 1 AND d_id = 3"
sql "UPDATE customer SET c_balance = c_balance + 1 WHERE c_w_id = 1 AND c_d_id = 2 AND c_id = 7"
expect_failures "3.3.2.10 3.3.2.12"
sql "UPDATE customer SET c_balance = c_balance - 1 WHERE c_w_id = 1 AND c_d_id = 2 AND c_id = 7"
sql "UPDATE warehouse SET w_ytd = w_ytd + 0.01 WHERE w_id = 1"
expect_failures "3.3.2.1 3.3.2.8"
sql "UPDATE warehouse SET w_ytd = w_ytd - 0.01 WHERE w_id = 1"
"$bin" workload tpcc check --db="$(url 0)" >/dev/null || fail "check after repairing"
echo "tpcc test passed"

#!/usr/bin/env bash
# Drives the real `meridian demo --kv` (a 3-node replicated cluster in simulated regions) with a
# script on stdin: writes and reads through the leaseholder, stops the leaseholder, and checks
# that writes resume on a new one and nothing acknowledged is lost; then a stopped node
# restarts and a partitioned node is healed.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

out=$(printf '%s\n' \
  'put city Zurich' \
  'put river Limmat' \
  'get city' \
  'status' \
  'stop leader' \
  'put city Tokyo' \
  'get river' \
  'get city' \
  'stale follower river' \
  'start all' \
  'partition follower' \
  'put lake Biwa' \
  'heal' \
  'get lake' \
  'scan a z' \
  'begin' \
  'get city' \
  'put city Kyoto' \
  'put river Kamo' \
  'commit' \
  'begin ro' \
  'get river' \
  'commit' \
  'begin' \
  'put lake Leman' \
  'rollback' \
  'get lake' \
  'status' |
  "$bin" demo --kv --data-dir="$dir" 2>"$dir/stderr.txt")
echo "$out"
grep -q '^OK .*(node [0-9], ' <<<"$out"
grep -q '^"Zurich" (node ' <<<"$out"
grep -q 'leaseholder' <<<"$out"
grep -q '^stopped node [0-9]' <<<"$out"
# After the leaseholder stopped, a new one took the write and the old data is intact.
grep -q '^"Limmat" (node ' <<<"$out"
grep -q '^"Tokyo" (node ' <<<"$out"
# The bounded-staleness read on a follower sees the state at the follower's safe time: the
# river (written second) if that time has passed the write, else nothing. Under load the
# follower can lag, so either answer is right, but an absent river must be read at a timestamp
# before the write's commit timestamp.
wall_ns() { local w=${1%%,*}; echo "${w%%.*}${w#*.}"; }
river_ts=$(grep '^OK ' <<<"$out" | sed -n 2p | awk '{print $2}')
stale=$(grep -E '^("Limmat"|\(not found\)) at [0-9.,]* \(node [0-9], ' <<<"$out")
if [[ "$stale" == '(not found)'* ]]; then
  stale_ts=$(awk '{print $4}' <<<"$stale")
  if (( $(wall_ns "$stale_ts") >= $(wall_ns "$river_ts") )); then
    echo "the follower read at $stale_ts missed the river written at $river_ts"; exit 1
  fi
fi
grep -q '^started node [0-9]' <<<"$out"
grep -q 'is cut off' <<<"$out"
grep -q '^"Biwa" (node ' <<<"$out"
grep -q '^(3 rows)' <<<"$out"
# A transaction over both ranges ("city" < "m" <= "river") commits with 2PC, atomically.
grep -q '^BEGIN read-write' <<<"$out"
grep -q '^COMMIT [0-9.,]* (2 ranges, ' <<<"$out"
grep -q '^"Kamo" (' <<<"$out"
grep -q '^ROLLBACK' <<<"$out"
if [ "$(grep -c '^"Biwa" (node ' <<<"$out")" != 2 ]; then
  echo "the rolled-back write of lake became visible"; exit 1
fi
stopped=$(grep -o '^stopped node [0-9]' <<<"$out" | awk '{print $3}')
new_leader=$(grep '^"Tokyo" (node ' <<<"$out" | grep -o 'node [0-9]' | awk '{print $2}')
if [ "$stopped" = "$new_leader" ]; then
  echo "the write after stopping node $stopped was served by that same node"; exit 1
fi
# Bad input gets a clear error and a non-zero exit status.
if printf 'put onlykey\n' | "$bin" demo --kv --data-dir="$dir" >"$dir/err.txt" 2>/dev/null; then
  echo "expected a non-zero exit for a malformed command"; exit 1
fi
grep -q 'malformed command' "$dir/err.txt"
echo "cluster demo script test passed"

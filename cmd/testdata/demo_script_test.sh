#!/usr/bin/env bash
# Drives the real `meridian demo` binary with a script on stdin, twice over one data
# directory, and checks the answers: the store is durable and the shell reports errors.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

out=$(printf 'put city Zurich\nput city Tokyo\nget city\nscan a z\nprepare t1 lock 1\n' |
  "$bin" demo --local --data-dir="$dir/db" --epsilon-ms=1)
echo "$out"
grep -q '^"Tokyo" @ ' <<<"$out"
grep -q '(1 row)' <<<"$out"
grep -q '^PREPARED ' <<<"$out"

# A second process sees the committed data and the prepared write.
out=$(printf 'get city\nhistory city\nget lock\nabort t1 lock\nget lock\n' |
  "$bin" demo --local --data-dir="$dir/db")
echo "$out"
grep -q '^"Tokyo" @ ' <<<"$out"
grep -q '(2 versions)' <<<"$out"
grep -q 'prepared write of txn "t1"' <<<"$out"
grep -q '^ABORTED$' <<<"$out"
grep -q '^(not found)$' <<<"$out"

# Errors are reported and make the script's exit status non-zero.
if printf 'put x\n' | "$bin" demo --local --data-dir="$dir/db" >"$dir/err.txt"; then
  echo "expected a non-zero exit for a bad command"; exit 1
fi
grep -q 'usage: put KEY VALUE' "$dir/err.txt"
echo "demo script test passed"

#!/usr/bin/env bash
# Drives the real `meridian demo` (3 replicated nodes, SQL shell attached) with SQL on stdin
# and checks the shell's output: tables, meta-commands, errors with SQLSTATEs, EXPLAIN.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

script="CREATE TABLE t (id INT PRIMARY KEY, name TEXT);
INSERT INTO t VALUES (1, 'a'), (2, 'b');
SELECT * FROM t ORDER BY id;
\\dt
\\d t
SELECT nope FROM t;
EXPLAIN SELECT * FROM t WHERE id = 1;
BEGIN; UPDATE t SET name = 'z' WHERE id = 2; COMMIT;
SELECT name FROM t WHERE id = 2;
"
set +e
out=$(printf '%s' "$script" | "$bin" demo --no-wan --data-dir="$dir" 2>"$dir/stderr.txt")
status=$?
set -e
echo "$out"
[ "$status" -eq 1 ] || { echo "expected exit status 1 (one statement failed), got $status"; exit 1; }
grep -q '^CREATE TABLE$' <<<"$out"
grep -q '^INSERT 0 2$' <<<"$out"
grep -q '^  2 | b$' <<<"$out"
grep -q '(2 rows)' <<<"$out"
grep -q ' public | t    | table' <<<"$out"
grep -q 'Table "public.t"' <<<"$out"
grep -q 'scan t using primary key' <<<"$out"
grep -q '^ z$' <<<"$out"
grep -q 'ERROR:  42703: column "nope" does not exist' "$dir/stderr.txt"
grep -q 'PostgreSQL clients: psql -h 127.0.0.1 -p ' "$dir/stderr.txt"
echo "sql demo script test passed"

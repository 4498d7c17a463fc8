#!/usr/bin/env bash
# The real psql (and `meridian sql`) against a 3-process Meridian cluster: -c, -f, \copy,
# \d (psql's and the shell's, both compared with PostgreSQL 15's exact output), errors with
# SQLSTATEs, every node serving SQL, and committed data surviving kill -9 of a minority of
# nodes.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
start_cluster "$bin" "$dir"
P1=${SQL_PORTS[0]} P2=${SQL_PORTS[1]} P3=${SQL_PORTS[2]}
q() { local port=$1; shift; psql -h 127.0.0.1 -p "$port" -U root -d meridian -X -v ON_ERROR_STOP=1 "$@"; }
shell() { local port=$1; shift; "$bin" sql --port="$port" "$@"; }
# same_output [--shell] PORT 'COMMAND[|COMMAND...]' LINE...: the output of psql (or, with
# --shell, of `meridian sql`) must be exactly the lines.
same_output() {
  local client=q
  if [ "$1" = --shell ]; then client=shell; shift; fi
  local port=$1 cmds=$2 out expected args=() list c; shift 2
  expected=$(printf '%s\n' "$@")
  IFS='|' read -ra list <<<"$cmds"
  for c in "${list[@]}"; do args+=(-c "$c"); done
  out=$($client "$port" "${args[@]}" 2>&1) || { echo "$client $cmds failed: $out"; exit 1; }
  [ "$out" = "$expected" ] || { echo "unexpected $client $cmds output:"; diff <(echo "$expected") <(echo "$out"); exit 1; }
}

# -c
q "$P1" -c "CREATE TABLE accounts (id INT PRIMARY KEY, owner TEXT NOT NULL, balance NUMERIC(12,2) DEFAULT 0)"
q "$P1" -c "INSERT INTO accounts VALUES (1, 'ada', 100.50), (2, 'bob', 20)"
out=$(q "$P2" -Atc "SELECT owner, balance FROM accounts ORDER BY id")
[ "$out" = $'ada|100.50\nbob|20.00' ] || { echo "unexpected: $out"; exit 1; }

# -f, with a transaction block and a multi-statement line
cat >"$dir/script.sql" <<'SQL'
BEGIN;
UPDATE accounts SET balance = balance - 10 WHERE id = 1;
UPDATE accounts SET balance = balance + 10 WHERE id = 2;
COMMIT;
CREATE INDEX accounts_owner ON accounts (owner);
SELECT id FROM accounts WHERE owner = 'bob';
SQL
out=$(q "$P3" -Atf "$dir/script.sql")
grep -qx 2 <<<"$out" || { echo "unexpected -f output: $out"; exit 1; }
out=$(q "$P1" -Atc "SELECT sum(balance) FROM accounts")
[ "$out" = "120.50" ] || { echo "unexpected sum: $out"; exit 1; }

# Errors carry SQLSTATEs; psql -f stops at the first with ON_ERROR_STOP.
if q "$P1" -c "INSERT INTO accounts VALUES (1, 'dup', 0)" 2>"$dir/err.txt"; then
  echo "duplicate insert succeeded"; exit 1
fi
grep -q 'duplicate key value violates unique constraint "accounts_pkey"' "$dir/err.txt"
out=$(psql -h 127.0.0.1 -p "$P1" -U root -d meridian -X -v VERBOSITY=verbose -c "SELECT nope FROM accounts" 2>&1 || true)
grep -q '42703' <<<"$out" || { echo "no SQLSTATE in: $out"; exit 1; }

# \copy in and out (COPY FROM STDIN / TO STDOUT), CSV.
printf '3,cy,7.25\n4,"di, jr",0\n' >"$dir/in.csv"
q "$P1" -c "\\copy accounts FROM '$dir/in.csv' WITH (FORMAT csv)"
q "$P2" -c "\\copy (SELECT id, owner FROM accounts ORDER BY id) TO '$dir/out.csv' WITH (FORMAT csv)"
[ "$(cat "$dir/out.csv")" = $'1,ada\n2,bob\n3,cy\n4,"di, jr"' ] || { echo "unexpected copy out:"; cat "$dir/out.csv"; exit 1; }

# psql's \dt and \d describe tables through pg_catalog.
out=$(q "$P1" -c '\dt' 2>&1) || { echo "\\dt failed: $out"; exit 1; }
grep -q 'accounts' <<<"$out"

# \d TABLE: psql 15's ten catalog queries (columns, indexes, policies, statistics,
# publications, inheritance) must all run; the output must be PostgreSQL 15's, byte for byte.
q "$P1" -c "CREATE TABLE acct (id INT PRIMARY KEY, owner TEXT NOT NULL, bal NUMERIC(10,2) DEFAULT 0, note VARCHAR(20))"
q "$P1" -c "CREATE UNIQUE INDEX acct_owner ON acct (owner)"
acct=(
  '                       Table "public.acct"'
  ' Column |         Type          | Collation | Nullable | Default '
  '--------+-----------------------+-----------+----------+---------'
  ' id     | integer               |           | not null | '
  ' owner  | text                  |           | not null | '
  ' bal    | numeric(10,2)         |           |          | 0'
  ' note   | character varying(20) |           |          | '
  'Indexes:'
  '    "acct_pkey" PRIMARY KEY, btree (id)'
  '    "acct_owner" UNIQUE, btree (owner)')
same_output "$P2" '\d acct' "${acct[@]}"
# The shell's own \d prints the same; the table of the issue that found it did not
# (NUMERIC(12,2) shown as numeric, the primary key as a UNIQUE index).
same_output --shell "$P3" '\d acct' "${acct[@]}"
accounts=(
  '                 Table "public.accounts"'
  ' Column  |     Type      | Collation | Nullable | Default '
  '---------+---------------+-----------+----------+---------'
  ' id      | integer       |           | not null | '
  ' owner   | text          |           | not null | '
  ' balance | numeric(12,2) |           |          | 0'
  'Indexes:'
  '    "accounts_pkey" PRIMARY KEY, btree (id)'
  '    "accounts_owner" btree (owner)')
same_output "$P1" '\d accounts' "${accounts[@]}"
same_output --shell "$P2" '\d accounts' "${accounts[@]}"
# UNIQUE declared as a constraint is shown as one (CREATE UNIQUE INDEX above is not).
q "$P1" -c "CREATE TABLE u2 (a INT, b INT, c INT, UNIQUE (a, b))"
q "$P1" -c "ALTER TABLE u2 ADD CONSTRAINT u2_c_uniq UNIQUE (c)"
u2=(
  '                 Table "public.u2"'
  ' Column |  Type   | Collation | Nullable | Default '
  '--------+---------+-----------+----------+---------'
  ' a      | integer |           |          | '
  ' b      | integer |           |          | '
  ' c      | integer |           |          | '
  'Indexes:'
  '    "u2_a_b_key" UNIQUE CONSTRAINT, btree (a, b)'
  '    "u2_c_uniq" UNIQUE CONSTRAINT, btree (c)')
same_output "$P3" '\d u2' "${u2[@]}"
same_output --shell "$P1" '\d u2' "${u2[@]}"
# \d INDEX, \l and \dt+ (sizes come from scanning the table's keys).
same_output "$P2" '\d acct_pkey|\d acct_owner' \
  '       Index "public.acct_pkey"' \
  ' Column |  Type   | Key? | Definition ' \
  '--------+---------+------+------------' \
  ' id     | integer | yes  | id' \
  'primary key, btree, for table "public.acct"' \
  '' \
  '     Index "public.acct_owner"' \
  ' Column | Type | Key? | Definition ' \
  '--------+------+------+------------' \
  ' owner  | text | yes  | owner' \
  'unique, btree, for table "public.acct"'
out=$(q "$P1" -c '\l' 2>&1) || { echo "\\l failed: $out"; exit 1; }
grep -q '^ meridian | root  | UTF8 ' <<<"$out" || { echo "unexpected \\l output: $out"; exit 1; }
out=$(q "$P1" -c '\dt+ accounts' 2>&1) || { echo "\\dt+ failed: $out"; exit 1; }
grep -qE '^ public \| accounts \| table \| root  \| permanent   \| heap          \| [0-9]+ bytes \|' <<<"$out" ||
  { echo "unexpected \\dt+ output: $out"; exit 1; }
# Without a primary key the hidden row id is neither a column nor an index.
q "$P1" -c "CREATE TABLE notes (body TEXT)"
out=$(q "$P3" -c '\d notes' 2>&1) || { echo "\\d notes failed: $out"; exit 1; }
grep -q '^ body   | text |' <<<"$out" || { echo "unexpected \\d notes output: $out"; exit 1; }
if grep -qE 'rowid|Indexes' <<<"$out"; then echo "\\d notes shows the hidden key: $out"; exit 1; fi

# meridian sql -c
out=$("$bin" sql --port="$P3" -c "SELECT count(*) FROM accounts")
grep -q '^     4$' <<<"$out" || { echo "unexpected meridian sql output: $out"; exit 1; }

# kill -9 a minority: committed rows survive and the cluster keeps serving.
stop_node 3
deadline=$((SECONDS + 30))
until out=$(q "$P1" -Atc "SELECT count(*), sum(balance) FROM accounts" 2>/dev/null); do
  [ $SECONDS -lt $deadline ] || { echo "cluster stopped serving after losing one node"; exit 1; }
  sleep 0.5
done
[ "$out" = "4|127.75" ] || { echo "after kill -9: $out"; exit 1; }
q "$P2" -c "INSERT INTO accounts VALUES (5, 'eve', 1)"
echo "psql client test passed"

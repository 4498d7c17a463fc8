#!/usr/bin/env bash
# `meridian sql` against a 3-process cluster that requires a password (SCRAM-SHA-256):
# first how it connects (flags, a URI, a conninfo string, PG* variables, ~/.pgpass, -w),
# then an interactive session in a pseudo-terminal (the password prompt, line editing,
# prompts, meta-commands, \x, errors with SQLSTATEs, Ctrl-C cancelling a statement and
# discarding the query buffer).
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
# Nothing of the caller's libpq setup leaks in; HOME holds the history file and .pgpass.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE PGSERVICEFILE PGPASSFILE \
  PGSSLMODE PGGSSENCMODE PGOPTIONS PGCONNECT_TIMEOUT
export SQL_PASSWORD=pty-s3cret
start_cluster "$bin" "$dir"
P=${SQL_PORTS[0]}
export HOME="$dir/home"
mkdir -p "$HOME"
conninfo="You are connected to database \"meridian\" as user \"root\" on host \"127.0.0.1\" at port \"$P\"."
expect_conninfo() {  # expect_conninfo WHAT COMMAND...: prints psql's \conninfo line
  local out
  out=$("${@:2}" -w -c '\conninfo' 2>&1) || { echo "$1 failed: $out"; exit 1; }
  [ "$out" = "$conninfo" ] || { echo "$1: unexpected: $out"; exit 1; }
}

# No password anywhere and no prompting: a clear error and exit status 2.
if out=$("$bin" sql --port="$P" -w -c "SELECT 1" 2>&1); then echo "connected without a password"; exit 1; fi
grep -q '^meridian sql: error: connection to server at "127.0.0.1", port '"$P"' failed: fe_sendauth: no password supplied' <<<"$out" ||
  { echo "unexpected error without a password: $out"; exit 1; }
if out=$("$bin" sql --port="$P" --password=wrong -c "SELECT 1" 2>&1); then echo "wrong password accepted"; exit 1; fi
grep -q 'password authentication failed for user "root"' <<<"$out" || { echo "unexpected: $out"; exit 1; }

expect_conninfo "--password" "$bin" sql --port="$P" --password="$SQL_PASSWORD"
expect_conninfo "URI" "$bin" sql "postgres://root:$SQL_PASSWORD@127.0.0.1:$P/meridian"
expect_conninfo "URI with defaults" "$bin" sql "postgresql://:$SQL_PASSWORD@:$P"
expect_conninfo "conninfo string" "$bin" sql "port=$P password=$SQL_PASSWORD"
expect_conninfo "-h -p -U -d" "$bin" sql -h 127.0.0.1 -p "$P" -U root -d meridian --password="$SQL_PASSWORD"
PGPORT=$P PGPASSWORD=$SQL_PASSWORD expect_conninfo "PGPORT, PGPASSWORD" "$bin" sql
printf '127.0.0.1:%s:*:root:%s\n' "$P" "$SQL_PASSWORD" >"$HOME/.pgpass"
chmod 600 "$HOME/.pgpass"
expect_conninfo ".pgpass" "$bin" sql --port="$P"
rm "$HOME/.pgpass"

PTY_TEST_PASSWORD=$SQL_PASSWORD /usr/bin/python3 "$here/../../sql/shell/testdata/shell_pty_test.py" \
  "$bin" sql --port="$P"

#!/usr/bin/env bash
# `meridian start` takes the SQL password from --sql-password-file or $MERIDIAN_SQL_PASSWORD
# (so it never shows in ps), with the precedence docs/operations.md gives, and refuses
# password files other users can read, ambiguous sources and empty passwords. Real
# processes, checked with the real psql.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
unset MERIDIAN_SQL_PASSWORD PGPASSWORD

free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
node_port=$(free_port)
sql_port=$(free_port)
node_flags=(--node-id=1 --listen=127.0.0.1:$node_port --peers=1=127.0.0.1:$node_port
  --splits=sql --sql-listen=127.0.0.1:$sql_port)

# login PASSWORD: psql's exit status for a query with that password.
login() { PGPASSWORD=$1 psql -h 127.0.0.1 -p "$sql_port" -U root -d meridian -X -w -Atqc "SELECT 1" \
  >"$dir/psql.out" 2>"$dir/psql.err"; }

# start_node NAME [FLAGS...]: starts a node in the background (env as exported) and waits
# until PASSWORD_OK logs in.
start_node() {
  local name=$1; shift
  "$bin" start "${node_flags[@]}" --data-dir="$dir/$name" "$@" >"$dir/$name.log" 2>&1 &
  pid=$!
  local deadline=$((SECONDS + 60))
  until login "$PASSWORD_OK"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "node exited:"; cat "$dir/$name.log"; exit 1; fi
    if [ $SECONDS -ge $deadline ]; then
      echo "no login with the right password:"; cat "$dir/psql.err" "$dir/$name.log"; exit 1
    fi
    sleep 0.2
  done
}
stop_node() { kill "$pid"; wait "$pid" || true; pid=""; }

# refuse_login PASSWORD: the server rejects it as a wrong password.
refuse_login() {
  if login "$1"; then echo "password '$1' was accepted"; exit 1; fi
  grep -q 'password authentication failed' "$dir/psql.err" || { cat "$dir/psql.err"; exit 1; }
}

# 1. From a file (mode 0600). The file wins over the environment.
printf 'from-the-file\n' >"$dir/pw"
chmod 0600 "$dir/pw"
export MERIDIAN_SQL_PASSWORD=from-the-environment
PASSWORD_OK=from-the-file start_node file --sql-password-file="$dir/pw"
refuse_login from-the-environment
# The password is not on the command line, so not in ps.
if tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'from-the-file'; then
  echo "the password is visible in the command line"; exit 1
fi
stop_node

# 2. From the environment alone.
PASSWORD_OK=from-the-environment start_node env
refuse_login from-the-file
stop_node
unset MERIDIAN_SQL_PASSWORD

# 3. Refusals: each exits with status 2 at once, before the node starts, and says why.
refuse_start() {
  local needle=$1; shift
  local status=0
  "$bin" start "${node_flags[@]}" --data-dir="$dir/refused" "$@" >"$dir/refused.log" 2>&1 \
    || status=$?
  [ "$status" -eq 2 ] || { echo "start $*: exit status $status, want 2"; cat "$dir/refused.log"; exit 1; }
  grep -qF -- "$needle" "$dir/refused.log" || { cat "$dir/refused.log"; exit 1; }
  if grep -q 'listening on port' "$dir/refused.log"; then echo "the node started"; exit 1; fi
}
chmod 0644 "$dir/pw"
refuse_start "open to every user (mode 0644)" --sql-password-file="$dir/pw"
chmod 0600 "$dir/pw"
refuse_start "not both" --sql-password-file="$dir/pw" --sql-password=x
refuse_start "No such file" --sql-password-file="$dir/missing"
MERIDIAN_SQL_PASSWORD= refuse_start "MERIDIAN_SQL_PASSWORD is set but empty"
status=0
"$bin" start --node-id=1 --listen=127.0.0.1:$node_port --peers=1=127.0.0.1:$node_port \
  --data-dir="$dir/refused" --sql-password-file="$dir/pw" >"$dir/refused.log" 2>&1 || status=$?
[ "$status" -eq 2 ] && grep -q 'needs --sql-listen' "$dir/refused.log" \
  || { echo "a password without --sql-listen: status $status"; cat "$dir/refused.log"; exit 1; }

# 4. --sql-password still works, with a warning that it is visible.
PASSWORD_OK=on-the-command-line start_node flag --sql-password=on-the-command-line
grep -q 'warning: --sql-password is visible' "$dir/flag.log"
stop_node
echo "sql password test passed"

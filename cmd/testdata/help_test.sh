#!/usr/bin/env bash
# Every subcommand of the real binary answers --help with its usage and flags on stdout and
# exit status 0, without starting anything; argument mistakes are reported on stderr with
# exit status 2.
set -euo pipefail
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# expect_help WORDS... -- NEEDLES...: `$bin WORDS` exits 0, prints nothing on stderr, and
# its stdout contains every needle.
expect_help() {
  local args=() needles=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  shift
  needles=("$@")
  local status=0
  "$bin" "${args[@]}" >"$dir/out" 2>"$dir/err" </dev/null || status=$?
  if [ "$status" -ne 0 ]; then
    echo "meridian ${args[*]}: exit status $status, want 0"; cat "$dir/err"; exit 1
  fi
  if [ -s "$dir/err" ]; then
    echo "meridian ${args[*]}: unexpected stderr:"; cat "$dir/err"; exit 1
  fi
  for n in "${needles[@]}"; do
    if ! grep -qF -- "$n" "$dir/out"; then
      echo "meridian ${args[*]}: stdout lacks '$n':"; cat "$dir/out"; exit 1
    fi
  done
}

# expect_usage_error WORDS... -- NEEDLE: exit status 2, NEEDLE on stderr, nothing on stdout.
expect_usage_error() {
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  local needle=$2 status=0
  "$bin" "${args[@]}" >"$dir/out" 2>"$dir/err" </dev/null || status=$?
  if [ "$status" -ne 2 ]; then
    echo "meridian ${args[*]}: exit status $status, want 2"; cat "$dir/out" "$dir/err"; exit 1
  fi
  if ! grep -qF -- "$needle" "$dir/err"; then
    echo "meridian ${args[*]}: stderr lacks '$needle':"; cat "$dir/err"; exit 1
  fi
  if [ -s "$dir/out" ]; then
    echo "meridian ${args[*]}: unexpected stdout:"; cat "$dir/out"; exit 1
  fi
}

# The top level.
for words in "help" "--help" "-h"; do
  expect_help $words -- "usage: meridian <command>" "demo" "start" "sql" "kv" \
    "meridian COMMAND --help"
done

# Each subcommand: its usage line and every flag with its help text.
expect_help start --help -- "usage: meridian start --node-id=N" \
  "--node-id=N" "--listen=HOST:PORT" "--peers=ID=HOST:PORT,..." "--data-dir=DIR" \
  "--ranges=N" "--splits=KEY,KEY,...|sql" "--lease-ms=MS" "--tick-ms=MS" \
  "--election-ticks=N" "--epsilon-us=US" "--max-offset-us=US" "--txn-timeout-ms=MS" \
  "--wound-delay-us=US" "--no-sync" "--clock-skew-ms=MS" "--sql-listen=HOST:PORT" "--sql-password-file=PATH" \
  "--sql-password=PW" "MERIDIAN_SQL_PASSWORD" "leader lease length" "--help"
# --help wins over everything else on the line, and starts nothing.
expect_help start --node-id=1 --bogus --help -- "usage: meridian start"
expect_help kv --help -- "usage: meridian kv --peers=" "--peers=ID=HOST:PORT,..." \
  "--range=N" "--blocked" "--delay-ms=MS" "--jitter-ms=MS" "--loss=P" "fault NODE TO" \
  "status"
expect_help demo --help -- "usage: meridian demo" "--data-dir=DIR" "--nodes=N" "--no-wan" \
  "--sql-port=P" "--epsilon-ms=MS" "--kv" "--local"
expect_help sql --help -- "usage: meridian sql"
# `meridian help COMMAND` is `meridian COMMAND --help`.
expect_help help start -- "usage: meridian start" "--sql-password-file=PATH"
expect_help help demo -- "usage: meridian demo"

# Mistakes: a clear message, exit status 2.
expect_usage_error start --bogus -- "unknown flag --bogus"
expect_usage_error start --bogus -- "see \`meridian start --help\`"
expect_usage_error start --node-id=1 -- "--listen, --peers and --data-dir are required"
expect_usage_error start --listen -- "--listen needs a value"
expect_usage_error start --no-sync=yes -- "--no-sync takes no value"
expect_usage_error start --node-id=1 --listen=127.0.0.1:1 --peers=1=127.0.0.1:1 \
  --data-dir="$dir/d" --wound-delay-us=-1 -- "0 <= --wound-delay-us < --txn-timeout-ms"
expect_usage_error kv --peers=1=127.0.0.1:1 --bogus get a -- "unknown flag --bogus"
expect_usage_error kv --peers=1=127.0.0.1:1 -- "--peers and a command are required"
expect_usage_error demo --nodes=0 -- "--nodes needs a cluster size in 1..9"
expect_usage_error demo --bogus -- "see \`meridian demo --help\`"
expect_usage_error frobnicate -- "unknown command 'frobnicate'"
status=0
"$bin" >/dev/null 2>"$dir/err" </dev/null || status=$?
[ "$status" -eq 2 ] || { echo "meridian without a command: exit status $status, want 2"; exit 1; }
grep -qF "usage: meridian <command>" "$dir/err"
echo "help test passed"

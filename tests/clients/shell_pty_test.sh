#!/usr/bin/env bash
# `meridian sql` in a pseudo-terminal (line editing, prompts, meta-commands, \x, errors
# with SQLSTATEs, Ctrl-C cancelling a statement) against a 3-process cluster.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
start_cluster "$bin" "$dir"
HOME="$dir" /usr/bin/python3 "$here/../../sql/shell/testdata/shell_pty_test.py" \
  "$bin" sql --port="${SQL_PORTS[0]}"

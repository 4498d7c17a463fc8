#!/usr/bin/env bash
# Runs psycopg2_test.py (under /usr/bin/python3, where Debian's psycopg2 lives) against a
# 3-process Meridian cluster.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
start_cluster "$bin" "$dir"
/usr/bin/python3 "$here/psycopg2_test.py" "${SQL_PORTS[@]}"

#!/usr/bin/env bash
# Compiles JdbcTest.java against Debian's pgJDBC and runs it against a 3-process cluster.
set -euo pipefail
bin=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
source "$here/cluster.sh"
trap 'stop_cluster; rm -rf "$dir"' EXIT
jar=/usr/share/java/postgresql.jar
javac -d "$dir" -cp "$jar" "$here/JdbcTest.java"
start_cluster "$bin" "$dir"
java -cp "$jar:$dir" JdbcTest "${SQL_PORTS[1]}"

#!/usr/bin/env bash
# The replication benchmark matrix recorded in docs/performance.md.
# Usage: bench/replication.sh [BUILD_DIR] [SECONDS]
set -euo pipefail
build=${1:-build}
secs=${2:-10}
b="$build/bench/replication_bench --binary=$build/cmd/meridian --seconds=$secs"
$b --nodes=3 --clients=1
$b --nodes=3 --clients=1 --epsilon-us=0
$b --nodes=3 --clients=64
$b --nodes=3 --clients=64 --batch=16
$b --nodes=3 --ranges=8 --clients=64
$b --nodes=3 --ranges=8 --clients=64 --batch=16
$b --nodes=1 --clients=64
$b --nodes=1 --clients=64 --batch=16

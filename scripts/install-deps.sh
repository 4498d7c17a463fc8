#!/usr/bin/env bash
# Installs the Debian 12 packages Meridian builds and tests with, if any are missing.
# Safe to run repeatedly: it does nothing when everything is present.
set -euo pipefail

PACKAGES=(
  g++ cmake ninja-build pkg-config ccache make
  clang  # the default compiler: it checks the mutex annotations (-Wthread-safety)
  libclang-rt-14-dev  # clang's sanitizer runtimes (make test-tsan); only Recommended by clang
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libleveldb-dev libsnappy-dev
  libantlr4-runtime-dev antlr4 default-jre-headless uuid-dev
  libgtest-dev libgmock-dev libbenchmark-dev libedit-dev
  libssl-dev
  libpq-dev  # the shell and the over-the-wire tests speak PostgreSQL through libpq
  postgresql-client libpostgresql-jdbc-java python3-psycopg2
  openjdk-17-jdk-headless postgresql-15  # javac for the pgJDBC test; pgbench ships in postgresql-15
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=300 update -q
$SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"

# Sourced by the client tests: starts a 3-node Meridian cluster of real processes on
# loopback, each serving SQL on its own port, in the SQL range layout (--splits=sql).
# With SQL_PASSWORD set, the nodes require SCRAM-SHA-256 with that password; START_FLAGS
# adds flags to every node's `meridian start`.
#   start_cluster BIN DIR     sets SQL_PORTS (array, one per node) and PIDS
#   stop_node I               kill -9 node I (1-based)
#   stop_cluster              kill every node
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

start_cluster() {
  local bin=$1 dir=$2 peers="" i
  NODE_PORTS=(); SQL_PORTS=(); PIDS=()
  for i in 1 2 3; do NODE_PORTS+=("$(free_port)"); SQL_PORTS+=("$(free_port)"); done
  for i in 1 2 3; do peers+="${peers:+,}$i=127.0.0.1:${NODE_PORTS[$((i-1))]}"; done
  for i in 1 2 3; do
    "$bin" start --node-id=$i --listen=127.0.0.1:${NODE_PORTS[$((i-1))]} --peers="$peers" \
      --data-dir="$dir/n$i" --splits=sql --lease-ms=${LEASE_MS:-1500} --sql-listen=127.0.0.1:${SQL_PORTS[$((i-1))]} \
      ${SQL_PASSWORD:+--sql-password="$SQL_PASSWORD"} ${START_FLAGS:-} >"$dir/n$i.log" 2>&1 &
    PIDS+=($!)
  done
  # Ready when a write through node 1 commits.
  local deadline=$((SECONDS + 60))
  until PGPASSWORD=${SQL_PASSWORD:-} psql -w -h 127.0.0.1 -p "${SQL_PORTS[0]}" -U root -d meridian -Atqc "SELECT 1" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then echo "cluster did not start"; tail -20 "$dir"/n*.log; return 1; fi
    sleep 0.2
  done
}

stop_node() { kill -9 "${PIDS[$(($1-1))]}" 2>/dev/null || true; wait "${PIDS[$(($1-1))]}" 2>/dev/null || true; }

stop_cluster() {
  local p
  for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}

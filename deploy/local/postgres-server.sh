#!/usr/bin/env bash
# One PostgreSQL server from Debian's packages in the foreground, on loopback, with its cluster under one
# folder: what the AppHost runs as a local executable (and servers.sh starts in the background).
# Run as root it runs the server as the 'postgres' user, which PostgreSQL requires.
#
#   postgres-server.sh dir  <dir>          the folder the cluster of <dir> really lives in (see cluster_dir)
#   postgres-server.sh init <dir> <port>   create the cluster (user cic, password cic-local) unless there
#   postgres-server.sh run  <dir> <port>   init, then run in the foreground until SIGTERM or SIGINT
set -euo pipefail

cmd=${1:?usage: postgres-server.sh dir|init|run <dir> [port]}
dir=${2:?data folder}
user=cic
password=cic-local

bin() {
  local v
  for v in 17 16 15 14; do
    if [ -x "/usr/lib/postgresql/$v/bin/postgres" ]; then echo "/usr/lib/postgresql/$v/bin"; return; fi
  done
  echo "PostgreSQL is not installed: run 'apt-get install postgresql' as root (./cic does)." >&2
  exit 3
}

as_postgres() {
  # From /: postgres may not enter the caller's folder (a checkout under /root), and its tools say so.
  if [ "$(id -u)" = 0 ]; then (cd / && setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"); else "$@"; fi
}

# PostgreSQL refuses to run as root, so as root it runs as 'postgres', which must be able to reach its folder. A
# folder it cannot reach (a checkout under /root, say) gets one of its own under /var/tmp instead, named after the
# folder, so two folders (./cic test's and an end-to-end run's) never share a cluster.
cluster_dir() {
  if [ "$(id -u)" = 0 ]; then
    mkdir -p "$(dirname "$dir")"
    if ! as_postgres test -x "$(dirname "$dir")"; then
      echo "/var/tmp/cic-postgres-$(echo -n "$dir" | md5sum | cut -c1-12)"
      return
    fi
  fi
  echo "$dir"
}

init() {
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  [ -f "$dir/data/PG_VERSION" ] && return
  local pwfile="$dir/.pw"
  echo "$password" >"$pwfile"
  [ "$(id -u)" = 0 ] && chown postgres: "$pwfile"
  as_postgres "$(bin)/initdb" -D "$dir/data" -U "$user" --pwfile="$pwfile" --auth=scram-sha-256 \
    -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; rm -f "$pwfile"; exit 1; }
  rm -f "$pwfile"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
# Every test class gets its own database and each service process its own pool.
max_connections = 400
shared_buffers = 512MB
CONF
}

dir=$(cluster_dir)

case "$cmd" in
  dir)  echo "$dir" ;;
  init) port=${3:?port}; init ;;
  run)
    port=${3:?port}
    init
    # SIGTERM is PostgreSQL's "smart" shutdown, which waits for every client to leave: the services' pools
    # keep it waiting until the orchestrator kills it, and the next start must recover. SIGINT is the fast,
    # clean one; turn the one into the other.
    server=("$(bin)/postgres" -D "$dir/data" -c port="$port" -c listen_addresses=127.0.0.1 -c unix_socket_directories="$dir")
    # Started directly (setpriv execs), so $! is the postmaster itself and the signal below reaches it.
    if [ "$(id -u)" = 0 ]; then
      setpriv --reuid=postgres --regid=postgres --init-groups -- "${server[@]}" &
    else
      "${server[@]}" &
    fi
    pid=$!
    trap 'kill -INT "$pid" 2>/dev/null || true' TERM INT
    while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

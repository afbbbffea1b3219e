#!/usr/bin/env bash
# The platform's local servers without Docker: PostgreSQL (the installed Debian packages, run as
# the postgres user when we are root) and RabbitMQ (Debian's rabbitmq-server, installed with apt
# when missing and we are root), both on loopback ports, plus the SMTP sink's module
# (python3-aiosmtpd), with all data under $CIC_DATA_DIR
# (default: .local/servers/ in the checkout, git-ignored). Idempotent: a second start finds them running.
#
# These are the servers of ./cic test and ./cic bench. Their default ports and folder differ from those of the
# AppHost's servers (./cic up: PostgreSQL 54329, RabbitMQ 56729/56739/56749, data in .local/), so a developer's
# running platform and a test run never collide; CIC_PG_PORT, CIC_AMQP_PORT, CIC_RABBITMQ_MANAGEMENT_PORT and
# CIC_RABBITMQ_DIST_PORT move them (e.g. for a second checkout's tests). A port held by someone else stops the
# start with a message naming it, instead of a server's "could not bind".
#
#   servers.sh install   install what is missing (as root, with apt): PostgreSQL, RabbitMQ, the SMTP sink's module
#   servers.sh start     start both (and create each service's database)
#   servers.sh stop      stop both
#   servers.sh status    exit 0 when both answer
#   servers.sh env       print the connection settings as shell exports
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

data_dir=${CIC_DATA_DIR:-$root/.local/servers}
pg_port=${CIC_PG_PORT:-54339}
amqp_port=${CIC_AMQP_PORT:-56759}
mgmt_port=${CIC_RABBITMQ_MANAGEMENT_PORT:-56769}
dist_port=${CIC_RABBITMQ_DIST_PORT:-56779}
pg_user=cic
pg_password=cic-local
# One node name per port, so checkouts with different ports never collide in Erlang's port mapper.
rabbit_node=cic-$amqp_port
rabbit_user=cic
rabbit_password=cic-local
databases=(accounts usage billing notifications)

log() { [ -n "${CIC_QUIET:-}" ] || echo "$@" >&2; }

# Fails, naming the variable to change, when something other than our server answers on a loopback port.
require_free_port() {
  local port=$1 variable=$2
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "servers.sh: port $port is in use by another process (another checkout's servers?); set $variable to a free port." >&2
    exit 4
  fi
}

pg_bin() {
  local v
  for v in 17 16 15 14; do
    if [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ]; then echo "/usr/lib/postgresql/$v/bin"; return; fi
  done
  if command -v pg_ctl >/dev/null; then dirname "$(command -v pg_ctl)"; return; fi
  return 1
}

# PostgreSQL refuses to run as root; as root we run it as 'postgres', which must be able to reach
# the data folder. When the checkout lives somewhere 'postgres' cannot enter (say /root), the data
# go to a folder of its own under /var/tmp instead.
pg_dir() { "$here/postgres-server.sh" dir "$data_dir/postgres"; }

# From / as postgres: it may not enter the caller's folder (a checkout under /root), and its tools say so.
as_pg() { if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

pg_running() { as_pg "$(pg_bin)/pg_ctl" -D "$(pg_dir)/data" status >/dev/null 2>&1; }

psql_admin() {
  PGPASSWORD=$pg_password psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pg_port" -U "$pg_user" -d postgres "$@"
}

start_postgres() {
  local bin dir
  bin=$(pg_bin)
  dir=$(pg_dir)
  "$here/postgres-server.sh" init "$dir" "$pg_port"
  if ! pg_running; then
    require_free_port "$pg_port" CIC_PG_PORT
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-c port=$pg_port" -w -t 60 start >/dev/null \
      || { tail -n 30 "$dir/server.log" >&2; exit 1; }
  fi
  local db
  for db in "${databases[@]}"; do
    if [ -z "$(psql_admin -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      psql_admin -c "CREATE DATABASE \"$db\""
    fi
  done
}

stop_postgres() {
  local bin
  bin=$(pg_bin) || return 0
  if pg_running; then as_pg "$bin/pg_ctl" -D "$(pg_dir)/data" -m fast -w stop >/dev/null; fi
}

apt_install() {
  if [ -z "${CIC_APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    export CIC_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

start_rabbitmq() {
  if ! { [ -d "$data_dir/rabbitmq" ] && "$here/rabbitmq-node.sh" status "$data_dir/rabbitmq" "$rabbit_node" >/dev/null 2>&1; }; then
    require_free_port "$amqp_port" CIC_AMQP_PORT
    require_free_port "$mgmt_port" CIC_RABBITMQ_MANAGEMENT_PORT
    require_free_port "$dist_port" CIC_RABBITMQ_DIST_PORT
  fi
  "$here/rabbitmq-node.sh" start "$data_dir/rabbitmq" "$rabbit_node" "$amqp_port" "$mgmt_port" "$dist_port"
  local ctl=(env HOME="$data_dir/rabbitmq" ERL_EPMD_ADDRESS=127.0.0.1 /usr/lib/rabbitmq/bin/rabbitmqctl -q -n "$rabbit_node@localhost")
  if ! "${ctl[@]}" list_users 2>/dev/null | grep -q "^$rabbit_user"; then
    "${ctl[@]}" add_user "$rabbit_user" "$rabbit_password" >/dev/null
    "${ctl[@]}" set_user_tags "$rabbit_user" administrator >/dev/null
    "${ctl[@]}" set_permissions -p / "$rabbit_user" '.*' '.*' '.*' >/dev/null
    "${ctl[@]}" delete_user guest >/dev/null 2>&1 || true
  fi
}

# The local SMTP sink (deploy/local/smtp-sink.py) that ./cic up and the Notifications tests run.
ensure_smtp_sink() {
  if /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1; then return; fi
  if [ "$(id -u)" = 0 ]; then
    log "installing python3-aiosmtpd with apt…"
    apt_install python3-aiosmtpd
  else
    echo "The local SMTP sink needs Debian's python3-aiosmtpd: run 'apt-get install python3-aiosmtpd' as root." >&2; exit 3
  fi
}

stop_rabbitmq() {
  [ -x /usr/lib/rabbitmq/bin/rabbitmqctl ] || return 0
  "$here/rabbitmq-node.sh" stop "$data_dir/rabbitmq" "$rabbit_node"
}

print_env() {
  # Services take one connection string per database (ConnectionStrings__accounts-db, …);
  # ./cic and the tests build those from these server-level settings.
  echo "export CIC_POSTGRES='Host=127.0.0.1;Port=$pg_port;Username=$pg_user;Password=$pg_password'"
  echo "export CIC_RABBITMQ='amqp://$rabbit_user:$rabbit_password@127.0.0.1:$amqp_port/'"
  echo "export CIC_RABBITMQ_MANAGEMENT='http://$rabbit_user:$rabbit_password@127.0.0.1:$mgmt_port/'"
}

ensure_postgres() {
  pg_bin >/dev/null && return
  if [ "$(id -u)" = 0 ]; then
    log "installing postgresql with apt…"
    apt_install postgresql
  else
    echo "PostgreSQL is not installed: run 'apt-get install postgresql' as root." >&2; exit 3
  fi
}

ensure_rabbitmq() {
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && return
  if [ "$(id -u)" = 0 ]; then
    log "installing rabbitmq-server with apt…"
    apt_install rabbitmq-server
  else
    echo "RabbitMQ is not installed: run 'apt-get install rabbitmq-server' as root." >&2; exit 3
  fi
}

case "${1:-}" in
  install) ensure_postgres; ensure_rabbitmq; ensure_smtp_sink ;;
  start)  ensure_postgres; ensure_rabbitmq; ensure_smtp_sink; start_postgres; start_rabbitmq ;;
  stop)   stop_rabbitmq; stop_postgres ;;
  status) pg_running && "$here/rabbitmq-node.sh" status "$data_dir/rabbitmq" "$rabbit_node" ;;
  env)    print_env ;;
  *) echo "usage: servers.sh install|start|stop|status|env" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Starts or stops one RabbitMQ node from Debian's rabbitmq-server package, on loopback only,
# with every file (data, logs, Erlang cookie) under one folder. ./cic uses it for the shared
# node; tests use it for private nodes they may stop and restart without disturbing others.
#
#   rabbitmq-node.sh start  <dir> <node-name> <amqp-port> <management-port> <dist-port>
#   rabbitmq-node.sh run    <dir> <node-name> <amqp-port> <management-port> <dist-port>   (in the foreground,
#                           as the AppHost runs it; SIGTERM stops the node and, when it was the last, epmd)
#   rabbitmq-node.sh stop   <dir> <node-name>
#   rabbitmq-node.sh status <dir> <node-name>
set -euo pipefail

rabbit_bin=/usr/lib/rabbitmq/bin
cmd=${1:?usage: rabbitmq-node.sh start|stop|status <dir> <node-name> [amqp-port management-port dist-port]}
dir=${2:?data folder}
name=${3:?node name}

node_env() {
  export HOME="$dir"                      # the Erlang cookie lives here, private to this node
  export RABBITMQ_NODENAME="$name@localhost"
  export RABBITMQ_MNESIA_BASE="$dir/mnesia"
  export RABBITMQ_LOG_BASE="$dir/log"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins"
  export RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf"
  export RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config"
  export RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf"
  export ERL_EPMD_ADDRESS=127.0.0.1
}

is_running() { "$rabbit_bin/rabbitmqctl" -q -n "$name@localhost" status >/dev/null 2>&1; }

configure() {
  amqp=${1:?amqp port}; mgmt=${2:?management port}; dist=${3:?dist port}
  if [ ! -x "$rabbit_bin/rabbitmq-server" ]; then
    echo "RabbitMQ is not installed: run 'apt-get install rabbitmq-server' (Debian's package) as root." >&2
    exit 3
  fi
  mkdir -p "$dir/log" "$dir/mnesia"
  node_env
  cat > "$dir/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$amqp
management.tcp.ip = 127.0.0.1
management.tcp.port = $mgmt
loopback_users = none
# A development broker on a shared disk: don't stop publishers while free space is merely low.
disk_free_limit.absolute = 50MB
# RabbitMQ 4's default, stated so the tests know the largest message a producer can publish (3.x allows 128 MiB).
max_message_size = 16777216
CONF
  # The user a new node creates at its first boot (instead of guest), when given.
  if [ -n "${RABBITMQ_DEFAULT_USER:-}" ]; then
    cat >> "$dir/rabbitmq.conf" <<CONF
default_user = $RABBITMQ_DEFAULT_USER
default_pass = ${RABBITMQ_DEFAULT_PASS:?RABBITMQ_DEFAULT_PASS}
default_user_tags.administrator = true
default_permissions.configure = .*
default_permissions.read = .*
default_permissions.write = .*
CONF
  fi
  echo "[]." > "$dir/advanced.config"
  echo "[rabbitmq_management]." > "$dir/enabled_plugins"
  : > "$dir/rabbitmq-env.conf"
  export RABBITMQ_DIST_PORT="$dist"
  export RABBITMQ_SERVER_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
}

# Erlang's port mapper outlives the node that started it; stop it too once no node is left.
stop_epmd_if_unused() {
  if command -v epmd >/dev/null && ! epmd -names 2>/dev/null | grep -q '^name '; then
    epmd -kill >/dev/null 2>&1 || true
  fi
}

case "$cmd" in
  start)
    node_env
    if is_running; then exit 0; fi
    configure "${4:-}" "${5:-}" "${6:-}"
    "$rabbit_bin/rabbitmq-server" -detached >>"$dir/log/startup.log" 2>&1
    # Wait for the node and then for the AMQP listener: the app boots after the VM answers.
    for _ in $(seq 1 120); do
      if is_running && "$rabbit_bin/rabbitmqctl" -q -n "$name@localhost" await_startup >/dev/null 2>&1; then
        exit 0
      fi
      sleep 0.5
    done
    echo "RabbitMQ node $name did not start; see $dir/log" >&2
    tail -n 30 "$dir/log/startup.log" >&2 || true
    exit 1
    ;;
  run)
    configure "${4:-}" "${5:-}" "${6:-}"
    "$rabbit_bin/rabbitmq-server" &
    pid=$!
    # The node stops cleanly on SIGTERM; wait for it, then for epmd.
    trap 'kill -TERM "$pid" 2>/dev/null || true' TERM INT
    while kill -0 "$pid" 2>/dev/null; do wait "$pid" || true; done
    stop_epmd_if_unused
    ;;
  stop)
    node_env
    # 'shutdown' blocks until the Erlang VM has exited, so nothing is left behind.
    if is_running; then "$rabbit_bin/rabbitmqctl" -q -n "$name@localhost" shutdown >/dev/null 2>&1 || true; fi
    stop_epmd_if_unused
    ;;
  status)
    node_env
    is_running
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

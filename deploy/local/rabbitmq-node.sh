#!/usr/bin/env bash
# Starts or stops one RabbitMQ node from Debian's rabbitmq-server package, on loopback only,
# with every file (data, logs, Erlang cookie) under one folder. ./cic uses it for the shared
# node; tests use it for private nodes they may stop and restart without disturbing others.
#
#   rabbitmq-node.sh start  <dir> <node-name> <amqp-port> <management-port> <dist-port>
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

case "$cmd" in
  start)
    amqp=${4:?amqp port}; mgmt=${5:?management port}; dist=${6:?dist port}
    if [ ! -x "$rabbit_bin/rabbitmq-server" ]; then
      echo "RabbitMQ is not installed: run 'apt-get install rabbitmq-server' (Debian's package) as root." >&2
      exit 3
    fi
    mkdir -p "$dir/log" "$dir/mnesia"
    node_env
    if is_running; then exit 0; fi
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
    echo "[]." > "$dir/advanced.config"
    echo "[rabbitmq_management]." > "$dir/enabled_plugins"
    : > "$dir/rabbitmq-env.conf"
    export RABBITMQ_DIST_PORT="$dist"
    export RABBITMQ_SERVER_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
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
  stop)
    node_env
    # 'shutdown' blocks until the Erlang VM has exited, so nothing is left behind.
    if is_running; then "$rabbit_bin/rabbitmqctl" -q -n "$name@localhost" shutdown >/dev/null 2>&1 || true; fi
    ;;
  status)
    node_env
    is_running
    ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac

#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis on free loopback ports, for tests and benchmarks.
#
#   scripts/services.sh start DIR   starts both, writes DIR/env (DATABASE_URL, REDIS_URL, ...)
#   scripts/services.sh stop DIR    stops both and removes DIR
#
# Both listen on 127.0.0.1 only. As root, PostgreSQL runs as the postgres user
# (initdb refuses root). FAST=1 turns off fsync for the test suite.
set -euo pipefail

cmd=${1:?usage: services.sh start|stop DIR}
dir=${2:?usage: services.sh start|stop DIR}

pg_bin() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  else
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

as_db_user() {
  if [ "$(id -u)" = "0" ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  mkdir -p "$dir"
  chmod 755 "$dir"
  local bin; bin=$(pg_bin)
  [ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
  local pg_port redis_port
  pg_port=$(free_port)
  redis_port=$(free_port)
  while [ "$redis_port" = "$pg_port" ]; do redis_port=$(free_port); done

  mkdir -p "$dir/pg"
  [ "$(id -u)" = "0" ] && chown postgres "$dir/pg"
  as_db_user "$bin/initdb" -D "$dir/pg/data" -U smartcoop --auth=trust -E UTF8 \
    --locale=C.UTF-8 >"$dir/pg/initdb.log" 2>&1
  local extra=""
  if [ "${FAST:-0}" = "1" ]; then
    extra="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  as_db_user "$bin/pg_ctl" -D "$dir/pg/data" -l "$dir/pg/server.log" -w -t 60 start \
    -o "-p $pg_port -c listen_addresses=127.0.0.1 -k $dir/pg -c max_connections=200 $extra" >/dev/null
  as_db_user "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U smartcoop smartcoop

  redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --dir "$dir" \
    --save "" --appendonly no --databases 16 >/dev/null
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
    sleep 0.1
  done

  cat >"$dir/env" <<ENV
export DATABASE_URL=postgres://smartcoop@127.0.0.1:$pg_port/smartcoop
export REDIS_URL=redis://127.0.0.1:$redis_port/0
export REDIS_CACHE_URL=redis://127.0.0.1:$redis_port/1
export CELERY_BROKER_URL=redis://127.0.0.1:$redis_port/2
export PG_PORT=$pg_port
export REDIS_PORT=$redis_port
ENV
  echo "PostgreSQL on 127.0.0.1:$pg_port, Redis on 127.0.0.1:$redis_port ($dir)"
}

stop() {
  [ -d "$dir" ] || return 0
  local bin; bin=$(pg_bin)
  if [ -f "$dir/pg/data/postmaster.pid" ]; then
    as_db_user "$bin/pg_ctl" -D "$dir/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  if [ -f "$dir/redis.pid" ]; then
    local pid; pid=$(cat "$dir/redis.pid")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$dir"
}

case "$cmd" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: services.sh start|stop DIR" >&2; exit 2 ;;
esac

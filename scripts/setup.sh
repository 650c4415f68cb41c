#!/usr/bin/env bash
# Sets up a fresh machine for dk: pnpm 10, dependencies (better-sqlite3 compiles from source),
# and the local services the tests use. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pnpm >/dev/null 2>&1 || [[ "$(pnpm --version)" != 10.* ]]; then
  echo "setup: installing pnpm 10"
  npm install -g pnpm@10 >/dev/null
fi

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "setup: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

redis_answers() {
  if command -v redis-cli >/dev/null 2>&1; then
    [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == "PONG" ]]
  else
    (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null
  fi
}

if command -v redis-server >/dev/null 2>&1 && ! redis_answers; then
  echo "setup: starting Redis"
  redis_dir=/var/lib/redis
  redis_log=/var/log/redis/ci.log
  mkdir -p "$redis_dir" "$(dirname "$redis_log")" 2>/dev/null || true
  if [[ ! -w "$redis_dir" || ! -w "$(dirname "$redis_log")" ]]; then
    redis_dir="${TMPDIR:-/tmp}"
    redis_log="$redis_dir/dk-redis-ci.log"
  fi
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir "$redis_dir" --logfile "$redis_log" || true
  for _ in $(seq 1 30); do redis_answers && break; sleep 1; done
fi

if [[ ! -x /usr/bin/chromium ]] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing chromium (browser test of apps/demo)"
  sudo=""
  if [[ "$(id -u)" -ne 0 ]] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
fi

echo "setup: installing dependencies"
pnpm install --frozen-lockfile

#!/usr/bin/env bash
# Installs the system packages Safetrail's set-up needs, when they are missing.
#
#   scripts/ensure-system.sh python|node|chromium|postgres|redis ...
#   scripts/ensure-system.sh postgres-url    # prints the URL the tests use
#
# Debian and Ubuntu only; elsewhere it says what to install and stops.
set -euo pipefail

PG_HOST=${SAFETRAIL_TEST_PG_HOST:-127.0.0.1}
PG_PORT=${SAFETRAIL_TEST_PG_PORT:-5432}
REDIS_HOST=${SAFETRAIL_TEST_REDIS_HOST:-127.0.0.1}
REDIS_PORT=${SAFETRAIL_TEST_REDIS_PORT:-6379}

say() { echo "safetrail set-up: $*" >&2; }

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    say "please install these packages yourself: $*"
    exit 1
  fi
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      say "need root (or sudo) to install: $*"; exit 1
    fi
  fi
  say "installing $*"
  if [ -z "${SAFETRAIL_APT_UPDATED:-}" ]; then
    $sudo apt-get update -qq
    export SAFETRAIL_APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

pg_up() {
  (exec 3<>"/dev/tcp/$PG_HOST/$PG_PORT") 2>/dev/null
}

pg_user_url() {
  # A server set up with trust authentication (as in CI) takes any role that
  # exists; a server this script installed has the safetrail role.
  if [ -n "${SAFETRAIL_TEST_DATABASE_URL:-}" ]; then
    echo "$SAFETRAIL_TEST_DATABASE_URL"
  elif [ -f /etc/safetrail-test-postgres ]; then
    echo "postgres://safetrail:safetrail@$PG_HOST:$PG_PORT/postgres"
  else
    echo "postgres://postgres@$PG_HOST:$PG_PORT/postgres"
  fi
}

ensure_postgres() {
  [ -n "${SAFETRAIL_TEST_DATABASE_URL:-}" ] && return 0
  pg_up && return 0
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    apt_install postgresql
  fi
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || \
    pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { say "PostgreSQL did not start on $PG_HOST:$PG_PORT"; exit 1; }
  if [ ! -f /etc/safetrail-test-postgres ]; then
    su postgres -c "psql -q -c \"CREATE ROLE safetrail LOGIN SUPERUSER PASSWORD 'safetrail'\"" 2>/dev/null || true
    touch /etc/safetrail-test-postgres
  fi
}

redis_up() {
  (exec 3<>"/dev/tcp/$REDIS_HOST/$REDIS_PORT") 2>/dev/null
}

ensure_redis() {
  # The tests of Street Safe's shared counters use a real Redis (database 13).
  [ -n "${SAFETRAIL_TEST_REDIS_URL:-}" ] && return 0
  redis_up && return 0
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  redis_up && return 0  # the package may have started it
  # Nothing on disk, as in production (see docs/deploying.md).
  redis-server --bind "$REDIS_HOST" --port "$REDIS_PORT" --save '' --appendonly no \
    --daemonize yes >/dev/null
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { say "Redis did not start on $REDIS_HOST:$REDIS_PORT"; exit 1; }
}

for need in "$@"; do
  case "$need" in
    python)
      if ! python3 -c "import ensurepip, venv" >/dev/null 2>&1; then apt_install python3-venv; fi
      ;;
    node)
      command -v npm >/dev/null 2>&1 || apt_install nodejs npm
      ;;
    chromium)
      command -v "${SAFETRAIL_CHROMIUM:-chromium}" >/dev/null 2>&1 || apt_install chromium fonts-liberation
      ;;
    postgres)
      ensure_postgres
      ;;
    postgres-url)
      pg_user_url
      ;;
    redis)
      ensure_redis
      ;;
    *)
      say "unknown requirement: $need"; exit 2
      ;;
  esac
done

#!/usr/bin/env bash
# What the test suite needs, made present: a Postgres on TEST_DATABASE_URL/DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/test, trust auth) with its server binaries (the fault tests run
# their own) and pg_dump (the schema check), a Redis on TEST_REDIS_URL/REDIS_URL (default
# redis://127.0.0.1:6379) with redis-server and redis-cli (the Sentinel and Cluster tests), and
# Chromium (the browser tests). Run by `npm test` before Jest (npm's pretest hook).
#
# Silent when everything is there. When something is missing: as root on Debian/Ubuntu it installs
# the Debian packages and starts the local services; otherwise it prints one line saying what to
# run and exits 1. Nothing already installed or running is changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${TEST_DATABASE_URL:-${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}}"
REDIS_URL_="${TEST_REDIS_URL:-${REDIS_URL:-redis://127.0.0.1:6379}}"
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"

log() { printf 'muwafaqa tests: %s\n' "$*" >&2; }

# Reachability through the drivers the tests use (no client tools needed when services are remote).
# Prints which of the two answer: "pg redis", "pg", "redis" or nothing.
probe() {
  node -e '
    const { Client } = require("pg");
    const Redis = require("ioredis");
    const pg = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 2000 });
    const redis = new Redis(process.argv[2], { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 2000 });
    redis.on("error", () => undefined);
    Promise.all([
      pg.connect().then(() => pg.query("select 1")).then(() => pg.end()).then(() => "pg", () => ""),
      redis.connect().then(() => redis.ping()).then(() => (redis.disconnect(), "redis"), () => ""),
    ]).then((up) => { console.log(up.join(" ").trim()); process.exit(0); });' "$PG_URL" "$REDIS_URL_"
}
postgres_up() { [[ " $(probe) " == *" pg "* ]]; }
redis_up() { [[ " $(probe) " == *" redis "* ]]; }
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

missing=()
[ -n "$(pg_bin)" ] && [ -x "$(pg_bin)/initdb" ] || missing+=(postgresql)
command -v pg_dump >/dev/null 2>&1 || missing+=(postgresql-client)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools)
[ -x "$CHROMIUM" ] || missing+=(chromium)
up=" $(probe) "
[[ $up == *" pg "* ]] || missing+=("Postgres on $PG_URL")
[[ $up == *" redis "* ]] || missing+=("Redis on $REDIS_URL_")
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  log "missing: $(IFS=,; echo "${missing[*]}" | sed 's/,/, /g'). Run: sudo bash scripts/test-services.sh (Debian/Ubuntu: installs and starts them), then npm test again"
  exit 1
fi
packages=()
for m in "${missing[@]}"; do [[ $m == *" on "* ]] || packages+=("$m"); done

if [ ${#packages[@]} -gt 0 ]; then
  log "installing ${packages[*]} (apt-get)"
  apt-get update -qq
  for package in "${packages[@]}"; do
    # One at a time: Ubuntu has no `chromium` package (snap only); the rest still installs.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null || log "apt-get could not install $package"
  done
fi

is_local() { case "$1" in *@127.0.0.1[:/]*|*@localhost[:/]*|*://127.0.0.1[:/]*|*://localhost[:/]*) return 0 ;; *) return 1 ;; esac; }

if ! postgres_up; then
  is_local "$PG_URL" || { log "Postgres on $PG_URL does not answer (not a local server: start it yourself)"; exit 1; }
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$version" ]; then
    log "starting Postgres $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
    # The tests connect as postgres over TCP without a password and create one database per file.
    if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
      log "allowing trust auth on loopback"
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "/etc/postgresql/$version/main/pg_hba.conf"
      pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    fi
    db=$(node -e 'console.log(new URL(process.argv[1]).pathname.slice(1) || "postgres")' "$PG_URL")
    psql -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname='$db'" | grep -q 1 ||
      psql -h 127.0.0.1 -U postgres -d postgres -c "create database \"$db\"" >/dev/null
  fi
  postgres_up || { log "Postgres on $PG_URL still does not answer"; exit 1; }
fi

if ! redis_up; then
  is_local "$REDIS_URL_" || { log "Redis on $REDIS_URL_ does not answer (not a local server: start it yourself)"; exit 1; }
  port=$(node -e 'console.log(new URL(process.argv[1]).port || 6379)' "$REDIS_URL_")
  log "starting redis-server on port $port"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/muwafaqa-tests.log
  for _ in $(seq 1 30); do redis_up && break; sleep 0.5; done
  redis_up || { log "Redis on $REDIS_URL_ still does not answer"; exit 1; }
fi

[ -x "$CHROMIUM" ] || { log "no Chromium at $CHROMIUM after installing (set CHROMIUM_PATH to a Chromium or Chrome binary)"; exit 1; }

#!/usr/bin/env bash
# One-time setup on a fresh machine: system packages (Chromium, ffmpeg, bubblewrap, Python with
# venv for Python targets), Loopwright's npm dependencies (which bring Node 24 for npm scripts),
# Datadesk's dependencies, and the ffmpeg link Playwright's video recorder looks for. Safe to run
# again: every step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

missing=()
command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || missing+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v bwrap >/dev/null 2>&1 || missing+=(bubblewrap)
command -v nsenter >/dev/null 2>&1 || missing+=(util-linux)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v git >/dev/null 2>&1 || missing+=(git)
# The Python target tests: the system interpreter (what a sandbox sees), venv, and Flask.
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import venv, ensurepip, flask' >/dev/null 2>&1 ||
  missing+=(python3 python3-venv python3-flask)
# Optional: lets the tests validate docker-compose.yml with `docker-compose config`.
optional=()
command -v docker-compose >/dev/null 2>&1 || optional+=(docker-compose)
if [ ${#optional[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing+=("${optional[@]}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing system packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    say "missing system packages: ${missing[*]}"
    say "install them with: sudo apt-get install -y ${missing[*]}   (or your platform's equivalent)"
    exit 1
  fi
fi

if [ ! -x node_modules/.bin/node ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing Loopwright's npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ ! -d sandbox/datadesk/node_modules ] || [ sandbox/datadesk/package-lock.json -nt sandbox/datadesk/node_modules/.package-lock.json ]; then
  say "installing Datadesk's npm dependencies"
  (cd sandbox/datadesk && npm ci --no-audit --no-fund --loglevel=error)
fi

# The Postgres tests use the machine's server on 127.0.0.1:5432 (Loopwright itself needs none: the
# embedded PGlite is the default). Start it when it is installed but down.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -h 127.0.0.1 -q; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    say "starting the local PostgreSQL server (used by the tests)"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start ||
      say "could not start PostgreSQL; the Postgres tests will fail under CI"
  fi
fi

say "linking ffmpeg for Playwright's video recorder"
node_modules/.bin/node src/cli/main.ts doctor --fix --quiet
say "ready"

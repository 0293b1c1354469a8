#!/usr/bin/env bash
# The whole suite: on SQLite (then the browser tests) and on PostgreSQL. Non-browser tests run on both cores
# (pytest-xdist; every worker has its own database). RACT_REQUIRE_POSTGRES=1 turns a missing PostgreSQL into a
# failure instead of a skip. The browser tests always run: a missing Chromium is installed (as root, Debian) or stops
# the run with a message, unless RACT_SKIP_BROWSER=1 asks to leave them out.
# `scripts/test.sh --check-browser` does only that check (tests/test_browser_check.py runs it).
set -euo pipefail
cd "$(dirname "$0")/.."
CHROMIUM="${RACT_CHROMIUM:-/usr/bin/chromium}"

# Chromium for the browser tests, or a clear message. Debian's package is installed only where the tests look for it
# and when we may (root, apt-get), as .ci/run does.
ensure_chromium() {
  if [ "${RACT_SKIP_BROWSER:-}" = 1 ] || [ -x "$CHROMIUM" ]; then
    return 0
  fi
  if [ "$CHROMIUM" = /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Chromium (Debian) for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || true
    [ -x "$CHROMIUM" ] && return 0
  fi
  cat >&2 <<EOF
The browser tests need Chromium at $CHROMIUM, and there is none.
  - install Debian's Chromium:        sudo apt-get install chromium
  - or use another Chromium binary:   RACT_CHROMIUM=/path/to/chromium make test
  - or leave the browser tests out:   RACT_SKIP_BROWSER=1 make test
EOF
  return 1
}

if [ "${1:-}" = --check-browser ]; then
  ensure_chromium
  exit
fi
ensure_chromium
PYTEST=(.venv/bin/pytest -q -p no:cacheprovider)
WORKERS="${RACT_TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}"
PG_URL="${RACT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

echo "== Suite on SQLite =="
env -u RACT_TEST_DATABASE_URL -u RACT_REQUIRE_POSTGRES "${PYTEST[@]}" -n "$WORKERS" -m "not browser and not serial" "$@"

echo "== Latency under load, alone (SQLite) =="
env -u RACT_TEST_DATABASE_URL -u RACT_REQUIRE_POSTGRES "${PYTEST[@]}" -m serial "$@"

if [ "${RACT_SKIP_BROWSER:-}" = 1 ]; then
  echo "== Browser tests SKIPPED (RACT_SKIP_BROWSER=1) =="
else
  echo "== Browser tests (Chromium, SQLite) =="
  env -u RACT_TEST_DATABASE_URL -u RACT_REQUIRE_POSTGRES "${PYTEST[@]}" -m browser "$@"
fi

echo "== Suite on PostgreSQL (${PG_URL##*@}) =="
RACT_TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}" -n "$WORKERS" -m "not browser and not serial" "$@"

echo "== Latency under load, alone (PostgreSQL) =="
RACT_TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}" -m serial "$@"

# The walk from an empty database (issue 13) on the production database too: SQLite ran it with the browser tests.
if [ "${RACT_SKIP_BROWSER:-}" != 1 ] && [ $# -eq 0 ]; then
  echo "== A new gemeente from an empty database, in Chromium (PostgreSQL) =="
  RACT_TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}" -m browser tests/e2e/test_new_gemeente.py
fi

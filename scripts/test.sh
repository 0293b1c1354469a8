#!/usr/bin/env bash
# The whole suite: on SQLite (then the browser tests) and on PostgreSQL. Non-browser tests run on both cores
# (pytest-xdist; every worker has its own database). RACT_REQUIRE_POSTGRES=1 / RACT_REQUIRE_BROWSER=1 turn a
# missing PostgreSQL / Chromium into a failure instead of a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTEST=(.venv/bin/pytest -q -p no:cacheprovider)
WORKERS="${RACT_TEST_WORKERS:-$(nproc 2>/dev/null || echo 2)}"
PG_URL="${RACT_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"

echo "== Suite on SQLite =="
env -u RACT_TEST_DATABASE_URL -u RACT_REQUIRE_POSTGRES "${PYTEST[@]}" -n "$WORKERS" -m "not browser and not serial" "$@"

echo "== Latency under load, alone (SQLite) =="
env -u RACT_TEST_DATABASE_URL -u RACT_REQUIRE_POSTGRES "${PYTEST[@]}" -m serial "$@"

echo "== Browser tests (Chromium, SQLite) =="
env -u RACT_TEST_DATABASE_URL -u RACT_REQUIRE_POSTGRES "${PYTEST[@]}" -m browser "$@"

echo "== Suite on PostgreSQL (${PG_URL##*@}) =="
RACT_TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}" -n "$WORKERS" -m "not browser and not serial" "$@"

echo "== Latency under load, alone (PostgreSQL) =="
RACT_TEST_DATABASE_URL="$PG_URL" "${PYTEST[@]}" -m serial "$@"

#!/usr/bin/env bash
# `make bench`: run every benchmark in bench/ (bench_*.py, each a standalone script that prints its table and
# updates its section of docs/performance.md). Benchmarks target 127.0.0.1 only and bound themselves in time.
set -euo pipefail
cd "$(dirname "$0")/.."
export RACT_BENCH_PG_URL="${RACT_BENCH_PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
# The answer-save benchmark drives its load with wrk (Debian package), installed here when missing.
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing wrk (Debian)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it with 'sudo apt-get install -y wrk'" >&2
  fi
fi
status=0
for script in bench/bench_*.py; do
  [ -e "$script" ] || continue
  echo "== $script"
  .venv/bin/python "$script" "$@" || status=1
done
exit $status

#!/usr/bin/env bash
# Set up everything and run all checks: ruff, mypy and the test suite on SQLite.
# With --postgres (or CI=true) the suite runs a second time on a real PostgreSQL server that
# scripts/postgres.sh installs (Debian package) and starts on a private socket directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
scripts/bootstrap.sh dev
scripts/browser.sh

WITH_PG=0
if [ "${CI:-}" = "true" ]; then WITH_PG=1; fi
ARGS=()
for arg in "$@"; do
  case "$arg" in
    --postgres) WITH_PG=1 ;;
    --sqlite-only) WITH_PG=0 ;;
    *) ARGS+=("$arg") ;;
  esac
done

echo "== ruff"; .venv/bin/ruff check .
echo "== mypy"; .venv/bin/mypy
echo "== pytest (SQLite)"; .venv/bin/pytest "${ARGS[@]+"${ARGS[@]}"}"
if [ "$WITH_PG" = "1" ]; then
  PG_URL="$(scripts/postgres.sh start)"
  echo "== pytest (PostgreSQL)"
  # tests/browser always serve their own SQLite database (tests/browser/live_server.py): the
  # first pass ran them already, a second pass would repeat them unchanged
  STAFFEL_TEST_DATABASE_URL="$PG_URL" .venv/bin/pytest --ignore=tests/browser \
    "${ARGS[@]+"${ARGS[@]}"}"
fi

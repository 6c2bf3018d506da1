#!/usr/bin/env bash
# Set up everything and run all checks: ruff, mypy and the test suite on SQLite.
# With --postgres (or CI=true) the suite runs a second time, at the same time as the first, on a
# real PostgreSQL server that scripts/postgres.sh installs (Debian package) and starts on a
# private socket directory.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
scripts/bootstrap.sh dev
scripts/browser.sh
scripts/nginx.sh  # nginx for tests/ops/test_nginx.py (the deploy/ site in front of gunicorn)

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
if [ "$WITH_PG" != "1" ]; then
  echo "== pytest (SQLite)"; .venv/bin/pytest "${ARGS[@]+"${ARGS[@]}"}"
  exit 0
fi
# Both passes side by side: each pytest process keeps one core busy, and the two passes share
# nothing (every test makes its own database; the PostgreSQL server is the second pass's).
# The PostgreSQL pass leaves out tests/browser: they always serve their own SQLite database
# (tests/browser/live_server.py) and would repeat the first pass unchanged. Its output is kept
# in a file and printed after the SQLite pass.
PG_URL="$(scripts/postgres.sh start)"
PG_LOG="$(mktemp -t staffel-pytest-pg.XXXXXX)"
TEMPS="$(mktemp -d -t staffel-pytest.XXXXXX)"  # each pass its own temporary directories
STAFFEL_TEST_DATABASE_URL="$PG_URL" .venv/bin/pytest --ignore=tests/browser \
  --basetemp "$TEMPS/postgresql" "${ARGS[@]+"${ARGS[@]}"}" > "$PG_LOG" 2>&1 &
PG_PID=$!
echo "== pytest (SQLite; the PostgreSQL pass runs beside it)"
SQLITE_STATUS=0
.venv/bin/pytest --basetemp "$TEMPS/sqlite" "${ARGS[@]+"${ARGS[@]}"}" || SQLITE_STATUS=$?
PG_STATUS=0
wait "$PG_PID" || PG_STATUS=$?
echo "== pytest (PostgreSQL)"
cat "$PG_LOG"
rm -rf "$PG_LOG" "$TEMPS"
if [ "$SQLITE_STATUS" != "0" ] || [ "$PG_STATUS" != "0" ]; then
  echo "== failed: SQLite pass exit $SQLITE_STATUS, PostgreSQL pass exit $PG_STATUS" >&2
  exit 1
fi

#!/usr/bin/env bash
# Set up everything and run Staffel on an embedded SQLite database with demo users and cases.
#   ./run.sh                 -> http://127.0.0.1:5000 (simulated clock, demo data)
#   PORT=8080 ./run.sh       -> another port
#   ./run.sh --workers 4     -> any `staffel serve` option (production server: gunicorn;
#                               ./run.sh --dev for Werkzeug's development server)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$ROOT"
scripts/bootstrap.sh
mkdir -p instance
exec .venv/bin/staffel serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}" \
  --database-url "${STAFFEL_DATABASE_URL:-sqlite:///$ROOT/instance/staffel.db}" \
  --demo --clock simulated "$@"

#!/usr/bin/env bash
# Shared set-up for run.sh and test.sh: a virtual environment with Staffel installed, and the
# front-end packages from package-lock.json. Idempotent: re-running only installs what changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && \
       "$candidate" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
      PYTHON="$candidate"; break
    fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "Staffel needs Python 3.11 (python3.11 on PATH)." >&2
  exit 1
fi

EXTRAS="${1:-}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
STAMP=".venv/.staffel-installed${EXTRAS:+-$EXTRAS}"
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "$EXTRAS" ]; then
    .venv/bin/python -m pip install --quiet -e ".[$EXTRAS]"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  touch "$STAMP"
fi

if [ -f package-lock.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "Staffel's pages need Node.js/npm to install bpmn-js and htmx (apt-get install nodejs npm)." >&2
    exit 1
  fi
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --silent --no-audit --no-fund
  fi
  # the browser bundle of the lint rules must follow .bpmnlintrc
  if [ -f .bpmnlintrc ] && [ .bpmnlintrc -nt node_modules/.staffel/bpmnlint-config.umd.js ]; then
    npm run --silent build:lint-config
  fi
fi

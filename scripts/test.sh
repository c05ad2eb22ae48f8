#!/usr/bin/env bash
# The whole test suite on a fresh machine: system packages, a venv, lint, types, pytest.
# CI (.ci/run) calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."

# tmux drives the real-terminal end-to-end test; Chromium renders the HTML report test.
MISSING=""
command -v tmux >/dev/null 2>&1 || MISSING="$MISSING tmux"
command -v chromium >/dev/null 2>&1 || MISSING="$MISSING chromium"
if [ -n "$MISSING" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $MISSING >/dev/null
fi

PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -q "$@" </dev/null

#!/usr/bin/env bash
# Install pinpoint-sandbox into .venv and run the main job: an SMS production-access request
# for two regions. With no AWS credentials configured it runs on the built-in simulator and
# files for real there; with credentials it only previews (--dry-run), so nothing is filed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check .

if .venv/bin/python -c 'import boto3, sys; sys.exit(0 if boto3.Session().get_credentials() else 1)' 2>/dev/null; then
  echo "AWS credentials found: previewing only (--dry-run). Drop --dry-run to file." >&2
  exec .venv/bin/pinpoint-sandbox request sms --answers examples/sms-answers.yaml \
    -r us-east-1 -r eu-west-1 --dry-run --no-input "$@"
fi
echo "No AWS credentials: running on the built-in simulator (fresh sandbox account)." >&2
exec .venv/bin/pinpoint-sandbox request sms --simulate --answers examples/sms-answers.yaml \
  -r us-east-1 -r eu-west-1 --yes --no-input "$@"

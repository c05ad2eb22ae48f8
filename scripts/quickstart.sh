#!/usr/bin/env bash
# Install pinpoint-sandbox into .venv and run the main job: an SMS production-access request
# for two regions. With no AWS credentials configured it runs on the built-in simulator's
# fresh-sandbox scenario and files for real there; with credentials it only previews
# (--dry-run), so nothing is filed. A second run skips the install when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=.venv/.pinpoint-sandbox-installed
# An editable install (pip install -e .) already runs this source tree: never replaced.
editable=$(.venv/bin/python -c 'import pathlib, pinpoint_sandbox as p; print(pathlib.Path(p.__file__).resolve().is_relative_to(pathlib.Path("src").resolve()))' 2>/dev/null || echo False)
if [ "$editable" = True ]; then
  echo "pinpoint-sandbox runs from this source tree (editable install): no reinstall." >&2
elif [ ! -x .venv/bin/pinpoint-sandbox ] || [ ! -f "$stamp" ] \
   || [ -n "$(find pyproject.toml src -newer "$stamp" -print -quit)" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check .
  touch "$stamp"
else
  echo "pinpoint-sandbox is installed and up to date in .venv (no reinstall)." >&2
fi

set +e
if .venv/bin/python -c 'import boto3, sys; sys.exit(0 if boto3.Session().get_credentials() else 1)' 2>/dev/null; then
  echo "AWS credentials found: previewing only (--dry-run). Drop --dry-run to file." >&2
  .venv/bin/pinpoint-sandbox request sms --answers examples/sms-answers.yaml \
    -r us-east-1 -r eu-west-1 --dry-run --no-input "$@"
  code=$?
  next="pinpoint-sandbox request sms -a examples/sms-answers.yaml -r us-east-1 -r eu-west-1"
else
  echo "No AWS credentials: running on the built-in simulator (scenario fresh-sandbox)." >&2
  .venv/bin/pinpoint-sandbox request sms --simulate=fresh-sandbox \
    --answers examples/sms-answers.yaml -r us-east-1 -r eu-west-1 --yes --no-input "$@"
  code=$?
  next="pinpoint-sandbox status --simulate=fresh-sandbox -r us-east-1 -r eu-west-1"
fi
cat >&2 <<NEXT

Next: make the command available in this shell, then follow what was filed:
  source .venv/bin/activate
  $next
NEXT
exit "$code"

#!/usr/bin/env bash
# Regenerate docs/report.png: the HTML report of the `after-approval` simulator scenario,
# rendered by headless Chromium (Debian package `chromium`). Needs no AWS account.
set -euo pipefail
cd "$(dirname "$0")/.."
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export PINPOINT_SANDBOX_STATE_DIR="$work/state"
.venv/bin/pinpoint-sandbox status --simulate=after-approval -r us-east-1,eu-west-1,ap-southeast-2 \
  -a examples/sms-answers.yaml --html "$work/report.html" >/dev/null
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$work/profile" --screenshot="$PWD/docs/report.png" --window-size=1280,900 \
  "file://$work/report.html" 2>/dev/null
echo "wrote docs/report.png"

#!/usr/bin/env bash
# Startup cost of the console script (run by hand): `--help` must not import boto3/questionary.
# Needs hyperfine (apt-get install hyperfine). Usage: benchmarks/help_startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin/pinpoint-sandbox
hyperfine -N --warmup 3 --runs 20 "$BIN --help" "$BIN request sms --help" "$BIN --version"

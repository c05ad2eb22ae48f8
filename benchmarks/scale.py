"""Organization scale benchmark (run by hand; numbers depend on the machine).

    .venv/bin/python benchmarks/scale.py [--accounts 1,10,50,200] [--latency 0,100]
                                         [--regions 31] [--max-concurrency 64]
                                         [--countries GB,DE] [--skip-status]

For each N and latency it builds a simulator scenario with an organization of N accounts (every
account in the sandbox with a voice message sent, Business support), starts the simulator in
its own process, and runs the CLI as a subprocess:

- `batch F --organization --dry-run --output json` (F: sms + voice over the regions), and
- `status --organization --region … --output json`, and for N = 1 `status --all-regions`.

The limits (issue #20), checked at the end and the exit status non-zero when one is over:
the 50-account dry run within 15 s and 150 MB of peak RSS, and the 200-account dry run within
1.3 times the 50-account memory (what each account's results need, nothing kept per account
beyond that). They apply to the runs without simulated latency; `--acceptance` runs just those:

    .venv/bin/python benchmarks/scale.py --acceptance

Per run: wall time, CPU time and peak RSS of the CLI process alone (os.wait4), AWS calls per
target and per account-region (from the simulator's request log), and the ratio of the wall
time to a bare boto3 fan-out of the same calls measured in the same run: the calls the CLI
made (operation and parameters, as logged) replayed with boto3, one client per
(service, region) built up front, one thread per account-region (at most --max-concurrency),
each account-region's calls in order. That floor leaves out what the tool adds (rendering,
checks, credentials per account), so the ratio is the tool's overhead over the network work.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
MANAGEMENT = 100_000_000_000
DRY_RUN = "batch --dry-run"
# The limits for the dry run of both channels over 31 regions.
LIMIT_ACCOUNTS = 50
LIMIT_WALL_S = 15.0
LIMIT_RSS_MB = 150
LARGE_ACCOUNTS = 200
LIMIT_MEMORY_GROWTH = 1.3  # 200 accounts' peak RSS over 50 accounts'


def scenario(accounts: int, latency_ms: int) -> dict[str, Any]:
    members = [
        {
            "account_id": str(MANAGEMENT + i),
            "name": "management" if i == 0 else f"member-{i}",
            "support_plan": "business",
            "region_defaults": {"voice_messages_sent_days_ago": [3]},
        }
        for i in range(accounts)
    ]
    return {"name": f"scale-{accounts}", "accounts": members, "organization": {},
            "faults": {"latency_ms": latency_ms}}


def batch_file(path: Path, regions: list[str], countries: list[str] | None = None) -> Path:
    import yaml

    sms_answers = EXAMPLES / "sms-answers.yaml"
    if countries:  # the example answers with other destination countries
        answers = yaml.safe_load(sms_answers.read_text(encoding="utf-8"))
        answers["destination_countries"] = countries
        sms_answers = path.with_name("sms-answers.yaml")
        sms_answers.write_text(yaml.safe_dump(answers), encoding="utf-8")
    doc = {"version": 1, "requests": [
        {"channel": "sms", "regions": regions, "answers_file": str(sms_answers)},
        {"channel": "voice", "regions": regions,
         "answers_file": str(EXAMPLES / "voice-answers.yaml")},
    ]}
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


SERVER = """
import json, sys, time
from pinpoint_sandbox.simulator import Simulator
sim = Simulator(json.load(open(sys.argv[1])))
sim.start()
print(json.dumps(sim.env()), flush=True)
sys.stdin.read()
sim.stop()
"""


class SimProcess:
    """The simulator in its own process, so its CPU is not counted as the CLI's."""

    def __init__(self, spec: dict[str, Any], tmp: Path) -> None:
        path = tmp / "scenario.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SERVER, str(path)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None
        self.env: dict[str, str] = json.loads(self.proc.stdout.readline())

    def _control(self, method: str, name: str) -> Any:
        import urllib.request

        req = urllib.request.Request(f"{self.env['AWS_ENDPOINT_URL']}/_simulator/{name}",
                                     method=method)
        with urllib.request.urlopen(req, timeout=600) as resp:
            return json.loads(resp.read())

    def requests(self) -> list[dict[str, Any]]:
        return list(self._control("GET", "requests"))

    def reset(self) -> None:
        self._control("POST", "reset")

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


LAUNCH = """
import json, resource, subprocess, sys, time
started = time.perf_counter()
with open(sys.argv[1], "wb") as out:
    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL).returncode
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": time.perf_counter() - started, "exit": code,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""


def measure(argv: list[str], env: dict[str, str]) -> dict[str, Any]:
    """Run a process; wall, CPU (user + sys) and peak RSS of that process alone.

    Through a small launcher: a child forked from this (large) process would inherit its
    resident size into ru_maxrss."""
    with tempfile.NamedTemporaryFile(suffix=".out") as out:
        done = subprocess.run([sys.executable, "-c", LAUNCH, out.name, *argv], env=env,
                              capture_output=True, check=True)
        result: dict[str, Any] = json.loads(done.stdout)
        result["stdout"] = Path(out.name).read_bytes()
    return result


def floor(calls: list[dict[str, Any]], env: dict[str, str], workers: int, tmp: Path) -> float:
    path = tmp / "calls.json"
    path.write_text(json.dumps(calls), encoding="utf-8")
    run = measure([sys.executable, __file__, "--replay", str(path), "--max-concurrency",
                   str(workers)], env)
    return float(json.loads(run["stdout"])["wall"])


def replay(path: Path, workers: int) -> None:
    """The boto3 floor: replay logged calls (see the module docstring). Prints its wall time."""
    from concurrent.futures import ThreadPoolExecutor

    import boto3
    from botocore.config import Config

    calls = json.loads(path.read_text(encoding="utf-8"))
    started = time.perf_counter()
    session = boto3.Session()
    config = Config(max_pool_connections=workers, retries={"mode": "standard"})
    clients: dict[tuple[str, str], Any] = {}
    chains: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for call in calls:
        key = (call["service"], call["region"])
        if key not in clients:
            clients[key] = session.client(call["service"], region_name=call["region"],
                                          config=config)
        chains.setdefault((call["account_id"], call["region"]), []).append(call)

    def run(chain: list[dict[str, Any]]) -> None:
        from botocore import xform_name

        for call in chain:
            client = clients[(call["service"], call["region"])]
            # The answer does not matter, the round trip does.
            with contextlib.suppress(Exception):
                getattr(client, xform_name(call["operation"]))(**call["params"])

    with ThreadPoolExecutor(max_workers=min(workers, max(1, len(chains)))) as pool:
        list(pool.map(run, chains.values()))
    print(json.dumps({"wall": time.perf_counter() - started}))


REPLAYABLE = {"AssumeRole", "GetCallerIdentity"}  # the floor uses the simulator's static keys


def one_run(sim: SimProcess, argv: list[str], env: dict[str, str], label: str,
            accounts: int, regions: int, workers: int, tmp: Path) -> dict[str, Any]:
    sim.reset()
    run = measure(argv, env)
    log = sim.requests()
    doc = json.loads(run["stdout"] or b"{}")
    targets = len(doc.get("results", [])) or len(doc.get("regions", []))
    calls = len(log)
    reads = [{"service": r["service"], "operation": r["operation"], "params": r["params"],
              "region": r["region"], "account_id": r["account_id"]}
             for r in log if r["operation"] not in REPLAYABLE and r["status"] < 500]
    base = floor(reads, env, workers, tmp)
    by_operation: dict[str, int] = {}
    for r in log:
        by_operation[r["operation"]] = by_operation.get(r["operation"], 0) + 1
    return {
        "run": label, "accounts": accounts, "wall_s": round(run["wall"], 2),
        "cpu_s": round(run["cpu"], 2), "peak_rss_mb": round(run["rss_mb"]),
        "exit": run["exit"], "targets": targets, "calls": calls,
        "calls_per_target": round(calls / targets, 2) if targets else None,
        "calls_per_account_region": round(calls / (accounts * regions), 2),
        "boto3_floor_s": round(base, 2), "ratio": round(run["wall"] / base, 2) if base else None,
        "calls_by_operation": dict(sorted(by_operation.items(), key=lambda kv: -kv[1])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", default="1,10,50,200")
    parser.add_argument("--latency", default="0,100")
    parser.add_argument("--regions", type=int, default=31)
    parser.add_argument("--max-concurrency", type=int, default=64)
    parser.add_argument("--replay", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-status", action="store_true")
    parser.add_argument("--countries", help="destination_countries of the SMS answers, e.g. "
                        "GB,DE (default: the example answers' US, GB, IE)")
    parser.add_argument("--acceptance", action="store_true",
                        help="only the runs the limits apply to: the dry run of 50 and 200 "
                        "accounts without latency")
    args = parser.parse_args()
    if args.acceptance:
        args.accounts, args.latency, args.skip_status = "50,200", "0", True
    if args.replay:
        replay(args.replay, args.max_concurrency)
        return
    import compileall

    from pinpoint_sandbox.aws.regions import sms_voice_regions

    # Bytecode as an installed package has it: PYTHONDONTWRITEBYTECODE (set on some CI
    # machines) would otherwise make every CLI run compile the package's sources again.
    compileall.compile_dir(REPO / "src", quiet=1)

    regions = [r for r in sms_voice_regions() if not r.startswith(("us-gov", "eusc"))]
    regions = regions[: args.regions]
    cli = [sys.executable, "-m", "pinpoint_sandbox"]
    countries = args.countries.split(",") if args.countries else None
    rows: list[dict[str, Any]] = []
    for latency in (int(x) for x in args.latency.split(",")):
        for accounts in (int(x) for x in args.accounts.split(",")):
            tmp = Path(tempfile.mkdtemp(prefix="pinpoint-scale-"))
            sim = SimProcess(scenario(accounts, latency), tmp)
            env = {**os.environ, **sim.env, "PINPOINT_SANDBOX_STATE_DIR": str(tmp / "state"),
                   "PINPOINT_SANDBOX_LEDGER": str(tmp / "ledger.jsonl")}
            env.pop("PINPOINT_SANDBOX_SIMULATE", None)
            common = ["--organization", "--max-concurrency", str(args.max_concurrency),
                      "--output", "json"]
            try:
                runs = [(f"batch --dry-run ({latency} ms)",
                         [*cli, "batch", str(batch_file(tmp / "batch.yaml", regions, countries)),
                          "--dry-run", *common])]
                if not args.skip_status:
                    runs.append((f"status ({latency} ms)",
                                 [*cli, "status", *common,
                                  *[a for r in regions for a in ("-r", r)]]))
                if accounts == 1 and not args.skip_status:
                    runs.append((f"status --all-regions, no --organization ({latency} ms)",
                                 [*cli, "status", "--all-regions", "--output", "json"]))
                for label, argv in runs:
                    row = one_run(sim, argv, env, label, accounts, len(regions),
                                  args.max_concurrency, tmp)
                    rows.append(row)
                    print(json.dumps(row), flush=True)
            finally:
                sim.stop()
    print_table(rows)
    over = check_limits(rows)
    for line in over:
        print(f"OVER THE LIMIT: {line}")
    if over:
        sys.exit(1)


def check_limits(rows: list[dict[str, Any]]) -> list[str]:
    """The limits each measured run is over (module docstring); prints the ones it meets."""
    dry = {row["accounts"]: row for row in rows
           if row["run"] == f"{DRY_RUN} (0 ms)" and row["exit"] == 0}
    failed = [f"{row['run']}, {row['accounts']} accounts: exit {row['exit']}"
              for row in rows if row["run"].startswith(DRY_RUN) and row["exit"] != 0]
    base = dry.get(LIMIT_ACCOUNTS)
    if base is not None:
        checks = [
            (f"{LIMIT_ACCOUNTS} accounts: {base['wall_s']} s wall", base["wall_s"] <= LIMIT_WALL_S,
             f"<= {LIMIT_WALL_S} s"),
            (f"{LIMIT_ACCOUNTS} accounts: {base['peak_rss_mb']} MB peak RSS",
             base["peak_rss_mb"] <= LIMIT_RSS_MB, f"<= {LIMIT_RSS_MB} MB"),
        ]
        large = dry.get(LARGE_ACCOUNTS)
        if large is not None:
            growth = large["peak_rss_mb"] / base["peak_rss_mb"]
            checks.append((f"{LARGE_ACCOUNTS} accounts: {large['peak_rss_mb']} MB peak RSS, "
                           f"{growth:.2f} x the {LIMIT_ACCOUNTS}-account memory",
                           growth <= LIMIT_MEMORY_GROWTH, f"<= {LIMIT_MEMORY_GROWTH} x"))
        for what, within, limit in checks:
            if within:
                print(f"within the limit: {what} ({limit})")
            else:
                failed.append(f"{what} ({limit})")
    return failed


def print_table(rows: list[dict[str, Any]]) -> None:
    cols = ["run", "accounts", "wall_s", "cpu_s", "peak_rss_mb", "targets", "calls",
            "calls_per_target", "calls_per_account_region", "boto3_floor_s", "ratio", "exit"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for row in rows:
        print("| " + " | ".join(str(row.get(c)) for c in cols) + " |")


if __name__ == "__main__":
    main()

"""`status` as a library: one producer of a target's state (the tracker), read by every view."""

from __future__ import annotations

from typing import Any

from helpers import SMS_ANSWERS, cli

REGIONS = ["eu-west-1", "us-east-1"]


def _file_sms(region: str = "eu-west-1") -> None:
    filed = cli("request", "sms", "--answers", SMS_ANSWERS, "-r", region, "--yes",
                "--output", "json")
    assert filed.exit_code == 0, filed


def test_the_library_returns_a_report_every_view_reads(simulator: Any) -> None:
    """No Typer: a StatusReport whose region rows and page rows say what the tracker said."""
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.tracking.report import tracked_report_rows
    from pinpoint_sandbox.tracking.status_report import StatusQuery, status_report

    simulator("fresh-sandbox")
    _file_sms()
    report = status_report(StatusQuery([AwsAccount()], REGIONS, facts=True))
    tracked = {(r.target.region, r.target.channel): r for r in report.rows}
    assert set(tracked) == {(r, c) for r in REGIONS for c in ("sms", "voice")}
    assert tracked[("eu-west-1", "sms")].state == "open"
    assert tracked[("us-east-1", "sms")].state is None
    assert report.exit_code == 0 and report.unasked == []

    assert [r.region for r in report.regions] == REGIONS
    for region in report.regions:  # regions[] carries the tracker's states, nothing of its own
        for cell in region.targets:
            row = tracked[(region.region, cell["channel"])]
            assert (cell["state"], cell["request_id"]) == (row.state, row.request_id)
    assert report.regions[0].requests == [
        f"sms: open (request {tracked[('eu-west-1', 'sms')].request_id})"]

    page = {(p.region, p.channel): p for p in
            tracked_report_rows(report.rows, report.regions, report.readiness)}
    for key, row in tracked.items():  # the page: the tracker's state and next step first
        assert page[key].state == (row.state or "not requested")
        assert page[key].next_steps[0] == row.next_step
    doc = report.to_json()
    assert set(doc) == {"regions", "targets", "summary"}
    assert doc["summary"] == {"not_requested": 3, "open": 1}
    _deferred_rows_print_the_same(report)


def _deferred_rows_print_the_same(report: Any) -> None:
    """`status --output json` builds each row as it is written: byte for byte the document
    built whole, and no row is a dict before it is printed."""
    import contextlib
    import io

    from pinpoint_sandbox.cli.output import print_json
    from pinpoint_sandbox.core.jsonvalue import Deferred

    deferred = report.to_json(deferred=True)
    assert all(isinstance(row, Deferred) for row in [*deferred["regions"], *deferred["targets"]])
    printed = []
    for doc in (report.to_json(), deferred):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            print_json(doc)
        printed.append(out.getvalue())
    assert printed[0] == printed[1] and '"regions": [' in printed[0]


def test_the_page_tracks_the_channels_nobody_asked_for(simulator: Any) -> None:
    """Without -r, the page shows every tracked target's region: the other channel there is
    tracked too (not a second lookup), and stays out of the rows `status` prints."""
    from pinpoint_sandbox.aws.session import AwsAccount
    from pinpoint_sandbox.tracking.status_report import StatusQuery, status_report

    simulator("fresh-sandbox")
    _file_sms("ap-south-1")
    report = status_report(StatusQuery([AwsAccount()], default_regions=["us-east-1"],
                                       facts=True, html=True))
    shown = {(r.target.region, r.target.channel) for r in report.rows}
    assert ("ap-south-1", "sms") in shown and ("ap-south-1", "voice") not in shown
    [voice] = report.unasked
    assert (voice.target.region, voice.target.channel) == ("ap-south-1", "voice")
    assert voice.next_step.startswith("file: `pinpoint-sandbox request voice -r ap-south-1")
    [region] = [r for r in report.regions if r.region == "ap-south-1"]
    assert {c["channel"]: c["state"] for c in region.targets} == {"sms": "open", "voice": None}


def test_all_regions_reads_five_facts_a_region_at_most(simulator: Any) -> None:
    """The reads the view needs: tier, spend limits, account limits (SMS and Voice), the quota
    catalogue and the request history (Service Quotas); no region read twice."""
    from collections import Counter

    sim = simulator("fresh-sandbox")
    run = cli("status", "--all-regions", "--output", "json")
    assert run.exit_code == 0, run
    regions = [row["region"] for row in run.json["regions"]]
    per_region = Counter(r.region for r in sim.requests
                         if r.service in ("pinpoint-sms-voice-v2", "service-quotas"))
    assert set(per_region) == set(regions) and len(regions) > 20
    assert set(per_region.values()) == {5}
    operations = Counter(r.operation for r in sim.requests)
    assert max(operations.values()) == len(regions)  # each operation once per region

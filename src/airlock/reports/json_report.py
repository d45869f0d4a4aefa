"""The JSON contract of ``airlock scan --format json`` (see README: Finding JSON)."""

from __future__ import annotations

import json

from airlock.controls.engine import Report
from airlock.reports.model import header, ordered


def render(report: Report) -> str:
    document = {
        **header(report),
        "findings": [f.as_json() for f in ordered(report.findings)],
        "coverage_gaps": [
            {"scope": g.scope, "reason": g.reason, "resource_id": g.resource_id}
            for g in report.coverage_gaps
        ],
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"

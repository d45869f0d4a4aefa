"""The JSON contract of ``airlock scan --format json`` (see README: Finding JSON).

The document is pretty-printed at the top level with one finding per line: readable, easy to
grep and diff, and written by the C JSON encoder (an indented dump of a large estate is 30x
slower).
"""

from __future__ import annotations

import json
from typing import Any

from airlock.controls.engine import Report
from airlock.reports.model import header, ordered


def render(report: Report) -> str:
    findings = [f.as_json() for f in ordered(report.findings)]
    gaps = [
        {"scope": g.scope, "reason": g.reason, "resource_id": g.resource_id}
        for g in report.coverage_gaps
    ]
    parts = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in header(report).items()]
    parts.append(f'  "findings": {_lines(findings)}')
    parts.append(f'  "coverage_gaps": {_lines(gaps)}')
    return "{\n" + ",\n".join(parts) + "\n}\n"


#: ``json.dumps(item, ensure_ascii=False)``, without the circular-reference bookkeeping that
#: doubles its cost: the items are trees freshly built by ``as_json`` (a cycle would already
#: have made that recursion fail)
_ENCODE = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


def _lines(items: list[dict[str, Any]]) -> str:
    if not items:
        return "[]"
    body = ",\n".join(f"    {_ENCODE(item)}" for item in items)
    return "[\n" + body + "\n  ]"

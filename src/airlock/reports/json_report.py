"""The JSON contract of ``airlock scan --format json`` (see README: Finding JSON).

The document is pretty-printed at the top level with one finding per line: readable, easy to
grep and diff. Each line is written by msgspec's encoder, which is about five times faster
than the standard library's on these small trees (an indented dump of a large estate would
be slower still by an order of magnitude).
"""

from __future__ import annotations

from typing import Any

import msgspec

from airlock.controls.engine import Report
from airlock.reports.model import header, ordered

#: UTF-8 JSON without escaping non-ASCII text, as ``json.dumps(ensure_ascii=False)`` would
_ENCODE = msgspec.json.Encoder().encode


def render(report: Report) -> str:
    findings = [f.as_json() for f in ordered(report.findings)]
    gaps = [
        {"scope": g.scope, "reason": g.reason, "resource_id": g.resource_id}
        for g in report.coverage_gaps
    ]
    parts = [b"  " + _ENCODE(k) + b": " + _ENCODE(v) for k, v in header(report).items()]
    parts.append(b'  "findings": ' + _lines(findings))
    parts.append(b'  "coverage_gaps": ' + _lines(gaps))
    return (b"{\n" + b",\n".join(parts) + b"\n}\n").decode("utf-8")


def _lines(items: list[dict[str, Any]]) -> bytes:
    if not items:
        return b"[]"
    body = b",\n".join(b"    " + _ENCODE(item) for item in items)
    return b"[\n" + body + b"\n  ]"

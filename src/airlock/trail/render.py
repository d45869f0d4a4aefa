"""Text renderings of trail results: plain tables, Markdown tables, JSON values.

Renderers are pure: data in, ``str`` out. Timestamps print as ISO 8601 UTC.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from airlock.trail.findings import Severity, VerifyReport
from airlock.trail.ingest import IngestSummary
from airlock.trail.queries import QueryResult


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def plain(value: Any) -> Any:
    """A JSON-ready version of a DuckDB value."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    return value


def dumps(value: Any) -> str:
    return json.dumps(plain(value), indent=2, sort_keys=False, ensure_ascii=False)


def _cell(value: Any, width: int | None = None) -> str:
    value = plain(value)
    text = "" if value is None else str(value)
    text = text.replace("\n", " ")
    if width is not None and len(text) > width:
        text = text[: width - 1] + "…"
    return text


def text_table(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], *, max_width: int = 80
) -> str:
    """A fixed-width table; long cells are cut to ``max_width`` characters."""
    cells = [[_cell(v, max_width) for v in row] for row in rows]
    widths = [len(c) for c in columns]
    for row in cells:
        for i, text in enumerate(row):
            widths[i] = max(widths[i], len(text))
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(t.ljust(w) for t, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )
    return "\n".join(lines)


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def escape(text: str) -> str:
        return text.replace("|", "\\|")

    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    lines.extend("| " + " | ".join(escape(_cell(v)) for v in row) + " |" for row in rows)
    return "\n".join(lines)


def render_query(result: QueryResult, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.JSON:
        return dumps(
            {
                "query": result.name,
                "title": result.title,
                "parameters": result.parameters,
                "columns": list(result.columns),
                "rows": result.records(),
            }
        )
    header = f"{result.title} ({len(result.rows)} rows)"
    if not result.rows:
        return f"{header}\n(no rows)"
    return f"{header}\n\n{text_table(result.columns, result.rows)}"


_SHOWN_PER_KIND = 10


def render_verify(report: VerifyReport, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.JSON:
        return dumps(report.to_json())
    out = [f"Trail {report.source}: {report.status.value}"]
    if report.requested_from or report.requested_to:
        out.append(
            f"requested range: {_cell(report.requested_from) or '-'} to {_cell(report.requested_to) or '-'}"
        )
    for region, reason in sorted(report.keys_unavailable.items()):
        out.append(f"public keys for {region} unavailable: {reason}")
    for r in report.regions:
        out.append("")
        covered = f"{_cell(r.covered_from) or '?'} to {_cell(r.covered_to) or '?'}"
        out.append(f"account {r.account}  region {r.region}  {r.status.value}  (covered {covered})")
        for c in r.chains:
            label = "backfill digests" if c.backfill else "digests"
            out.append(
                f"  trail {c.trail} (home {c.home_region}): {c.digests_valid}/{c.digests} {label} valid"
            )
        n = r.log_files
        out.append(
            f"  log files: {n.valid}/{n.referenced} valid, {n.missing} missing, {n.invalid} invalid, "
            f"{n.unreferenced} unreferenced, {n.pending} pending"
        )
        out.extend(_findings_lines(list(r.findings)))
    if report.findings:
        out.append("")
        out.append("not attributable to one account and region:")
        out.extend(_findings_lines(list(report.findings)))
    return "\n".join(out)


def _findings_lines(findings: list[Any]) -> list[str]:
    order = {Severity.FAIL: 0, Severity.UNVERIFIED: 1, Severity.WARN: 2, Severity.INFO: 3}
    lines: list[str] = []
    by_kind: dict[str, list[Any]] = {}
    for f in sorted(findings, key=lambda f: (order[f.severity], f.kind.value, f.key)):
        by_kind.setdefault(f.kind.value, []).append(f)
    for kind, items in by_kind.items():
        lines.append(f"  {items[0].severity.value:<10} {kind} ({len(items)})")
        for f in items[:_SHOWN_PER_KIND]:
            lines.append(f"      {f.key}")
            lines.append(f"        {f.detail}")
        if len(items) > _SHOWN_PER_KIND:
            lines.append(
                f"      ... and {len(items) - _SHOWN_PER_KIND} more (use --format json for all)"
            )
    return lines


def render_ingest(summary: IngestSummary, fmt: OutputFormat) -> str:
    if fmt is OutputFormat.JSON:
        return dumps(summary.to_json())
    added = ", ".join(f"{n} {k}" for k, n in sorted(summary.files_added.items())) or "nothing new"
    lines = [
        f"Ingested {summary.source} in {summary.seconds:.1f} s",
        f"  files: {summary.files_listed} listed, {summary.files_already} already ingested; added {added}",
        f"  records: {summary.events_added} CloudTrail events ({summary.events_duplicate} duplicates dropped), "
        f"{summary.invocations_added} invocation log records, {summary.payloads_added} payloads, "
        f"{summary.digests_added} digests",
    ]
    for key, problem in summary.problems[:_SHOWN_PER_KIND]:
        lines.append(f"  problem: {key}: {problem}")
    if len(summary.problems) > _SHOWN_PER_KIND:
        lines.append(f"  ... and {len(summary.problems) - _SHOWN_PER_KIND} more problems")
    for key in summary.conflicts[:_SHOWN_PER_KIND]:
        lines.append(f"  changed since ingested (not re-ingested): {key}")
    return "\n".join(lines)

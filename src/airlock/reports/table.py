"""The terminal report: findings grouped by layer, worst first, and a summary line."""

from __future__ import annotations

import io
from collections import Counter

from rich.console import Console
from rich.table import Table
from rich.text import Text

from airlock.controls.engine import Report
from airlock.controls.model import Finding, Layer, Status
from airlock.reports.model import ordered

_STYLE = {
    Status.FAIL: "bold red",
    Status.UNKNOWN: "yellow",
    Status.PASS: "green",
    Status.NOT_APPLICABLE: "dim",
}


def render(
    report: Report, *, show_pass: bool = False, color: bool = False, width: int = 120
) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=color, no_color=not color, width=width, highlight=False
    )
    source = report.source
    console.print(
        Text.assemble(
            ("Airlock scan ", "bold"),
            f"{source.kind.value} {source.path} — {report.resource_count} resources",
        )
    )
    findings = ordered(report.findings)
    for layer in Layer:
        in_layer = [f for f in findings if f.layer is layer]
        if not in_layer:
            continue
        shown = [f for f in in_layer if show_pass or f.status in (Status.FAIL, Status.UNKNOWN)]
        counts = Counter(f.status for f in in_layer)
        title = f"{layer.value.upper()}  " + "  ".join(
            f"{s.value} {counts[s]}" for s in Status if counts.get(s)
        )
        if not shown:
            console.print(Text(title, style="bold"))
            continue
        console.print(_table(title, shown))
    if report.coverage_gaps:
        console.print(Text("Coverage gaps (not seen, so not judged):", style="bold yellow"))
        for gap in report.coverage_gaps:
            console.print(f"  - {gap.scope}: {gap.reason}")
    summary = report.summary()
    console.print(
        Text.assemble(
            ("Summary: ", "bold"),
            *[(f"{status.value} {summary[status.value]}  ", _STYLE[status]) for status in Status],
        )
    )
    return buffer.getvalue()


def _table(title: str, findings: list[Finding]) -> Table:
    table = Table(title=title, title_justify="left", show_lines=False, expand=True)
    table.add_column("Status", no_wrap=True)
    table.add_column("Control", no_wrap=True)
    table.add_column("Resource", overflow="fold", ratio=1)
    table.add_column("Reason", overflow="fold", ratio=3)
    for f in findings:
        where = f.resource.id
        if f.resource.location is not None and f.resource.location.line is not None:
            where += f" (line {f.resource.location.line})"
        table.add_row(
            Text(f.status.value, style=_STYLE[f.status]),
            f"{f.control_id} [{f.severity.value}]",
            where,
            f.reason,
        )
    return table

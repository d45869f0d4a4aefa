"""What every report format shares: ordering, the scope block, the summary."""

from __future__ import annotations

from typing import Any

from airlock import __version__
from airlock.controls.engine import Report
from airlock.controls.model import Finding, Layer, Status
from airlock.inventory.model import Unresolved

LAYER_ORDER = {layer: i for i, layer in enumerate(Layer)}
STATUS_ORDER = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.PASS: 2, Status.NOT_APPLICABLE: 3}


def ordered(findings: tuple[Finding, ...]) -> list[Finding]:
    """Findings by layer, then worst status first, then control and resource -- deterministic."""
    return sorted(
        findings,
        key=lambda f: (LAYER_ORDER[f.layer], STATUS_ORDER[f.status], f.control_id, f.resource.id),
    )


def scope_block(report: Report) -> dict[str, Any]:
    settings = report.settings
    return {
        "regimes": [r.value for r in settings.regimes],
        "allowed_regions": sorted(settings.allowed_regions)
        if settings.allowed_regions is not None
        else None,
        "min_retention_days": settings.min_retention_days,
        "account": _plain(report.source.account),
        "region": _plain(report.source.region),
        "resources": report.resource_count,
    }


def summary_block(report: Report) -> dict[str, int]:
    summary = report.summary()
    return {**summary, "total": len(report.findings)}


def header(report: Report) -> dict[str, Any]:
    return {
        "airlock_version": __version__,
        "source": {"kind": report.source.kind.value, "path": report.source.path},
        "scope": scope_block(report),
        "summary": summary_block(report),
    }


def _plain(value: str | Unresolved | None) -> str | None:
    return value if isinstance(value, str) else None

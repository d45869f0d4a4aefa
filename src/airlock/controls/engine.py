"""Run controls over an inventory and collect a report."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from msgspec import Struct

from airlock.controls import parallel
from airlock.controls.model import (
    Control,
    Finding,
    ScanContext,
    Settings,
    Status,
    Verdict,
    subject_ref,
)
from airlock.inventory.model import CoverageGap, Inventory, SourceInfo
from airlock.obligations.model import Regime, obligations_for


class Report(Struct, frozen=True):
    source: SourceInfo
    settings: Settings
    findings: tuple[Finding, ...]
    coverage_gaps: tuple[CoverageGap, ...]
    resource_count: int

    def summary(self) -> dict[str, int]:
        counts = Counter(f.status for f in self.findings)
        return {status.value: counts.get(status, 0) for status in Status}

    def has(self, status: Status) -> bool:
        return any(f.status is status for f in self.findings)


def run(
    controls: Sequence[Control], inventory: Inventory, settings: Settings, *, jobs: int = 1
) -> Report:
    """Judge ``inventory`` with every control. ``jobs=2`` judges half of the layers in a
    forked process when that is possible (:mod:`airlock.controls.parallel`); the report is
    the same either way."""
    ctx = ScanContext(inventory, settings)
    regimes: tuple[Regime, ...] = settings.regimes or tuple(Regime)

    def judge(control: Control) -> list[Finding]:
        return _findings(control, ctx, regimes)

    if jobs > 1 and parallel.usable():
        per_control = parallel.judge_split(controls, judge, group=lambda c: c.layer)
    else:
        per_control = [judge(control) for control in controls]
    return Report(
        source=inventory.source,
        settings=settings,
        findings=tuple(_dedupe([f for found in per_control for f in found])),
        coverage_gaps=tuple(inventory.gaps),
        resource_count=len(inventory),
    )


def _findings(control: Control, ctx: ScanContext, regimes: tuple[Regime, ...]) -> list[Finding]:
    obligations = obligations_for(control.topics, regimes)
    return [
        Finding(
            control_id=control.id,
            title=control.title,
            layer=control.layer,
            severity=control.severity,
            status=verdict.status,
            resource=subject_ref(verdict.subject),
            reason=verdict.reason,
            evidence=verdict.evidence,
            obligations=obligations,
            remediation=control.remediation,
        )
        for verdict in _verdicts(control, ctx)
    ]


def _verdicts(control: Control, ctx: ScanContext) -> Iterable[Verdict]:
    try:
        verdicts = list(control.check(ctx))
    except Exception as exc:  # a control bug must never turn into a PASS or a crash
        return [
            Verdict(
                Status.UNKNOWN,
                ctx.account_ref(),
                f"control {control.id} could not evaluate this inventory "
                f"({type(exc).__name__}: {exc})",
            )
        ]
    if not verdicts:  # every control answers, so a report shows what was judged
        return [
            Verdict(
                Status.NOT_APPLICABLE,
                ctx.account_ref(),
                "Nothing in this inventory is of a kind this control judges.",
            )
        ]
    return verdicts


_RANK = {Status.FAIL: 0, Status.UNKNOWN: 1, Status.PASS: 2, Status.NOT_APPLICABLE: 3}


def _dedupe(findings: list[Finding]) -> list[Finding]:
    """One finding per identity; the worst status wins (a control may judge a resource twice)."""
    best: dict[tuple[str, str], Finding] = {}
    for finding in findings:
        key = finding.identity
        if key not in best or _RANK[finding.status] < _RANK[best[key].status]:
            best[key] = finding
    return list(best.values())

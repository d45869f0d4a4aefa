"""The bundled examples: compliant ones have no FAIL, leaky ones FAIL on every planted leak.

The planted leaks are listed in ``examples/*/leaky.LEAKS.md`` (one table row per leak: the layer
family that must catch it and the resources involved). A leak is caught when a control of that
family reports FAIL on one of the listed resources, with a reason and evidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from airlock.controls.engine import Report, run
from airlock.controls.model import Settings, Status
from airlock.controls.registry import all_controls
from airlock.inventory.model import SourceKind
from airlock.obligations.model import PROFILES, Regime
from airlock.sources import load

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASES = {
    "cloudformation": (SourceKind.CLOUDFORMATION, EXAMPLES / "cloudformation"),
    "terraform": (SourceKind.TERRAFORM_PLAN, EXAMPLES / "terraform"),
}
FILES = {
    ("cloudformation", "compliant"): "compliant.yaml",
    ("cloudformation", "leaky"): "leaky.yaml",
    ("terraform", "compliant"): "compliant.plan.json",
    ("terraform", "leaky"): "leaky.plan.json",
}


@dataclass(frozen=True)
class Leak:
    id: str
    layers: frozenset[str]
    text: str
    resources: tuple[str, ...]


def _settings() -> Settings:
    regimes = (Regime.NDPA,)
    return Settings(
        regimes=regimes,
        allowed_regions=frozenset({"eu-central-1", "eu-west-1", "af-south-1"}),
        min_retention_days=PROFILES[Regime.NDPA].min_retention_days,
    )


@cache
def scan(fmt: str, which: str) -> Report:
    kind, folder = CASES[fmt]
    inventory = load(kind, str(folder / FILES[(fmt, which)]))
    return run(all_controls(), inventory, _settings())


def leaks(fmt: str) -> list[Leak]:
    rows = []
    text = (CASES[fmt][1] / "leaky.LEAKS.md").read_text()
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 4 or not re.fullmatch(r"(CFN|TF)-\d+", cells[0]):
            continue
        layers = frozenset(part.strip() for part in cells[1].split("/"))
        resources = tuple(re.findall(r"`([^`]+)`", cells[3]))
        rows.append(Leak(cells[0], layers, cells[2], resources))
    assert rows, f"no leaks parsed from {fmt}"
    return rows


@pytest.mark.parametrize("fmt", sorted(CASES))
def test_compliant_example_has_no_fail(fmt: str) -> None:
    report = scan(fmt, "compliant")
    failures = [
        f"{f.control_id} {f.resource.id}: {f.reason}"
        for f in report.findings
        if f.status is Status.FAIL
    ]
    assert failures == []
    assert report.summary()["PASS"] > 20


@pytest.mark.parametrize(
    ("fmt", "leak"),
    [(fmt, leak) for fmt in sorted(CASES) for leak in leaks(fmt)],
    ids=lambda v: v.id if isinstance(v, Leak) else v,
)
def test_every_planted_leak_fails(fmt: str, leak: Leak) -> None:
    report = scan(fmt, "leaky")
    caught = [
        f
        for f in report.findings
        if f.status is Status.FAIL
        and f.layer.value in leak.layers
        and f.resource.id in leak.resources
    ]
    assert caught, f"{leak.id} not caught: {leak.text}"
    assert all(f.reason and f.evidence for f in caught)


@pytest.mark.parametrize("which", ["compliant", "leaky"])
def test_findings_never_present_a_synthetic_arn_as_real(which: str) -> None:
    report = scan("cloudformation", which)
    shown = [f.resource.arn for f in report.findings if f.resource.arn is not None]
    assert all("${" not in arn for arn in shown), shown

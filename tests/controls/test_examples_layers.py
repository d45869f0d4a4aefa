"""The bundled examples, judged by the non-network layers.

Every planted leak of ``examples/*/leaky.LEAKS.md`` in the encryption, identity, audit and
residency families must FAIL on one of its resources; no control may crash or emit anything
but one-sentence reasons and JSON-ready evidence.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from control_fixtures import CONTROLS

from airlock.controls.engine import Report, run
from airlock.controls.model import Layer, Settings, Status
from airlock.inventory.model import SourceKind
from airlock.sources import load

ROOT = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES = [
    (SourceKind.CLOUDFORMATION, ROOT / "cloudformation" / "compliant.yaml"),
    (SourceKind.CLOUDFORMATION, ROOT / "cloudformation" / "leaky.yaml"),
    (SourceKind.TERRAFORM_PLAN, ROOT / "terraform" / "compliant.plan.json"),
    (SourceKind.TERRAFORM_PLAN, ROOT / "terraform" / "leaky.plan.json"),
]
STRICT = Settings(
    allowed_regions=frozenset({"eu-central-1", "eu-west-1"}),
    min_retention_days=2555,
    operator_in_threat_model=True,
)
LAYERS = {
    "encryption": Layer.ENCRYPTION,
    "identity": Layer.IDENTITY,
    "audit": Layer.AUDIT,
    "residency": Layer.RESIDENCY,
}
ROW = re.compile(r"^\| (\w+-\d+) \| ([a-z /]+) \| .* \| (`.*`) \|$")


def _report(kind: SourceKind, path: Path, settings: Settings) -> Report:
    return run(list(CONTROLS.values()), load(kind, str(path)), settings)


@pytest.mark.parametrize(("kind", "path"), EXAMPLES, ids=lambda v: getattr(v, "name", str(v)))
@pytest.mark.parametrize("settings", [Settings(), STRICT], ids=["default", "strict"])
def test_findings_are_well_formed(kind: SourceKind, path: Path, settings: Settings) -> None:
    report = _report(kind, path, settings)
    for finding in report.findings:
        assert "could not evaluate" not in finding.reason, finding.reason
        reason = finding.reason
        assert reason[0].isupper() and reason.endswith("."), reason
        assert not re.search(r"[a-z0-9)]\.\s+[A-Z]", reason), reason
        json.dumps(finding.as_json())


@pytest.mark.parametrize(
    ("kind", "leaky"),
    [(k, p) for k, p in EXAMPLES if "leaky" in p.name],
    ids=lambda v: getattr(v, "name", str(v)),
)
def test_every_planted_leak_of_these_layers_fails(kind: SourceKind, leaky: Path) -> None:
    report = _report(kind, leaky, STRICT)
    failed = {(f.layer, f.resource.id) for f in report.findings if f.status is Status.FAIL}
    account_layers = {
        f.layer for f in report.findings if f.status is Status.FAIL and f.resource.type == "account"
    }
    table = (
        leaky.parent / leaky.name.replace(".plan.json", ".LEAKS.md").replace(".yaml", ".LEAKS.md")
    ).read_text()
    missed = []
    for line in table.splitlines():
        match = ROW.match(line)
        if not match:
            continue
        row, family, resources = match.groups()
        layers = {LAYERS[f.strip()] for f in family.split("/") if f.strip() in LAYERS}
        if not layers:
            continue
        ids = re.findall(r"`([^`]+)`", resources)
        if (
            not any((layer, rid) in failed for layer in layers for rid in ids)
            and not layers & account_layers
        ):
            missed.append(row)
    assert not missed, missed

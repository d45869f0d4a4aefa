"""Golden JSON and SARIF reports of the bundled examples.

A change in behaviour shows up as a diff in ``tests/golden/``. After reviewing it, refresh with
``AIRLOCK_UPDATE_GOLDEN=1 pytest tests/reports/test_golden.py``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from airlock.cli import main

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"
CASES = [
    ("cloudformation", "examples/cloudformation/compliant.yaml", "cfn-compliant"),
    ("cloudformation", "examples/cloudformation/leaky.yaml", "cfn-leaky"),
    ("terraform-plan", "examples/terraform/compliant.plan.json", "tf-compliant"),
    ("terraform-plan", "examples/terraform/leaky.plan.json", "tf-leaky"),
]


@pytest.mark.parametrize(("source", "path", "name"), CASES, ids=[c[2] for c in CASES])
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_golden(
    source: str, path: str, name: str, fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)  # relative paths in the report, as a user would run it
    out = tmp_path / f"{name}.{fmt}"
    code = main(
        [
            "scan",
            "--from",
            source,
            path,
            "--format",
            fmt,
            "--regime",
            "ndpa,gdpr",
            "--output",
            str(out),
        ]
    )
    assert code == (1 if "leaky" in name else 0)
    actual = json.loads(out.read_text())
    golden = GOLDEN / f"{name}.{fmt}"
    if os.environ.get("AIRLOCK_UPDATE_GOLDEN") == "1" or not golden.exists():
        if os.environ.get("CI") and not golden.exists():
            pytest.fail(f"golden file {golden} is missing")
        golden.write_text(json.dumps(actual, indent=2, sort_keys=True) + "\n")
    expected = json.loads(golden.read_text())
    assert actual == expected, f"{name}.{fmt} differs from {golden}; review and refresh"

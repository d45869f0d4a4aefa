"""`airlock controls` lists the catalog, and the README's table is that list."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlock.cli import main
from airlock.cli.controls import render_markdown
from airlock.controls.registry import all_controls

README = Path(__file__).resolve().parents[2] / "README.md"


def test_json_lists_every_control(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["controls", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [c["id"] for c in listed] == [c.id for c in all_controls()]
    assert all(c["rationale"] and c["remediation"] for c in listed)


def test_readme_table_matches_the_catalog() -> None:
    text = README.read_text()
    start = text.index("<!-- controls:start -->\n") + len("<!-- controls:start -->\n")
    end = text.index("<!-- controls:end -->")
    assert text[start:end] == render_markdown(all_controls()), (
        "README controls table is stale: regenerate with `airlock controls --format markdown`"
    )

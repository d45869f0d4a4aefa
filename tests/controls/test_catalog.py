"""The registry: every control is complete, uniquely named and titled alike."""

from __future__ import annotations

import re

import pytest

from airlock.controls.engine import run
from airlock.controls.model import Control, Layer, Settings, Status
from airlock.controls.registry import all_controls
from airlock.inventory.model import Inventory, SourceInfo, SourceKind
from airlock.obligations.model import Topic

CONTROLS = all_controls()
PREFIX = {
    Layer.NETWORK: "NET",
    Layer.ENCRYPTION: "ENC",
    Layer.IDENTITY: "IAM",
    Layer.AUDIT: "AUD",
    Layer.RESIDENCY: "RES",
    Layer.ISOLATION: "ISO",
    Layer.OPERATIONS: "OPS",
}
ID = re.compile(r"^AL-(NET|ENC|IAM|AUD|RES|ISO|OPS)-\d{3}$")


def _ids(control: Control) -> str:
    return control.id


def test_ids_are_unique_and_stable() -> None:
    ids = [c.id for c in CONTROLS]
    assert len(ids) == len(set(ids))
    assert [c.id for c in all_controls()] == ids


def test_every_layer_but_network_is_present() -> None:
    layers = {c.layer for c in CONTROLS}
    assert layers >= set(Layer) - {Layer.NETWORK}


def test_numbers_are_contiguous_per_layer() -> None:
    by_prefix: dict[str, list[int]] = {}
    for control in CONTROLS:
        prefix, number = control.id.split("-")[1:]
        by_prefix.setdefault(prefix, []).append(int(number))
    for prefix, numbers in by_prefix.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), prefix


@pytest.mark.parametrize("control", CONTROLS, ids=_ids)
def test_metadata(control: Control) -> None:
    assert ID.match(control.id), control.id
    assert control.id.split("-")[1] == PREFIX[control.layer]
    assert control.rationale.strip() and control.rationale.rstrip().endswith((".", ")"))
    assert control.remediation.strip() and control.remediation.rstrip().endswith((".", ")"))
    assert control.topics and all(isinstance(t, Topic) for t in control.topics)
    assert callable(control.check)
    assert all(isinstance(r, str) and r for r in control.references)


@pytest.mark.parametrize("control", CONTROLS, ids=_ids)
def test_title_style(control: Control) -> None:
    """A short statement of the desired state: capitalized, no final period, no double spaces."""
    title = control.title
    assert title == title.strip() and "  " not in title
    assert title[0].isupper(), title
    assert not title.endswith((".", "!", "?", ":")), title
    assert 10 <= len(title) <= 80, title


@pytest.mark.parametrize("kind", [SourceKind.CLOUDFORMATION, SourceKind.AWS], ids=["iac", "live"])
@pytest.mark.parametrize("control", CONTROLS, ids=_ids)
def test_every_control_answers_even_on_an_empty_inventory(
    control: Control, kind: SourceKind
) -> None:
    """Silence is not an answer: with nothing to judge a control still says so (UNKNOWN when
    the source cannot show what it needs, NOT_APPLICABLE when nothing applies). An empty
    template proves no violation; what it may prove is that it creates nothing forbidden."""
    source = SourceInfo(kind=kind, path="empty", account="111122223333", region="eu-west-1")
    findings = run([control], Inventory(source), Settings()).findings
    assert findings, f"{control.id} said nothing"
    if kind is SourceKind.CLOUDFORMATION:
        assert all(f.status is not Status.FAIL for f in findings), [f.reason for f in findings]
        passed = [f for f in findings if f.status is Status.PASS]
        assert all("exists in this inventory" in f.reason for f in passed), passed

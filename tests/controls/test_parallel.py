"""Two processes judge the catalog exactly as one does."""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path

import pytest

from airlock.controls import parallel
from airlock.controls.engine import run
from airlock.controls.model import Settings
from airlock.controls.registry import all_controls
from airlock.inventory.model import SourceKind
from airlock.reports import json_report
from airlock.sources import load

needs_fork = pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this platform")
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
ITEMS = [f"{group}{n}" for group in "abcde" for n in range(len("abcde") - "abcde".index(group))]


def _group(item: str) -> str:
    return item[0]


def test_halves_keep_groups_whole_and_balance_sizes() -> None:
    first, second = parallel.halves(ITEMS, _group)
    assert sorted(first + second) == sorted(ITEMS)
    assert not {_group(i) for i in first} & {_group(i) for i in second}
    assert abs(len(first) - len(second)) <= 1  # 5+2 / 4+3 here


def test_a_single_group_is_not_split() -> None:
    first, second = parallel.halves(["a1", "a2"], _group)
    assert (first, second) == (["a1", "a2"], [])
    assert parallel.judge_split(["a1", "a2"], lambda i: (i, os.getpid()), _group) == [
        ("a1", os.getpid()),
        ("a2", os.getpid()),
    ]


@needs_fork
def test_split_work_keeps_the_order_and_uses_two_processes() -> None:
    results = parallel.judge_split(ITEMS, lambda item: (item, os.getpid()), _group)
    assert [item for item, _ in results] == ITEMS
    pids = {pid for _, pid in results}
    assert os.getpid() in pids and len(pids) == 2


@needs_fork
@pytest.mark.parametrize(
    "in_child",
    [
        pytest.param(lambda item: 1 / 0, id="raises"),
        pytest.param(lambda item: os._exit(9), id="dies"),
        pytest.param(lambda item: (lambda: item), id="unpicklable"),
    ],
)
def test_a_failing_child_leaves_its_half_to_the_parent(
    in_child: Callable[[str], object],
) -> None:
    parent = os.getpid()

    def work(item: str) -> object:
        return (item, os.getpid()) if os.getpid() == parent else in_child(item)

    assert parallel.judge_split(ITEMS, work, _group) == [(item, parent) for item in ITEMS]


@needs_fork
@pytest.mark.parametrize(
    ("kind", "path"),
    [
        (SourceKind.CLOUDFORMATION, EXAMPLES / "cloudformation" / "leaky.yaml"),
        (SourceKind.TERRAFORM_PLAN, EXAMPLES / "terraform" / "leaky.plan.json"),
    ],
    ids=["cfn", "tf"],
)
def test_two_jobs_give_the_same_report(
    kind: SourceKind, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "usable", lambda: True)
    inventory = load(kind, str(path))
    one = run(all_controls(), inventory, Settings())
    two = run(all_controls(), inventory, Settings(), jobs=2)
    assert two == one
    assert json_report.render(two) == json_report.render(one)
    # what the child sends back survives the trip unchanged (else its half is judged twice)
    assert pickle.loads(pickle.dumps(one.findings)) == one.findings

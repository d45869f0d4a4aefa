"""Reference traversals: the dotted fast path gives the general parser's steps."""

from __future__ import annotations

import re

import pytest

from airlock.sources.terraform_plan import addresses
from airlock.sources.terraform_plan.addresses import traversal


@pytest.mark.parametrize(
    ("text", "steps"),
    [
        ("aws_vpc.main.id", [("attr", "aws_vpc"), ("attr", "main"), ("attr", "id")]),
        ("var.x-y", [("attr", "var"), ("attr", "x-y")]),
        ("local", [("attr", "local")]),
        ('module.net["eu"].id', [("attr", "module"), ("attr", "net"), ("index", "eu"), ("attr", "id")]),
        ("aws_subnet.a[0]", [("attr", "aws_subnet"), ("attr", "a"), ("index", 0)]),
        ("aws_subnet.a[*].id", [("attr", "aws_subnet"), ("attr", "a")]),
        ("aws_subnet.a.*.id", [("attr", "aws_subnet"), ("attr", "a")]),
        ("a.", None),
        (".a", None),
        ("a..b", None),
        ("9a", None),
        ("", None),
    ],
)  # fmt: skip
def test_traversal_steps(text: str, steps: list[tuple[str, object]] | None) -> None:
    assert traversal(text) == steps


@pytest.mark.parametrize("text", ["a", "a.b.c", "a_b.c-d.e9", "a.b[0]", "a.9", "a.b-", "a b"])
def test_fast_path_agrees_with_the_general_parser(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = traversal(text)
    monkeypatch.setattr(addresses, "_DOTTED", re.compile(r"(?!)"))
    assert traversal(text) == fast

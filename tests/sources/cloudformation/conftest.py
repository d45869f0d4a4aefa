"""Helpers: write a template to a temporary file and load it."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from airlock.inventory.model import Inventory
from airlock.sources.cloudformation import load

FIXTURES = Path(__file__).parent / "fixtures"

Loader = Callable[..., Inventory]


@pytest.fixture
def load_yaml(tmp_path: Path) -> Loader:
    """Load YAML text (dedented) as a template; keyword arguments go to ``load``."""

    def _load(text: str, name: str = "template.yaml", **kwargs: Any) -> Inventory:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return load(str(path), **kwargs)

    return _load


def resources(body: str) -> str:
    """A template whose Resources section is ``body`` (indented by the caller's 2 spaces)."""
    return "Resources:\n" + textwrap.indent(textwrap.dedent(body), "  ")

from __future__ import annotations

from pathlib import Path

import pytest

from airlock.inventory.model import Inventory
from airlock.sources.terraform_plan import load

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def airgap_modules() -> Inventory:
    """A new deployment built from modules (for_each, count, unknown ids, sensitive values)."""
    return load(str(FIXTURES / "airgap_modules.json"))


@pytest.fixture(scope="session")
def update_deletes() -> Inventory:
    """An existing deployment whose plan deletes configuring resources."""
    return load(str(FIXTURES / "update_deletes.json"))

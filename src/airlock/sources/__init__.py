"""Sources turn what the user points at into an :class:`~airlock.inventory.Inventory`.

Each source module exposes ``load(path: str) -> Inventory`` and raises
:class:`airlock.errors.InputError` (one line, naming the file and line) on bad input.
"""

from __future__ import annotations

from airlock.inventory.model import Inventory, SourceKind


def load(kind: SourceKind, path: str) -> Inventory:
    """Load an inventory from an offline source file."""
    if kind is SourceKind.CLOUDFORMATION:
        from airlock.sources.cloudformation import load as load_cloudformation

        return load_cloudformation(path)
    if kind is SourceKind.TERRAFORM_PLAN:
        from airlock.sources.terraform_plan import load as load_plan

        return load_plan(path)
    raise ValueError(f"no offline loader for source {kind.value}")

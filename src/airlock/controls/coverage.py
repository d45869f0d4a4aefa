"""What the absence of a resource from the inventory means.

A live account scan lists everything of a kind (unless a :class:`CoverageGap` says it could
not), so "no trail" means there is none. A template or plan describes one stack: account-wide
settings (trails, invocation logging, organization policies, alarms in a monitoring stack)
are often defined elsewhere, so their absence proves nothing.
"""

from __future__ import annotations

from airlock.inventory.model import CoverageGap, Inventory, SourceKind


def complete_view(inventory: Inventory) -> bool:
    """True when the inventory claims to list every resource of the account it read."""
    return inventory.source.kind is SourceKind.AWS


def gap(inventory: Inventory, *scopes: str) -> CoverageGap | None:
    """The first coverage gap whose scope is one of ``scopes`` (case-insensitive)."""
    wanted = {s.lower() for s in scopes}
    for item in inventory.gaps:
        if item.scope.lower() in wanted:
            return item
    return None


def absence_is_proof(inventory: Inventory, *scopes: str) -> bool:
    """Whether "not in the inventory" means "does not exist" for these scopes."""
    return complete_view(inventory) and gap(inventory, *scopes) is None

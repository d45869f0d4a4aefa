"""The resource model shared by every source; see :mod:`airlock.inventory.model`."""

from airlock.inventory.model import (
    CoverageGap,
    Inventory,
    Location,
    NamedPolicy,
    PolicyDocument,
    PolicyValue,
    Resource,
    SourceInfo,
    SourceKind,
    Unresolved,
    Val,
    is_unresolved,
)

__all__ = [
    "CoverageGap",
    "Inventory",
    "Location",
    "NamedPolicy",
    "PolicyDocument",
    "PolicyValue",
    "Resource",
    "SourceInfo",
    "SourceKind",
    "Unresolved",
    "Val",
    "is_unresolved",
]

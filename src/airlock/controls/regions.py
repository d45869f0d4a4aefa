"""The region a resource lives in, and resource kinds that have none (IAM is global)."""

from __future__ import annotations

from airlock.inventory.identity import (
    AccessKey,
    Group,
    InstanceProfile,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    Role,
    SamlProvider,
    ServiceSpecificCredential,
    User,
)
from airlock.inventory.model import Inventory, Resource, Unresolved

GLOBAL_KINDS: tuple[type[Resource], ...] = (
    Role, User, Group, ManagedPolicy, AccessKey, ServiceSpecificCredential, InstanceProfile,
    OidcProvider, SamlProvider, OrganizationPolicy,
)  # fmt: skip


def is_global(resource: Resource) -> bool:
    return isinstance(resource, GLOBAL_KINDS)


def region_of(inventory: Inventory, resource: Resource) -> tuple[str | None, bool]:
    """``(region, inherited)``: the resource's own region, else the source's.

    ``region`` is None when it cannot be known (unresolved, or a template whose region is
    chosen at deploy time).
    """
    own = resource.region
    if isinstance(own, str):
        return own, False
    if isinstance(own, Unresolved):
        return None, False
    source = inventory.source.region
    return (source if isinstance(source, str) else None), True

"""Every control, in a stable order: network, encryption, identity, audit, residency,
isolation, operations."""

from __future__ import annotations

from airlock.controls.catalog import (
    audit,
    audit_monitoring,
    audit_retention,
    encryption,
    encryption_keys,
    identity,
    identity_credentials,
    isolation,
    network,
    operations,
    residency,
)
from airlock.controls.model import Control

_MODULES = (
    network,
    encryption,
    encryption_keys,
    identity_credentials,
    identity,
    audit,
    audit_retention,
    audit_monitoring,
    residency,
    isolation,
    operations,
)


def all_controls() -> tuple[Control, ...]:
    return tuple(control for module in _MODULES for control in module.CONTROLS)

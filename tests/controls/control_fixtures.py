"""Small inventories and a runner for control tests.

Tests build resources directly; ``run`` calls a control's check on a fresh ScanContext, so
each test sees the verdicts before the engine merges them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airlock.controls.catalog import (
    audit,
    audit_monitoring,
    audit_retention,
    encryption,
    encryption_keys,
    identity,
    identity_credentials,
    isolation,
    operations,
    residency,
)
from airlock.controls.model import Control, ScanContext, Settings, Status, Verdict
from airlock.inventory.model import (
    CoverageGap,
    Inventory,
    Resource,
    SourceInfo,
    SourceKind,
    Unresolved,
)

ACCOUNT = "111122223333"
OTHER = "444455556666"
REGION = "eu-central-1"
U = Unresolved("from parameter KeyArn")
VPCE = "vpce-0abc123def456789a"
MODEL = "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"

_MODULES = (
    encryption, encryption_keys, identity_credentials, identity, audit, audit_retention,
    audit_monitoring, residency, isolation, operations,
)  # fmt: skip
CONTROLS: dict[str, Control] = {c.id: c for m in _MODULES for c in m.CONTROLS}


def inv(
    *resources: Resource,
    kind: SourceKind = SourceKind.CLOUDFORMATION,
    account: str | Unresolved | None = ACCOUNT,
    region: str | Unresolved | None = REGION,
    gaps: Iterable[CoverageGap] = (),
) -> Inventory:
    return Inventory(
        SourceInfo(kind, "template.yaml", account, region), list(resources), list(gaps)
    )


def live(*resources: Resource, **kwargs: Any) -> Inventory:
    return inv(*resources, kind=SourceKind.AWS, **kwargs)


def run(control_id: str, inventory: Inventory, settings: Settings | None = None) -> list[Verdict]:
    control = CONTROLS[control_id]
    return list(control.check(ScanContext(inventory, settings or Settings())))


def verdict(
    control_id: str,
    inventory: Inventory,
    subject: str | None = None,
    settings: Settings | None = None,
) -> Verdict:
    """The one verdict about ``subject`` (an inventory id; None: the account)."""
    verdicts = run(control_id, inventory, settings)
    wanted = subject if subject is not None else _account_id(inventory)
    found = [v for v in verdicts if v.subject.id == wanted]
    assert len(found) == 1, [(v.subject.id, v.status, v.reason) for v in verdicts]
    return found[0]


def status(
    control_id: str,
    inventory: Inventory,
    subject: str | None = None,
    settings: Settings | None = None,
) -> Status:
    return verdict(control_id, inventory, subject, settings).status


def _account_id(inventory: Inventory) -> str:
    account = inventory.source.account
    return account if isinstance(account, str) else inventory.source.path


def doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str | list[str] = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def trust(
    principal: dict[str, Any], action: str = "sts:AssumeRole", **extra: Any
) -> dict[str, Any]:
    return doc({"Effect": "Allow", "Principal": principal, "Action": action, **extra})


LAMBDA_TRUST = trust({"Service": "lambda.amazonaws.com"})

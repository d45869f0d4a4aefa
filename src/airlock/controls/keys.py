"""Resolve a KMS key reference and say what kind of key it is.

A reference is whatever a resource holds in its ``kms_key`` field: the id of a key, replica
or alias in the inventory, or the literal the user wrote (key ARN, key id, alias name or
alias ARN). ``None`` means no key was set, so the service's default applies (an AWS owned or
AWS managed key, which the caller names in ``default``).

Literals that are not in the inventory are classified by their form:

* ``alias/aws/...`` is an AWS managed key.
* Any other alias is customer managed: AWS does not let an alias point at an AWS managed key.
* A key ARN or key id is taken as customer managed. An ARN in another account is certainly
  customer managed (AWS managed keys cannot be used across accounts); in the same or an
  unknown account the form cannot tell, but AWS managed keys are referenced by their
  ``alias/aws/`` alias in practice, so the key is taken as customer managed and the finding
  says so. Its policy, rotation and region are judged where the key itself is scanned. When
  the inventory is a complete scan of the key's own account and the key is missing from it,
  the answer is UNKNOWN instead.
"""

from __future__ import annotations

import re
from enum import StrEnum

from msgspec import Struct

from airlock.controls.coverage import absence_is_proof
from airlock.controls.model import Subject, Verdict, failed, passed, unknown
from airlock.inventory.encryption import KmsAlias, KmsKey, KmsReplicaKey
from airlock.inventory.model import Inventory, Unresolved, Val


class KeyKind(StrEnum):
    CUSTOMER = "customer-managed"
    CUSTOMER_OUTSIDE = "customer-managed, outside the inventory"
    AWS_MANAGED = "aws-managed"
    DEFAULT = "service default"
    UNRESOLVED = "unresolved"


class KeyRef(Struct, frozen=True):
    kind: KeyKind
    #: the reference as the resource holds it (None: not set)
    ref: str | None
    key: KmsKey | KmsReplicaKey | None = None
    note: str = ""

    @property
    def customer_managed(self) -> bool:
        return self.kind in (KeyKind.CUSTOMER, KeyKind.CUSTOMER_OUTSIDE)

    @property
    def identity(self) -> str | None:
        """A stable name for the key: its inventory id, else the literal."""
        return self.key.id if self.key is not None else self.ref

    def shown(self) -> dict[str, str]:
        out = {"reference": self.ref or "(not set)", "kind": self.kind.value}
        if self.key is not None:
            out["key"] = self.key.id
        if self.note:
            out["note"] = self.note
        return out


_UUID = re.compile(
    r"^(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)
_ARN = re.compile(r"^arn:[^:]+:kms:([^:]*):([^:]*):(key|alias)/(.+)$")


def resolve_key(inventory: Inventory, ref: Val[str] | None, *, _depth: int = 0) -> KeyRef:
    if ref is None:
        return KeyRef(KeyKind.DEFAULT, None)
    if isinstance(ref, Unresolved):
        return KeyRef(KeyKind.UNRESOLVED, None, note=ref.reason)
    found = _find_key(inventory, ref)
    if found is not None:
        if isinstance(found, KmsKey) and found.manager.upper() == "AWS":
            return KeyRef(KeyKind.AWS_MANAGED, ref, found, "an AWS managed key")
        return KeyRef(KeyKind.CUSTOMER, ref, found)
    alias = _find_alias(inventory, ref)
    if alias is not None and _depth < 3:
        target = resolve_key(inventory, alias.target_key, _depth=_depth + 1)
        if target.kind is KeyKind.UNRESOLVED:
            return KeyRef(KeyKind.UNRESOLVED, ref, note=f"alias {alias.id}: {target.note}")
        return KeyRef(target.kind, ref, target.key, target.note or f"through alias {alias.id}")
    return _classify_literal(inventory, ref)


def _find_key(inventory: Inventory, ref: str) -> KmsKey | KmsReplicaKey | None:
    match = _ARN.match(ref)
    candidates = [ref]
    if match and match.group(3) == "key":
        candidates.append(match.group(4))
    for candidate in candidates:
        key: KmsKey | KmsReplicaKey | None = inventory.find(candidate, KmsKey)
        if key is None:
            key = inventory.find(candidate, KmsReplicaKey)
        if key is not None:
            return key
    return None


def _find_alias(inventory: Inventory, ref: str) -> KmsAlias | None:
    found = inventory.find(ref, KmsAlias)
    if found is not None:
        return found
    match = _ARN.match(ref)
    if match and match.group(3) == "alias":
        return inventory.find(f"alias/{match.group(4)}", KmsAlias)
    return None


def _classify_literal(inventory: Inventory, ref: str) -> KeyRef:
    match = _ARN.match(ref)
    name = f"{match.group(3)}/{match.group(4)}" if match else ref
    if name.startswith("alias/aws/"):
        return KeyRef(KeyKind.AWS_MANAGED, ref, note="an AWS managed key (alias/aws/...)")
    if name.startswith("alias/"):
        return KeyRef(
            KeyKind.CUSTOMER_OUTSIDE,
            ref,
            note="a customer alias outside this inventory (aliases cannot name AWS managed keys)",
        )
    key_id = name.removeprefix("key/")
    if not _UUID.match(key_id):
        return KeyRef(
            KeyKind.UNRESOLVED, ref, note=f"{ref!r} is not a recognisable KMS key reference"
        )
    key_account = match.group(2) if match else ""
    home = inventory.source.account
    if key_account and isinstance(home, str) and key_account != home:
        return KeyRef(
            KeyKind.CUSTOMER_OUTSIDE,
            ref,
            note=f"a key in account {key_account} (AWS managed keys cannot be used across accounts)",
        )
    if absence_is_proof(inventory, "kms", "AWS::KMS::Key") and (
        not key_account or key_account == home
    ):
        return KeyRef(
            KeyKind.UNRESOLVED,
            ref,
            note="the key is in the scanned account but not in its inventory",
        )
    return KeyRef(
        KeyKind.CUSTOMER_OUTSIDE,
        ref,
        note=(
            "a key ARN outside this inventory, taken as customer managed (AWS managed keys are "
            "referenced by their alias/aws/ alias); its policy is judged where the key is scanned"
        ),
    )


def judge_key(
    subject: Subject, inventory: Inventory, ref: Val[str] | None, *, what: str, default: str
) -> Verdict:
    """The verdict for "``what`` is encrypted with a customer-managed key".

    ``default`` says what applies when no key is set ("an AWS owned key").
    """
    key = resolve_key(inventory, ref)
    subject_ = what[:1].upper() + what[1:]
    if key.kind is KeyKind.CUSTOMER:
        return passed(
            subject,
            f"{subject_} is encrypted with customer-managed key {key.identity}.",
            key=key.shown(),
        )
    if key.kind is KeyKind.CUSTOMER_OUTSIDE:
        return passed(subject, f"{subject_} is encrypted with {key.note}.", key=key.shown())
    if key.kind is KeyKind.AWS_MANAGED:
        return failed(
            subject, f"{subject_} uses {key.note}, not a customer-managed key.", key=key.shown()
        )
    if key.kind is KeyKind.DEFAULT:
        return failed(
            subject, f"{subject_} sets no KMS key, so {default} protects it.", key=key.shown()
        )
    return unknown(
        subject, f"The key protecting {what} cannot be determined: {key.note}.", key=key.shown()
    )


def customer_keys(inventory: Inventory) -> list[KmsKey | KmsReplicaKey]:
    """The customer-managed keys and replicas in the inventory."""
    keys: list[KmsKey | KmsReplicaKey] = [
        k for k in inventory.of(KmsKey) if k.manager.upper() != "AWS"
    ]
    keys += inventory.of(KmsReplicaKey)
    return keys

"""Resolving a KMS key reference and classifying the key."""

from __future__ import annotations

import pytest
from control_fixtures import ACCOUNT, OTHER, U, inv, live

from airlock.controls.keys import KeyKind, resolve_key
from airlock.inventory.encryption import KmsAlias, KmsKey, KmsReplicaKey

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
KEY = KmsKey(id="Key", native_type="AWS::KMS::Key", aws_id=KEY_ID)
ALIAS = KmsAlias(id="Alias", native_type="AWS::KMS::Alias", name="alias/app", target_key="Key")


@pytest.mark.parametrize(
    ("ref", "kind"),
    [
        (None, KeyKind.DEFAULT),
        (U, KeyKind.UNRESOLVED),
        ("Key", KeyKind.CUSTOMER),
        (f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/{KEY_ID}", KeyKind.CUSTOMER),
        ("alias/app", KeyKind.CUSTOMER),
        (f"arn:aws:kms:eu-central-1:{ACCOUNT}:alias/app", KeyKind.CUSTOMER),
        ("alias/aws/s3", KeyKind.AWS_MANAGED),
        (f"arn:aws:kms:eu-central-1:{ACCOUNT}:alias/aws/logs", KeyKind.AWS_MANAGED),
        ("alias/elsewhere", KeyKind.CUSTOMER_OUTSIDE),
        (f"arn:aws:kms:eu-central-1:{OTHER}:key/{KEY_ID[:-1]}0", KeyKind.CUSTOMER_OUTSIDE),
        ("mrk-1234abcd12ab34cd56ef1234567890ab", KeyKind.CUSTOMER_OUTSIDE),
        ("not a key", KeyKind.UNRESOLVED),
    ],
)
def test_classification(ref: object, kind: KeyKind) -> None:
    assert resolve_key(inv(KEY, ALIAS), ref).kind is kind  # type: ignore[arg-type]


def test_alias_to_a_replica_and_to_an_unresolved_target() -> None:
    replica = KmsReplicaKey(id="Replica", native_type="AWS::KMS::ReplicaKey", primary_key="Key")
    to_replica = KmsAlias(
        id="A1", native_type="AWS::KMS::Alias", name="alias/r", target_key="Replica"
    )
    lost = KmsAlias(id="A2", native_type="AWS::KMS::Alias", name="alias/lost", target_key=U)
    inventory = inv(replica, to_replica, lost)
    resolved = resolve_key(inventory, "alias/r")
    assert resolved.kind is KeyKind.CUSTOMER and resolved.key is replica
    assert resolve_key(inventory, "alias/lost").kind is KeyKind.UNRESOLVED


def test_same_account_key_missing_from_a_live_scan_is_unresolved() -> None:
    ref = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/{KEY_ID[:-1]}0"
    assert resolve_key(live(KEY), ref).kind is KeyKind.UNRESOLVED
    assert resolve_key(inv(KEY), ref).kind is KeyKind.CUSTOMER_OUTSIDE

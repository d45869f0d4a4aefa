"""AL-ENC-012..016: key policies, rotation, size, purposes, decryption."""

from __future__ import annotations

from typing import Any

import pytest
from control_fixtures import ACCOUNT, OTHER, ROOT, U, doc, inv, live, status, verdict

from airlock.controls.model import Status
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import Agent, DataSource, InvocationLogging
from airlock.inventory.encryption import KmsGrant, KmsKey, KmsReplicaKey, S3Bucket, Secret
from airlock.inventory.identity import Role
from airlock.inventory.model import NamedPolicy

ADMIN = {
    "Sid": "Enable IAM policies",
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": "kms:*",
    "Resource": "*",
}
LOGS_SERVICE = {
    "Effect": "Allow",
    "Principal": {"Service": "logs.eu-central-1.amazonaws.com"},
    "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:GenerateDataKey*"],
    "Resource": "*",
    "Condition": {
        "ArnLike": {"kms:EncryptionContext:aws:logs:arn": f"arn:aws:logs:eu-central-1:{ACCOUNT}:*"}
    },
}
APP_ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"


def key(policy: Any = None, **kw: Any) -> KmsKey:
    return KmsKey(id="Key", native_type="AWS::KMS::Key", policy=policy, **kw)


# --- AL-ENC-012 ----------------------------------------------------------------------


def test_default_and_realistic_policies_have_no_open_principal() -> None:
    assert status("AL-ENC-012", inv(key()), "Key") is Status.PASS
    assert status("AL-ENC-012", inv(key(doc(ADMIN, LOGS_SERVICE))), "Key") is Status.PASS


@pytest.mark.parametrize(
    "condition",
    [
        {
            "StringEquals": {
                "kms:CallerAccount": ACCOUNT,
                "kms:ViaService": "s3.eu-central-1.amazonaws.com",
            }
        },
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        {"StringEquals": {"aws:SourceVpce": "vpce-1"}},
        # kms:CallerAccount is in every request an IAM principal makes, so IfExists does not
        # open the key to other accounts (the pattern check said it did)
        {"StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT}},
    ],
)
def test_wildcard_pinned_by_a_condition_is_not_open(condition: dict[str, Any]) -> None:
    stmt = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": condition,
    }
    assert status("AL-ENC-012", inv(key(doc(ADMIN, stmt))), "Key") is Status.PASS


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"StringEquals": {"kms:ViaService": "s3.eu-central-1.amazonaws.com"}},
        {"StringNotEqualsIfExists": {"kms:CallerAccount": ACCOUNT}},
        {"StringLike": {"aws:PrincipalArn": "*"}},
    ],
)
def test_wildcard_without_a_pinning_condition_is_open(condition: dict[str, Any] | None) -> None:
    stmt: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    if condition:
        stmt["Condition"] = condition
    found = verdict("AL-ENC-012", inv(key(doc(ADMIN, stmt))), "Key")
    assert found.status is Status.FAIL
    assert found.evidence["statements"][0]["Action"] == "kms:Decrypt"


def test_unresolved_policy_or_principal_is_unknown() -> None:
    assert status("AL-ENC-012", inv(key(U)), "Key") is Status.UNKNOWN
    stmt = {"Effect": "Allow", "Principal": {"AWS": U}, "Action": "kms:Decrypt", "Resource": "*"}
    assert status("AL-ENC-012", inv(key(doc(ADMIN, stmt))), "Key") is Status.UNKNOWN


def test_aws_managed_keys_are_not_applicable() -> None:
    managed = KmsKey(id="Key", native_type="AWS::KMS::Key", manager="AWS")
    assert status("AL-ENC-012", live(managed), "Key") is Status.NOT_APPLICABLE


# --- AL-ENC-013 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"rotation_enabled": True}, Status.PASS),
        ({"rotation_enabled": True, "rotation_period_days": 90}, Status.PASS),
        ({"rotation_enabled": True, "rotation_period_days": 730}, Status.FAIL),
        ({}, Status.FAIL),
        ({"rotation_enabled": False}, Status.FAIL),
        ({"rotation_enabled": U}, Status.UNKNOWN),
        ({"key_spec": U}, Status.UNKNOWN),
        ({"key_spec": "RSA_2048", "key_usage": "ENCRYPT_DECRYPT"}, Status.NOT_APPLICABLE),
        ({"key_spec": "HMAC_256", "key_usage": "GENERATE_VERIFY_MAC"}, Status.NOT_APPLICABLE),
    ],
)
def test_rotation(settings: dict[str, Any], expected: Status) -> None:
    assert status("AL-ENC-013", inv(key(**settings)), "Key") is expected


# --- AL-ENC-014 ----------------------------------------------------------------------


def _policy_of_size(statements: int) -> dict[str, Any]:
    roles = [
        f"arn:aws:iam::{ACCOUNT}:role/workload-role-with-a-long-name-{i:04d}"
        for i in range(statements)
    ]
    return doc(
        ADMIN,
        *(
            {
                "Effect": "Allow",
                "Principal": {"AWS": r},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                "Resource": "*",
            }
            for r in roles
        ),
    )


def test_policy_size() -> None:
    small = verdict("AL-ENC-014", inv(key(_policy_of_size(3))), "Key")
    assert small.status is Status.PASS
    assert small.evidence["bytes"] < 2000
    near = verdict("AL-ENC-014", inv(key(_policy_of_size(190))), "Key")
    assert near.status is Status.FAIL and 80 < near.evidence["percent"] <= 100
    over = verdict("AL-ENC-014", inv(key(_policy_of_size(260))), "Key")
    assert over.status is Status.FAIL and "over the 32,768-byte limit" in over.reason
    assert status("AL-ENC-014", inv(key(U)), "Key") is Status.UNKNOWN
    assert status("AL-ENC-014", inv(key()), "Key") is Status.PASS


def test_unresolved_values_are_counted_with_an_allowance() -> None:
    found = verdict("AL-ENC-014", inv(key(doc({**ADMIN, "Principal": {"AWS": U}}))), "Key")
    assert found.status is Status.PASS
    assert found.evidence["estimated"] is True


# --- AL-ENC-015 ----------------------------------------------------------------------


def test_one_key_for_audit_and_workload_data_fails() -> None:
    trail = Trail(id="Trail", native_type="AWS::CloudTrail::Trail", kms_key="Key")
    secret = Secret(id="Secret", native_type="AWS::SecretsManager::Secret", kms_key="Key")
    found = verdict("AL-ENC-015", inv(key(), trail, secret), "Key")
    assert found.status is Status.FAIL
    assert set(found.evidence["purposes"]) == {"audit trail", "secrets"}


def test_one_key_for_many_workload_purposes_fails() -> None:
    items = [
        Secret(id="S", native_type="AWS::SecretsManager::Secret", kms_key="Key"),
        Agent(id="A", native_type="AWS::Bedrock::Agent", kms_key="Key"),
        DataSource(id="D", native_type="AWS::Bedrock::DataSource", kms_key="Key"),
        S3Bucket(id="B", native_type="AWS::S3::Bucket"),
        KmsKey(id="Other", native_type="AWS::KMS::Key"),
    ]
    from airlock.inventory.bedrock import CustomModel

    items.append(CustomModel(id="M", native_type="AWS::Bedrock::CustomModel", kms_key="Key"))
    assert status("AL-ENC-015", inv(key(), *items), "Key") is Status.FAIL
    assert status("AL-ENC-015", inv(key(), *items), "Other") is Status.PASS


def _four_purposes() -> list[Any]:
    from airlock.inventory.bedrock import CustomModel

    return [
        Secret(id="S", native_type="AWS::SecretsManager::Secret", kms_key="Key"),
        Agent(id="A", native_type="AWS::Bedrock::Agent", kms_key="Key"),
        DataSource(id="D", native_type="AWS::Bedrock::DataSource", kms_key="Key"),
        CustomModel(id="M", native_type="AWS::Bedrock::CustomModel", kms_key="Key"),
    ]


def test_many_purposes_fail_for_their_blast_radius_not_a_size_the_policy_does_not_have() -> None:
    small = key(doc(ADMIN, LOGS_SERVICE))
    found = verdict("AL-ENC-015", inv(small, *_four_purposes()), "Key")
    assert found.status is Status.FAIL
    assert "one set of grants" in found.reason and "32 KB" not in found.reason
    assert found.evidence["policy_percent_of_limit"] < 5
    assert status("AL-ENC-014", inv(small), "Key") is Status.PASS


def test_many_purposes_name_the_size_when_the_policy_is_measured_near_the_limit() -> None:
    readers = [f"arn:aws:iam::{ACCOUNT}:role/reader-with-a-long-name-{i:04d}" for i in range(500)]
    big = {
        "Effect": "Allow",
        "Principal": {"AWS": readers},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    found = verdict("AL-ENC-015", inv(key(doc(ADMIN, big)), *_four_purposes()), "Key")
    assert found.status is Status.FAIL
    assert found.evidence["policy_percent_of_limit"] > 80
    assert f"{found.evidence['policy_percent_of_limit']}% of the 32 KB limit" in found.reason


def test_dedicated_keys_pass_and_unresolvable_usage_is_unknown() -> None:
    logging = InvocationLogging(id="L", native_type="Custom::Logging", s3_bucket="B")
    bucket = S3Bucket(id="B", native_type="AWS::S3::Bucket", sse_algorithm="aws:kms", kms_key="Key")
    assert status("AL-ENC-015", inv(key(), logging, bucket), "Key") is Status.PASS
    lost = Secret(id="S", native_type="AWS::SecretsManager::Secret", kms_key=U)
    assert status("AL-ENC-015", inv(lost)) is Status.UNKNOWN


# --- AL-ENC-016 ----------------------------------------------------------------------


def test_named_principals_only_passes() -> None:
    # no kms:Create*: it holds kms:CreateGrant, and a principal that may create a grant can
    # grant itself Decrypt (test_key_decryption.py)
    admin_only = {
        **ADMIN,
        "Action": ["kms:Describe*", "kms:Put*", "kms:ScheduleKeyDeletion"],
    }
    app = {
        "Effect": "Allow",
        "Principal": {"AWS": APP_ROLE},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    grant = KmsGrant(
        id="G",
        native_type="AWS::KMS::Grant",
        key="Key",
        grantee_principal=f"arn:aws:iam::{ACCOUNT}:role/ir",
        operations=("Decrypt",),
    )
    found = verdict("AL-ENC-016", inv(key(doc(admin_only, app, LOGS_SERVICE)), grant), "Key")
    assert found.status is Status.PASS
    assert APP_ROLE in found.evidence["named"] and found.evidence["grantees"] == [
        f"arn:aws:iam::{ACCOUNT}:role/ir"
    ]


def test_root_delegation_is_unknown_until_identity_policies_are_evaluated() -> None:
    found = verdict("AL-ENC-016", inv(key(doc(ADMIN))), "Key")
    assert found.status is Status.UNKNOWN
    assert f"account {ACCOUNT}" in found.reason
    assert status("AL-ENC-016", inv(key()), "Key") is Status.UNKNOWN


def test_deny_guard_limits_delegation_to_named_roles() -> None:
    guard = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"ArnNotLike": {"aws:PrincipalArn": [APP_ROLE]}},
    }
    found = verdict("AL-ENC-016", inv(key(doc(ADMIN, guard))), "Key")
    assert found.status is Status.PASS
    assert found.evidence["named"] == [APP_ROLE]


def test_live_scan_resolves_the_delegation_through_identity_policies() -> None:
    arn = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    reader = Role(
        id="Reader",
        native_type="AWS::IAM::Role",
        arn=APP_ROLE,
        inline_policies=(
            NamedPolicy("read", doc({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": arn})),
        ),
    )
    other = Role(
        id="Other",
        native_type="AWS::IAM::Role",
        inline_policies=(
            NamedPolicy("s3", doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})),
        ),
    )
    found = verdict(
        "AL-ENC-016",
        live(KmsKey(id="Key", native_type="AWS::KMS::Key", arn=arn), reader, other),
        "Key",
    )
    assert found.status is Status.PASS
    assert found.evidence["through_iam"] == [APP_ROLE]


def test_open_decrypt_fails_and_replicas_are_judged() -> None:
    opened = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:*", "Resource": "*"}
    assert status("AL-ENC-016", inv(key(doc(opened))), "Key") is Status.FAIL
    replica = KmsReplicaKey(
        id="Replica", native_type="AWS::KMS::ReplicaKey", primary_key="Key", policy=doc(opened)
    )
    assert status("AL-ENC-016", inv(key(), replica), "Replica") is Status.FAIL
    assert status("AL-ENC-012", inv(key(), replica), "Replica") is Status.FAIL


def test_cross_account_delegation_is_reported() -> None:
    partner = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    found = verdict("AL-ENC-016", inv(key(doc(partner))), "Key")
    assert found.status is Status.UNKNOWN
    assert f"account {OTHER}" in found.evidence["delegated"]

"""AL-ISO-001..003: Nitro Enclave attestation when the operator is in the threat model."""

from __future__ import annotations

from typing import Any

from control_fixtures import (
    ACCOUNT,
    LAMBDA_TRUST,
    MODEL,
    ROOT,
    U,
    allow,
    doc,
    inv,
    status,
    trust,
    verdict,
)

from airlock.controls.model import Settings, Status
from airlock.inventory.bedrock import Agent
from airlock.inventory.compute import Instance
from airlock.inventory.encryption import KmsKey
from airlock.inventory.identity import InstanceProfile, Role
from airlock.inventory.model import NamedPolicy

OPERATOR = Settings(operator_in_threat_model=True)
IMAGE = "a" * 96
ENCLAVE_ROLE = f"arn:aws:iam::{ACCOUNT}:role/enclave"
ADMIN_ONLY = {
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": ["kms:Describe*", "kms:Put*"],
    "Resource": "*",
}
# CDK v1's default key-admin statement: kms:Create* holds kms:CreateGrant
CDK_V1_ADMIN = {**ADMIN_ONLY, "Action": ["kms:Create*", "kms:Describe*", "kms:Put*"]}
# grants only an AWS service creates for its own resource (EBS, RDS...)
RESOURCE_GRANTS = {
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
    "Resource": "*",
    "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
}
ATTESTED = {
    "Effect": "Allow",
    "Principal": {"AWS": ENCLAVE_ROLE},
    "Action": "kms:Decrypt",
    "Resource": "*",
    "Condition": {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": IMAGE}},
}
SERVICE_PATH = {
    "Effect": "Allow",
    "Principal": {"AWS": ROOT},
    "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
    "Resource": "*",
    "Condition": {
        "StringEquals": {
            "kms:ViaService": "bedrock.eu-central-1.amazonaws.com",
            "kms:CallerAccount": ACCOUNT,
        }
    },
}
AGENT = Agent(id="Agent", native_type="AWS::Bedrock::Agent", kms_key="Key")
GUARD = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "kms:Decrypt",
    "Resource": "*",
    "Condition": {
        "StringNotEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": IMAGE},
        "Null": {"kms:ViaService": "true"},
    },
}


def key(policy: Any) -> KmsKey:
    return KmsKey(id="Key", native_type="AWS::KMS::Key", policy=policy)


def test_not_in_the_threat_model() -> None:
    for control in ("AL-ISO-001", "AL-ISO-002", "AL-ISO-003"):
        assert status(control, inv(key(None), AGENT)) is Status.NOT_APPLICABLE


# --- AL-ISO-001 ----------------------------------------------------------------------


def test_attested_direct_paths_pass_and_service_paths_are_exempt() -> None:
    policy = doc(ADMIN_ONLY, RESOURCE_GRANTS, ATTESTED, SERVICE_PATH)
    assert status("AL-ISO-001", inv(key(policy), AGENT), "Key", OPERATOR) is Status.PASS


def test_unattested_direct_paths_fail() -> None:
    assert status("AL-ISO-001", inv(key(None), AGENT), "Key", OPERATOR) is Status.FAIL
    plain = {**ATTESTED, "Condition": {}}
    found = verdict("AL-ISO-001", inv(key(doc(ADMIN_ONLY, plain)), AGENT), "Key", OPERATOR)
    assert found.status is Status.FAIL
    assert found.evidence["statements"][0]["Principal"] == {"AWS": ENCLAVE_ROLE}


def test_deny_guard_passes_and_unresolved_policy_is_unknown() -> None:
    full_admin = {**ADMIN_ONLY, "Action": "kms:*"}
    assert (
        status("AL-ISO-001", inv(key(doc(full_admin, GUARD)), AGENT), "Key", OPERATOR)
        is Status.PASS
    )
    assert status("AL-ISO-001", inv(key(U), AGENT), "Key", OPERATOR) is Status.UNKNOWN
    assert status("AL-ISO-001", inv(key(None)), settings=OPERATOR) is Status.NOT_APPLICABLE


def test_a_grant_the_caller_creates_for_itself_is_an_unattested_path() -> None:
    # kms:Create* holds CreateGrant: a caller grants itself Decrypt, and a grant cannot
    # require attestation
    found = verdict("AL-ISO-001", inv(key(doc(CDK_V1_ADMIN, ATTESTED)), AGENT), "Key", OPERATOR)
    assert found.status is Status.FAIL
    assert "kms:CreateGrant" in found.reason
    assert found.evidence["through_grants"] == [CDK_V1_ADMIN]
    # AL-ISO-002 names the unattested path too
    found = verdict("AL-ISO-002", inv(key(doc(CDK_V1_ADMIN, ATTESTED))), "Key", OPERATOR)
    assert found.status is Status.FAIL and "unattested path" in found.reason
    # an explicit Deny overrides grants: the guard still settles it
    guarded = doc(CDK_V1_ADMIN, ATTESTED, GUARD)
    assert status("AL-ISO-001", inv(key(guarded), AGENT), "Key", OPERATOR) is Status.PASS


def test_grants_limited_to_aws_resources_or_other_operations_are_not_paths() -> None:
    no_decrypt = {
        **RESOURCE_GRANTS,
        "Condition": {
            "ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "GenerateDataKey"]}
        },
    }
    attested_grant = {**ATTESTED, "Action": ["kms:Decrypt", "kms:CreateGrant"]}
    for limited in (RESOURCE_GRANTS, no_decrypt, attested_grant):
        policy = doc(ADMIN_ONLY, limited, ATTESTED)
        found = verdict("AL-ISO-001", inv(key(policy), AGENT), "Key", OPERATOR)
        assert found.status is Status.PASS, limited
    # a grant of Decrypt among other operations is one
    with_decrypt = {
        **RESOURCE_GRANTS,
        "Condition": {"ForAnyValue:StringEquals": {"kms:GrantOperations": ["Decrypt"]}},
    }
    found = verdict(
        "AL-ISO-001", inv(key(doc(ADMIN_ONLY, with_decrypt, ATTESTED)), AGENT), "Key", OPERATOR
    )
    assert found.status is Status.FAIL
    assert found.evidence["through_grants"] == [with_decrypt]


# --- AL-ISO-002 ----------------------------------------------------------------------


def test_debug_mode() -> None:
    assert status("AL-ISO-002", inv(key(doc(ADMIN_ONLY, ATTESTED))), "Key", OPERATOR) is Status.PASS
    zeros = {
        **ATTESTED,
        "Condition": {"StringEqualsIgnoreCase": {"kms:RecipientAttestation:PCR0": "0" * 96}},
    }
    assert status("AL-ISO-002", inv(key(doc(ADMIN_ONLY, zeros))), "Key", OPERATOR) is Status.FAIL
    wildcard = {
        **ATTESTED,
        "Condition": {"StringLike": {"kms:RecipientAttestation:ImageSha384": "*"}},
    }
    assert status("AL-ISO-002", inv(key(doc(ADMIN_ONLY, wildcard))), "Key", OPERATOR) is Status.FAIL
    side_door = {
        **ATTESTED,
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ops"},
        "Condition": {},
    }
    found = verdict("AL-ISO-002", inv(key(doc(ADMIN_ONLY, ATTESTED, side_door))), "Key", OPERATOR)
    assert found.status is Status.FAIL and "unattested path" in found.reason
    assert status("AL-ISO-002", inv(key(U)), "Key", OPERATOR) is Status.UNKNOWN
    assert status("AL-ISO-002", inv(key(None)), settings=OPERATOR) is Status.NOT_APPLICABLE


# --- AL-ISO-003 ----------------------------------------------------------------------


def _instance(enabled: Any, profile: Any = "Profile") -> Instance:
    return Instance(
        id="Box",
        native_type="AWS::EC2::Instance",
        instance_profile=profile,
        enclave_enabled=enabled,
    )


def test_instances_that_call_bedrock() -> None:
    caller = Role(
        id="Caller",
        native_type="AWS::IAM::Role",
        trust_policy=trust({"Service": "ec2.amazonaws.com"}),
        inline_policies=(NamedPolicy("invoke", doc(allow("bedrock:InvokeModel", MODEL))),),
    )
    profile = InstanceProfile(
        id="Profile", native_type="AWS::IAM::InstanceProfile", roles=("Caller",)
    )
    assert (
        status("AL-ISO-003", inv(caller, profile, _instance(True)), "Box", OPERATOR) is Status.PASS
    )
    assert (
        status("AL-ISO-003", inv(caller, profile, _instance(None)), "Box", OPERATOR) is Status.FAIL
    )
    assert (
        status("AL-ISO-003", inv(caller, profile, _instance(U)), "Box", OPERATOR) is Status.UNKNOWN
    )
    assert status("AL-ISO-003", inv(_instance(True, profile=U)), "Box", OPERATOR) is Status.UNKNOWN
    idle = Role(id="Caller", native_type="AWS::IAM::Role", trust_policy=LAMBDA_TRUST)
    assert (
        status("AL-ISO-003", inv(idle, profile, _instance(False)), "Box", OPERATOR)
        is Status.NOT_APPLICABLE
    )
    assert status("AL-ISO-003", inv(), settings=OPERATOR) is Status.NOT_APPLICABLE

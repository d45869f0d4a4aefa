"""AL-ISO-001..003: Nitro Enclave attestation when the operator is in the threat model."""

from __future__ import annotations

from typing import Any

import pytest
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


def test_a_key_only_services_decrypt_with_says_so() -> None:
    found = verdict("AL-ISO-001", inv(key(doc(ADMIN_ONLY, SERVICE_PATH)), AGENT), "Key", OPERATOR)
    assert found.status is Status.PASS and "only AWS services decrypt with it" in found.reason


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
    # AL-ISO-002 judges the attestation check, which refuses debug mode; it only points at
    # the unattested path (before, it failed the key for it)
    found = verdict("AL-ISO-002", inv(key(doc(CDK_V1_ADMIN, ATTESTED))), "Key", OPERATOR)
    assert found.status is Status.PASS
    assert "AL-ISO-001" in found.reason and "through a grant" in found.reason
    assert found.evidence["unattested_statements"] == [CDK_V1_ADMIN]
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
    assert status("AL-ISO-002", inv(key(U)), "Key", OPERATOR) is Status.UNKNOWN
    assert status("AL-ISO-002", inv(key(None)), settings=OPERATOR) is Status.NOT_APPLICABLE
    # a key without any attestation check is AL-ISO-001's alone
    plain = {**ATTESTED, "Condition": {}}
    assert (
        status("AL-ISO-002", inv(key(doc(ADMIN_ONLY, plain))), settings=OPERATOR)
        is Status.NOT_APPLICABLE
    )


def test_an_unattested_path_beside_a_pinned_check_is_left_to_iso_001() -> None:
    # before, AL-ISO-002 failed this key: "any enclave or host can use the unattested path";
    # only the role the statement names can, and AL-ISO-001 fails it for that
    side_door = {
        **ATTESTED,
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ops"},
        "Condition": {},
    }
    policy = doc(ADMIN_ONLY, ATTESTED, side_door)
    found = verdict("AL-ISO-002", inv(key(policy)), "Key", OPERATOR)
    assert found.status is Status.PASS
    assert "AL-ISO-001" in found.reason and "any enclave or host" not in found.reason
    assert found.evidence["unattested_statements"] == [side_door]
    assert status("AL-ISO-001", inv(key(policy), AGENT), "Key", OPERATOR) is Status.FAIL


def test_a_named_key_admin_with_create_beside_a_pinned_pcr0() -> None:
    # the reviewer's key: the admin's kms:Create* is a self-grant path (AL-ISO-001), and the
    # only Decrypt statement pins PCR0 to a release measurement
    admin = {
        "Sid": "KeyAdministration",
        "Effect": "Allow",
        "Principal": {"AWS": [f"arn:aws:iam::{ACCOUNT}:role/platform-kms-admin"]},
        "Action": ["kms:Create*", "kms:Describe*", "kms:Put*", "kms:Get*"],
        "Resource": "*",
    }
    pcr0 = {**ATTESTED, "Condition": {"StringEqualsIgnoreCase": {PCR0: "d4f1a6" + "b" * 90}}}
    found = verdict("AL-ISO-002", inv(key(doc(admin, pcr0))), "Key", OPERATOR)
    assert found.status is Status.PASS
    assert found.evidence["unattested_statements"] == [admin]
    found = verdict("AL-ISO-001", inv(key(doc(admin, pcr0)), AGENT), "Key", OPERATOR)
    assert found.status is Status.FAIL and found.evidence["through_grants"] == [admin]


PCR0 = "kms:RecipientAttestation:PCR0"
ZEROS = "0" * 96


def _allowed_if(condition: dict[str, Any]) -> dict[str, Any]:
    return {**ATTESTED, "Condition": condition}


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {PCR0: "0*"}},  # a pattern the zeros match
        {"StringNotEquals": {PCR0: IMAGE}},  # anything but the release image
        {"Null": {PCR0: "false"}},  # any attestation document at all
        {"StringEqualsIgnoreCase": {PCR0: [IMAGE, ZEROS]}},  # release or debug
    ],
)
def test_an_allow_that_zeros_satisfy_fails(condition: dict[str, Any]) -> None:
    found = verdict(
        "AL-ISO-002", inv(key(doc(ADMIN_ONLY, _allowed_if(condition)))), "Key", OPERATOR
    )
    assert found.status is Status.FAIL
    # the condition, values as a list
    assert [list(c) for c in found.evidence["conditions"]] == [list(condition)]


def test_checks_that_refuse_zeros_pass() -> None:
    # a condition the zeros fail refuses debug mode, whatever else the statement holds
    both = _allowed_if(
        {"StringEqualsIgnoreCase": {PCR0: IMAGE, "kms:RecipientAttestation:PCR1": ZEROS}}
    )
    # a Deny of the debug measurement only ever refuses (before, its zeros failed the key)
    no_debug = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"StringEquals": {PCR0: ZEROS}},
    }
    for policy in (doc(ADMIN_ONLY, both), doc(ADMIN_ONLY, ATTESTED, no_debug)):
        assert status("AL-ISO-002", inv(key(policy)), "Key", OPERATOR) is Status.PASS, policy


def test_a_guard_that_lets_zeros_through_fails() -> None:
    full_admin = {**ADMIN_ONLY, "Action": "kms:*"}
    assert status("AL-ISO-002", inv(key(doc(full_admin, GUARD))), "Key", OPERATOR) is Status.PASS
    debug_too = {
        **GUARD,
        "Condition": {
            "StringNotEqualsIgnoreCase": {"kms:RecipientAttestation:ImageSha384": [IMAGE, ZEROS]},
            "Null": {"kms:ViaService": "true"},
        },
    }
    presence = {
        **GUARD,
        "Condition": {"Null": {PCR0: "true", "kms:ViaService": "true"}},
    }
    for guard in (debug_too, presence):
        found = verdict("AL-ISO-002", inv(key(doc(full_admin, guard))), "Key", OPERATOR)
        assert found.status is Status.FAIL, guard
        # AL-ISO-001 asks only that a direct Decrypt carries attestation
        assert (
            status("AL-ISO-001", inv(key(doc(full_admin, guard)), AGENT), "Key", OPERATOR)
            is Status.PASS
        )


def test_an_unresolved_measurement_is_unknown() -> None:
    lost = _allowed_if({"StringEqualsIgnoreCase": {PCR0: U}})
    found = verdict("AL-ISO-002", inv(key(doc(ADMIN_ONLY, lost))), "Key", OPERATOR)
    assert found.status is Status.UNKNOWN
    assert found.evidence["statements"][0]["Condition"] == lost["Condition"]
    # a pinned condition beside it settles the statement
    pinned = _allowed_if(
        {"StringEqualsIgnoreCase": {PCR0: U, "kms:RecipientAttestation:PCR8": IMAGE}}
    )
    assert status("AL-ISO-002", inv(key(doc(ADMIN_ONLY, pinned))), "Key", OPERATOR) is Status.PASS


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

"""AL-ENC-016 as a proof: who can decrypt, through the key policy, IAM and grants."""

from __future__ import annotations

from typing import Any

import pytest
from control_fixtures import ACCOUNT, OTHER, ROOT, U, doc, inv, live, status, verdict

from airlock.controls.model import Status
from airlock.inventory.compute import LambdaFunction
from airlock.inventory.encryption import KmsGrant, KmsKey
from airlock.inventory.identity import Role
from airlock.inventory.model import NamedPolicy

KEY_ARN = f"arn:aws:kms:eu-central-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess"
ROOT_ALL = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*", "Resource": "*"}


def key(*statements: dict[str, Any]) -> KmsKey:
    policy = doc(*statements) if statements else None
    return KmsKey(id="Key", native_type="AWS::KMS::Key", arn=KEY_ARN, policy=policy)


def role(name: str, *statements: dict[str, Any], **kw: Any) -> Role:
    inline = (NamedPolicy(name, doc(*statements)),) if statements else ()
    return Role(
        id=name.capitalize(),
        native_type="AWS::IAM::Role",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        inline_policies=inline,
        **kw,
    )


def decrypt(resource: str = "*") -> dict[str, Any]:
    return {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": resource}


FUNCTION = LambdaFunction(
    id="Fn", native_type="AWS::Lambda::Function", role="App", kms_key="Key", in_vpc=True
)


def test_an_administrator_that_does_not_use_the_key_fails() -> None:
    app = role("app", decrypt())
    admin = role("admin", managed_policies=(ADMIN_POLICY,))
    found = verdict("AL-ENC-016", live(key(ROOT_ALL), app, admin, FUNCTION), "Key")
    assert found.status is Status.FAIL
    # named by its logical id (a template's role ARN may hold a deploy-time token)
    assert found.reason.startswith("Role Admin can decrypt")
    assert found.evidence["proof"]["principal"] == f"arn:aws:iam::{ACCOUNT}:role/admin"
    deciding = found.evidence["proof"]["deciding"]
    assert {d["policy"] for d in deciding} >= {"AdministratorAccess", "key policy"}
    assert f"arn:aws:iam::{ACCOUNT}:role/app" in found.evidence["named"]


def test_principals_that_use_the_key_or_name_it_pass() -> None:
    app = role("app", decrypt())
    reader = role("reader", decrypt(KEY_ARN))
    found = verdict("AL-ENC-016", live(key(ROOT_ALL), app, reader, FUNCTION), "Key")
    assert found.status is Status.PASS
    assert sorted(found.evidence["through_iam"]) == [
        f"arn:aws:iam::{ACCOUNT}:role/app",
        f"arn:aws:iam::{ACCOUNT}:role/reader",
    ]
    expected = {d["principal"]: d["expected"] for d in found.evidence["decryptors"]}
    assert expected[f"arn:aws:iam::{ACCOUNT}:role/app"].startswith("it uses the key")
    assert expected[f"arn:aws:iam::{ACCOUNT}:role/reader"] == "its own policy names this key"


def test_a_template_cannot_rule_out_other_principals_but_still_fails_a_proven_one() -> None:
    admin = role("admin", managed_policies=(ADMIN_POLICY,))
    assert status("AL-ENC-016", inv(key(ROOT_ALL), admin), "Key") is Status.FAIL
    found = verdict("AL-ENC-016", inv(key(ROOT_ALL), role("app", decrypt()), FUNCTION), "Key")
    assert found.status is Status.UNKNOWN
    assert "principals this inventory does not list" in found.reason


def test_a_deny_for_everyone_else_settles_a_template() -> None:
    guard = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app"}},
    }
    app = role("app", decrypt())
    admin = role("admin", managed_policies=(ADMIN_POLICY,))
    found = verdict("AL-ENC-016", inv(key(ROOT_ALL, guard), app, admin, FUNCTION), "Key")
    assert found.status is Status.PASS
    assert found.evidence["named"] == [f"arn:aws:iam::{ACCOUNT}:role/app"]


def test_a_service_named_without_a_condition_fails() -> None:
    logs = {
        "Effect": "Allow",
        "Principal": {"Service": "logs.amazonaws.com"},
        "Action": "kms:Decrypt",
        "Resource": "*",
    }
    found = verdict("AL-ENC-016", live(key(logs)), "Key")
    assert found.status is Status.FAIL
    assert "logs.amazonaws.com" in found.reason and "without a condition" in found.reason


def test_grants() -> None:
    ir = role("ir")
    grant = KmsGrant(
        id="G",
        native_type="AWS::KMS::Grant",
        key="Key",
        grantee_principal=f"arn:aws:iam::{ACCOUNT}:role/ir",
        operations=("Decrypt",),
    )
    admin_only = {**ROOT_ALL, "Action": ["kms:Describe*", "kms:Put*"]}
    found = verdict("AL-ENC-016", live(key(admin_only), ir, grant), "Key")
    assert found.status is Status.PASS
    assert f"arn:aws:iam::{ACCOUNT}:role/ir" in found.evidence["named"]
    lost = KmsGrant(
        id="G",
        native_type="AWS::KMS::Grant",
        key="Key",
        grantee_principal=U,
        operations=("Decrypt",),
    )
    assert status("AL-ENC-016", live(key(admin_only), lost), "Key") is Status.UNKNOWN


def test_unresolved_key_policy_values_are_unknown() -> None:
    odd = {"Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:Decrypt", "Resource": U}
    found = verdict("AL-ENC-016", live(key(odd)), "Key")
    assert found.status is Status.UNKNOWN
    assert "from parameter KeyArn" in found.reason


# --- Principal * for the key's own account through services ------------------------------

S3 = "s3.eu-central-1.amazonaws.com"
BEDROCK = "bedrock.eu-central-1.amazonaws.com"


def everyone(condition: dict[str, Any], action: Any = "kms:Decrypt") -> dict[str, Any]:
    return {
        "Sid": "ServicesOnBehalfOfAccount",
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": action,
        "Resource": "*",
        "Condition": condition,
    }


THROUGH_SERVICES = everyone(
    {"StringEquals": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": [BEDROCK, S3]}},
    ["kms:Decrypt", "kms:GenerateDataKey*", "kms:DescribeKey", "kms:CreateGrant"],
)
NAMED_APP = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
    "Action": "kms:Decrypt",
    "Resource": "*",
}


def test_the_account_through_services_is_a_delegation_not_a_failure() -> None:
    # roles that use logs or replication only: before, each "could decrypt" and failed
    logs = role("logs", {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"})
    found = verdict("AL-ENC-016", live(key(NAMED_APP, THROUGH_SERVICES), role("app"), logs), "Key")
    assert found.status is Status.UNKNOWN
    assert "kms:ViaService" in found.reason and "kms:CallerAccount" in found.reason
    assert S3 in found.reason and BEDROCK in found.reason
    assert found.evidence["unexpected"] == []
    assert found.evidence["via_services"] == [BEDROCK, S3]
    assert found.evidence["named"] == [f"arn:aws:iam::{ACCOUNT}:role/app"]


def test_the_account_through_services_beside_a_root_delegation_names_both() -> None:
    found = verdict("AL-ENC-016", inv(key(ROOT_ALL, THROUGH_SERVICES), role("app")), "Key")
    assert found.status is Status.UNKNOWN
    assert "principals this inventory does not list" in found.reason
    assert "kms:ViaService" in found.reason


def test_a_proven_decryptor_outside_the_services_still_fails() -> None:
    admin = role("admin", managed_policies=(ADMIN_POLICY,))
    found = verdict("AL-ENC-016", live(key(ROOT_ALL, THROUGH_SERVICES), admin), "Key")
    assert found.status is Status.FAIL
    # named by its logical id (a template's role ARN may hold a deploy-time token)
    assert found.reason.startswith("Role Admin can decrypt")
    assert found.evidence["proof"]["principal"] == f"arn:aws:iam::{ACCOUNT}:role/admin"
    # its counterexample is a direct call, not one through the services the account may use
    assert found.evidence["proof"]["counterexample"].get("kms:ViaService") not in (S3, BEDROCK)


@pytest.mark.parametrize(
    "condition",
    [
        # the whole account, directly: any role of it calls Decrypt with the key policy alone
        {"StringEquals": {"kms:CallerAccount": ACCOUNT}},
        # a pattern of services: left to the questions, judged as written
        {"StringEquals": {"kms:CallerAccount": ACCOUNT}, "StringLike": {"kms:ViaService": "*"}},
        # the services may be used from the account, but IfExists does not require it
        {"StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT, "kms:ViaService": S3}},
    ],
)
def test_other_shapes_of_everyone_in_the_account_are_judged_as_written(
    condition: dict[str, Any],
) -> None:
    found = verdict("AL-ENC-016", live(key(NAMED_APP, everyone(condition)), role("idle")), "Key")
    assert found.status is Status.FAIL
    assert "via_services" not in found.evidence
    unexpected = {d["principal"] for d in found.evidence["unexpected"]}
    assert f"arn:aws:iam::{ACCOUNT}:role/idle" in unexpected


def test_everyone_through_services_without_the_account_stays_open() -> None:
    opened = everyone({"StringEquals": {"kms:ViaService": S3}})
    found = verdict("AL-ENC-016", live(key(NAMED_APP, opened), role("app")), "Key")
    assert found.status is Status.FAIL
    assert found.reason.startswith("Anyone in any account can decrypt")
    assert status("AL-ENC-012", live(key(NAMED_APP, opened)), "Key") is Status.FAIL


def test_another_account_through_services_is_not_the_key_account_delegation() -> None:
    other = everyone({"StringEquals": {"kms:CallerAccount": OTHER, "kms:ViaService": S3}})
    found = verdict("AL-ENC-016", live(key(NAMED_APP, other), role("app")), "Key")
    assert "via_services" not in found.evidence
    assert "kms:ViaService" not in found.reason


def test_a_grant_only_condition_never_allows_decrypt() -> None:
    # the documented OpenSearch Serverless statement: KMS sets kms:GrantIsForAWSResource only
    # on CreateGrant, ListGrants and RevokeGrant, so it gives no role Decrypt
    aoss = everyone(
        {
            "StringEquals": {
                "kms:CallerAccount": ACCOUNT,
                "kms:ViaService": "aoss.eu-central-1.amazonaws.com",
            },
            "Bool": {"kms:GrantIsForAWSResource": "true"},
        },
        ["kms:Decrypt", "kms:GenerateDataKey", "kms:CreateGrant", "kms:DescribeKey"],
    )
    found = verdict("AL-ENC-016", live(key(NAMED_APP, aoss), role("app"), role("idle")), "Key")
    assert found.status is Status.PASS
    assert "via_services" not in found.evidence
    named_grant = {
        **NAMED_APP,
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/idle"},
        "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}},
    }
    found = verdict("AL-ENC-016", live(key(NAMED_APP, named_grant), role("idle")), "Key")
    assert found.status is Status.PASS
    assert [d["principal"] for d in found.evidence["decryptors"]] == []


def test_a_key_of_another_account_delegates_to_that_account() -> None:
    foreign = KmsKey(
        id="Key",
        native_type="AWS::KMS::Key",
        arn=f"arn:aws:kms:eu-central-1:{OTHER}:key/1234",
        account=OTHER,
        policy=doc({**ROOT_ALL, "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}}),
    )
    # even a live scan of the workload account lists no principal of the key's account
    found = verdict("AL-ENC-016", live(foreign, role("app")), "Key")
    assert found.status is Status.UNKNOWN
    assert found.evidence["delegated"] == [f"account {OTHER}"]


# --- a grant the principal creates for itself (kms:CreateGrant) --------------------------

# CDK v1's default key-admin statement: kms:Create* holds kms:CreateGrant, not kms:Decrypt
CDK_V1_ADMIN = {**ROOT_ALL, "Action": ["kms:Create*", "kms:Describe*", "kms:Put*"]}
CREATE_GRANT = {"Effect": "Allow", "Action": "kms:CreateGrant", "Resource": "*"}


def test_a_principal_that_may_create_a_grant_decrypts_through_it() -> None:
    granter = role("granter", CREATE_GRANT)
    found = verdict("AL-ENC-016", live(key(CDK_V1_ADMIN, NAMED_APP), role("app"), granter), "Key")
    assert found.status is Status.FAIL
    assert found.reason.startswith("Role Granter can decrypt")
    assert "through a grant it can create" in found.reason
    create = found.evidence["proof"]["create_grant"]
    assert create["action"] == "kms:CreateGrant" and create["status"] == "ALLOW"
    assert create["counterexample"]["kms:grantoperations"] == ["Decrypt"]
    assert (
        create["counterexample"]["kms:granteeprincipal"] == f"arn:aws:iam::{ACCOUNT}:role/granter"
    )
    policies = {d.get("policy") for d in found.evidence["proof"]["deciding"]}
    assert {"granter", "key policy"} <= policies
    shown = {d["principal"]: d for d in found.evidence["decryptors"]}
    assert shown[f"arn:aws:iam::{ACCOUNT}:role/granter"]["through"] == "a grant it can create"
    assert "through" not in shown[f"arn:aws:iam::{ACCOUNT}:role/app"]


def test_a_template_with_the_cdk_v1_admin_statement_delegates_to_iam() -> None:
    # the reviewer's case: before, "limited to 1 expected principal(s)"
    found = verdict("AL-ENC-016", inv(key(CDK_V1_ADMIN, NAMED_APP), role("app")), "Key")
    assert found.status is Status.UNKNOWN
    assert found.evidence["delegated"] == [f"account {ACCOUNT}"]
    assert "principals this inventory does not list" in found.reason
    root = {d["principal"]: d for d in found.evidence["decryptors"]}[ROOT]
    assert root["expected"] == "the key policy names the account root"
    assert root["through"] == "a grant it can create"


@pytest.mark.parametrize(
    "condition",
    [
        # only an AWS service creates such grants, for its own resource
        {"Bool": {"kms:GrantIsForAWSResource": "true"}},
        # grants without Decrypt
        {"ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "GenerateDataKey"]}},
        # grants to the named role only
        {"StringEquals": {"kms:GranteePrincipal": f"arn:aws:iam::{ACCOUNT}:role/app"}},
    ],
)
def test_create_grant_limited_to_resources_operations_or_grantees_passes(
    condition: dict[str, Any],
) -> None:
    limited = {**ROOT_ALL, "Action": "kms:CreateGrant", "Condition": condition}
    admin = {**ROOT_ALL, "Action": ["kms:Describe*", "kms:Put*"]}
    granter = role("granter", CREATE_GRANT)
    inventory = live(key(admin, limited, NAMED_APP), role("app"), granter)
    found = verdict("AL-ENC-016", inventory, "Key")
    assert found.status is Status.PASS, found.reason
    assert found.evidence["named"] == [f"arn:aws:iam::{ACCOUNT}:role/app"]


def test_a_grant_of_decrypt_among_other_operations_is_a_path() -> None:
    # ForAnyValue: the grant may hold Decrypt beside the required operation
    condition = {"ForAnyValue:StringEquals": {"kms:GrantOperations": "Encrypt"}}
    limited = {**ROOT_ALL, "Action": "kms:CreateGrant", "Condition": condition}
    granter = role("granter", CREATE_GRANT)
    found = verdict("AL-ENC-016", live(key(limited), granter), "Key")
    assert found.status is Status.FAIL
    assert "through a grant it can create" in found.reason


def test_a_deny_overrides_the_grant_a_principal_creates() -> None:
    guard = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "kms:Decrypt",
        "Resource": "*",
        "Condition": {"ArnNotEquals": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/app"}},
    }
    granter = role("granter", CREATE_GRANT)
    inventory = inv(key(CDK_V1_ADMIN, NAMED_APP, guard), role("app"), granter)
    found = verdict("AL-ENC-016", inventory, "Key")
    assert found.status is Status.PASS, found.reason
    assert found.evidence["named"] == [f"arn:aws:iam::{ACCOUNT}:role/app"]


def test_a_principal_named_for_create_grant_is_expected() -> None:
    named = {**NAMED_APP, "Action": "kms:CreateGrant"}
    found = verdict("AL-ENC-016", live(key(named), role("app")), "Key")
    assert found.status is Status.PASS
    decryptor = found.evidence["decryptors"][0]
    assert decryptor["expected"] == "the key policy names it for kms:CreateGrant"
    assert decryptor["through"] == "a grant it can create"


def test_an_unreadable_create_grant_condition_is_unknown() -> None:
    lost = {
        **NAMED_APP,
        "Action": "kms:CreateGrant",
        "Condition": {"StringEquals": {"kms:GranteePrincipal": U}},
    }
    found = verdict("AL-ENC-016", live(key(lost), role("app")), "Key")
    assert found.status is Status.UNKNOWN
    assert "through a grant it can create" in found.reason


# --- a named principal whose own access cannot be read ----------------------------------


def unreadable(name: str) -> Role:
    """A role whose identity policy is known only after apply."""
    return Role(
        id=name.capitalize(),
        native_type="AWS::IAM::Role",
        arn=f"arn:aws:iam::{ACCOUNT}:role/{name}",
        inline_policies=(NamedPolicy("invoke", U),),
    )


ADMIN_ROLE = {
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/kms-admin"},
    "Action": ["kms:Describe*", "kms:Put*", "kms:Get*", "kms:List*"],
    "Resource": "*",
}


def test_a_principal_the_key_policy_names_for_decrypt_is_expected_even_unread() -> None:
    # no delegation to IAM: its identity policy decides only whether it decrypts itself
    found = verdict("AL-ENC-016", inv(key(ADMIN_ROLE, NAMED_APP), unreadable("app")), "Key")
    assert found.status is Status.PASS, found.reason
    assert "whether they can decrypt cannot be read" in found.reason
    (decryptor,) = found.evidence["decryptors"]
    assert decryptor["status"] == "UNKNOWN"
    assert decryptor["expected"] == "the key policy or a grant names it"
    assert found.evidence["named"] == []  # it is not known to decrypt


def test_a_principal_a_grant_names_is_expected_even_unread() -> None:
    grant = KmsGrant(
        id="G",
        native_type="AWS::KMS::Grant",
        key="Key",
        grantee_principal=f"arn:aws:iam::{ACCOUNT}:role/app",
        operations=("Decrypt",),
    )
    found = verdict("AL-ENC-016", inv(key(ADMIN_ROLE), unreadable("app"), grant), "Key")
    assert found.status is Status.PASS, found.reason


def test_an_unread_principal_stays_unknown_when_the_key_delegates_to_iam() -> None:
    # named or not, the root statement lets identity policies add decryptors
    for policy in (key(ROOT_ALL, NAMED_APP), key(ROOT_ALL)):
        found = verdict("AL-ENC-016", inv(policy, unreadable("app")), "Key")
        assert found.status is Status.UNKNOWN
    # a live scan lists every principal, but one it cannot read may be unexpected
    found = verdict("AL-ENC-016", live(key(ROOT_ALL), unreadable("app")), "Key")
    assert found.status is Status.UNKNOWN
    assert "role App: " in found.reason and "cannot be read" in found.reason


def test_an_unread_principal_named_only_through_everyone_stays_unknown() -> None:
    # Principal * pinned to the app by a condition: not named by ARN
    pinned = {
        **NAMED_APP,
        "Principal": {"AWS": "*"},
        "Condition": {"StringEquals": {"aws:PrincipalArn": [f"arn:aws:iam::{ACCOUNT}:role/app"]}},
    }
    found = verdict("AL-ENC-016", live(key(ADMIN_ROLE, pinned), unreadable("app")), "Key")
    assert found.status is Status.UNKNOWN

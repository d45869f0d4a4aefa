"""AL-ENC-016 as a proof: who can decrypt, through the key policy, IAM and grants."""

from __future__ import annotations

from typing import Any

from control_fixtures import ACCOUNT, ROOT, U, doc, inv, live, status, verdict

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
    assert found.reason.startswith(f"Principal arn:aws:iam::{ACCOUNT}:role/admin can decrypt")
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

"""IAM and organization split resources: inline policies, attachments, memberships."""

from __future__ import annotations

import json
from pathlib import Path

from airlock.inventory.identity import (
    AccessKey,
    Group,
    InstanceProfile,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    Role,
    ServiceSpecificCredential,
    User,
)
from airlock.inventory.model import Unresolved

from .plans import Plan, const, ref

NOOP = ("no-op",)
DELETE = ("delete",)
DOC = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "bedrock:InvokeModel", "Resource": "*"}],
    }
)
FULL = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
)


def _role(plan: Plan, **values: object) -> Plan:
    base = {"id": "app", "name": "app", "arn": "arn:aws:iam::123456789012:role/app", "assume_role_policy": TRUST,
            "inline_policy": [], "managed_policy_arns": []}  # fmt: skip
    return plan.resource(
        "aws_iam_role.app", {**base, **values}, actions=NOOP, expressions={"name": const("app")}
    )


def _load_role(tmp_path: Path, plan: Plan) -> Role:
    role = plan.load(tmp_path).get("aws_iam_role.app", Role)
    assert role is not None
    return role


def test_inline_policy_resources_join_the_role(tmp_path: Path) -> None:
    plan = _role(Plan())
    plan.resource("aws_iam_role_policy.invoke", {"role": "app", "name": "invoke", "policy": DOC}, unknown={"id": True},
                  expressions={"role": ref("aws_iam_role.app.name")})  # fmt: skip
    plan.resource("aws_iam_role_policy.bad", {"role": "app", "name": "bad", "policy": "{not json"}, unknown={"id": True},
                  expressions={"role": ref("aws_iam_role.app.id")})  # fmt: skip
    role = _load_role(tmp_path, plan)
    assert [p.name for p in role.inline_policies] == ["invoke", "bad"]
    assert isinstance(role.inline_policies[0].document, dict)
    assert isinstance(role.inline_policies[1].document, Unresolved)
    assert role.trust_policy is not None and not isinstance(role.trust_policy, Unresolved)


def test_deleted_inline_policy_leaves_the_role(tmp_path: Path) -> None:
    plan = _role(
        Plan(), inline_policy=[{"name": "old", "policy": DOC}, {"name": "kept", "policy": DOC}]
    )
    plan.resource(
        "aws_iam_role_policy.old",
        {"id": "app:old", "role": "app", "name": "old", "policy": DOC},
        actions=DELETE,
    )
    role = _load_role(tmp_path, plan)
    assert [p.name for p in role.inline_policies] == ["kept"]  # made out of band: still there


def test_attachments_on_roles_and_the_policy_side(tmp_path: Path) -> None:
    plan = _role(Plan(), managed_policy_arns=[FULL])
    plan.resource("aws_iam_policy.scoped", {"name": "scoped", "policy": DOC}, unknown={"id": True, "arn": True},
                  expressions={"name": const("scoped")})  # fmt: skip
    plan.resource("aws_iam_role_policy_attachment.scoped", {"role": "app"}, unknown={"id": True, "policy_arn": True},
                  expressions={"role": ref("aws_iam_role.app.name"), "policy_arn": ref("aws_iam_policy.scoped.arn")})  # fmt: skip
    plan.resource(
        "aws_iam_role_policy_attachment.full", {"role": "app", "policy_arn": FULL}, actions=DELETE
    )
    inventory = plan.load(tmp_path)
    role = inventory.get("aws_iam_role.app", Role)
    policy = inventory.get("aws_iam_policy.scoped", ManagedPolicy)
    assert role is not None and role.managed_policies == ("aws_iam_policy.scoped",)
    assert policy is not None and policy.roles == ("aws_iam_role.app",)
    assert policy.configured_by == ("aws_iam_role_policy_attachment.scoped",)


def test_shared_policy_attachment_users_groups_and_memberships(tmp_path: Path) -> None:
    plan = Plan()
    for name in ("alice", "bob"):
        plan.resource(
            f"aws_iam_user.{name}", {"id": name, "name": name}, actions=NOOP, expressions={}
        )
    plan.resource(
        "aws_iam_group.devs", {"id": "devs", "name": "devs"}, actions=NOOP, expressions={}
    )
    _role(plan)
    plan.resource("aws_iam_policy_attachment.shared", {"name": "shared", "policy_arn": FULL, "roles": ["app"],
                  "users": ["alice"], "groups": ["devs"]}, unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource(
        "aws_iam_user_policy.inline",
        {"user": "bob", "name": "x", "policy": DOC},
        unknown={"id": True},
        expressions={},
    )
    plan.resource("aws_iam_group_policy_attachment.g", {"group": "devs", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
                  unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_iam_group_membership.devs", {"name": "m", "group": "devs", "users": ["alice", "bob"]},
                  unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource(
        "aws_iam_user_group_membership.bob", {"user": "bob", "groups": ["ops"]}, actions=DELETE
    )
    plan.resource(
        "aws_iam_user_login_profile.alice",
        {"user": "alice"},
        unknown={"id": True, "password": True},
        expressions={},
    )
    inventory = plan.load(tmp_path)
    alice = inventory.get("aws_iam_user.alice", User)
    bob = inventory.get("aws_iam_user.bob", User)
    devs = inventory.get("aws_iam_group.devs", Group)
    role = inventory.get("aws_iam_role.app", Role)
    assert (
        alice is not None
        and alice.managed_policies == (FULL,)
        and alice.groups == ("aws_iam_group.devs",)
    )
    assert alice.has_console_password is True
    assert (
        bob is not None
        and bob.groups == ("aws_iam_group.devs",)
        and [p.name for p in bob.inline_policies] == ["x"]
    )
    assert devs is not None and set(devs.managed_policies) == {
        FULL,
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    }
    assert role is not None and role.managed_policies == (FULL,)


def test_attachment_to_an_unresolvable_principal_is_a_gap(tmp_path: Path) -> None:
    plan = Plan().resource("aws_iam_role_policy_attachment.a", {"policy_arn": FULL}, unknown={"id": True, "role": True},
                           expressions={"role": ref("local.role_name")})  # fmt: skip
    inventory = plan.load(tmp_path)
    (gap,) = inventory.gaps
    assert gap.resource_id == "aws_iam_role_policy_attachment.a"
    assert gap.reason.startswith("cannot tell what aws_iam_role_policy_attachment.a configures")


def test_exclusive_resources_keep_only_what_they_list(tmp_path: Path) -> None:
    plan = _role(Plan(), inline_policy=[{"name": "keep", "policy": DOC}, {"name": "drift", "policy": DOC}],
                 managed_policy_arns=[FULL, "arn:aws:iam::aws:policy/ReadOnlyAccess"])  # fmt: skip
    plan.resource(
        "aws_iam_role_policies_exclusive.x",
        {"role_name": "app", "policy_names": ["keep"]},
        actions=NOOP,
        expressions={},
    )
    plan.resource("aws_iam_role_policy_attachments_exclusive.x", {"role_name": "app",
                  "policy_arns": ["arn:aws:iam::aws:policy/ReadOnlyAccess"]}, actions=NOOP, expressions={})  # fmt: skip
    role = _load_role(tmp_path, plan)
    assert [p.name for p in role.inline_policies] == ["keep"]
    assert role.managed_policies == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)


def test_credentials_providers_and_profiles(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_iam_user.ci", {"name": "ci"}, unknown={"id": True, "arn": True}, expressions={}
    )
    plan.resource("aws_iam_access_key.ci", {"status": "Active"}, unknown={"id": True, "user": True, "secret": True},
                  sensitive={"secret": True}, expressions={"user": ref("aws_iam_user.ci.name")})  # fmt: skip
    plan.resource("aws_iam_service_specific_credential.bedrock", {"user_name": "ci", "service_name": "bedrock.amazonaws.com"},
                  unknown={"id": True}, expressions={"user_name": ref("aws_iam_user.ci.name")})  # fmt: skip
    plan.resource("aws_iam_openid_connect_provider.gh", {"url": "https://token.actions.githubusercontent.com",
                  "client_id_list": ["sts.amazonaws.com"]}, unknown={"id": True, "arn": True}, expressions={})  # fmt: skip
    _role(plan)
    plan.resource("aws_iam_instance_profile.p", {"name": "p"}, unknown={"id": True, "role": True},
                  expressions={"role": ref("aws_iam_role.app.name")})  # fmt: skip
    inventory = plan.load(tmp_path)
    key = inventory.get("aws_iam_access_key.ci", AccessKey)
    assert key is not None and key.user == "aws_iam_user.ci" and key.status == "Active"
    credential = inventory.get(
        "aws_iam_service_specific_credential.bedrock", ServiceSpecificCredential
    )
    assert credential is not None and credential.service_name == "bedrock.amazonaws.com"
    assert credential.user == "aws_iam_user.ci"
    oidc = inventory.get("aws_iam_openid_connect_provider.gh", OidcProvider)
    assert oidc is not None and oidc.client_ids == ("sts.amazonaws.com",)
    profile = inventory.get("aws_iam_instance_profile.p", InstanceProfile)
    assert profile is not None and profile.roles == ("aws_iam_role.app",)


def test_organization_policies_and_attachments(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource("aws_organizations_policy.deny", {"name": "deny", "type": "SERVICE_CONTROL_POLICY", "content": DOC},
                  unknown={"id": True, "arn": True}, expressions={})  # fmt: skip
    plan.resource("aws_organizations_policy_attachment.root", {"target_id": "r-abcd"}, unknown={"id": True, "policy_id": True},
                  expressions={"policy_id": ref("aws_organizations_policy.deny.id")})  # fmt: skip
    plan.resource(
        "aws_organizations_policy_attachment.old",
        {"policy_id": "p-old", "target_id": "ou-1"},
        actions=DELETE,
    )
    policy = plan.load(tmp_path).get("aws_organizations_policy.deny", OrganizationPolicy)
    assert (
        policy is not None
        and policy.targets == ("r-abcd",)
        and policy.policy_type == "SERVICE_CONTROL_POLICY"
    )
    assert isinstance(policy.document, dict)


def test_user_and_group_policy_variants_live_and_deleted(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource("aws_iam_user.u", {"id": "u", "name": "u"}, actions=NOOP, expressions={})
    plan.resource("aws_iam_group.g", {"id": "g", "name": "g"}, actions=NOOP, expressions={})
    plan.resource(
        "aws_iam_user_policy_attachment.keep",
        {"user": "u", "policy_arn": FULL},
        unknown={"id": True},
        expressions={},
    )
    plan.resource("aws_iam_user_policy_attachment.gone", {"user": "u", "policy_arn": "arn:aws:iam::aws:policy/IAMFullAccess"},
                  actions=DELETE)  # fmt: skip
    plan.resource(
        "aws_iam_group_policy.inline",
        {"group": "g", "name": "inline", "policy": DOC},
        unknown={"id": True},
        expressions={},
    )
    plan.resource(
        "aws_iam_user_policy.gone", {"user": "u", "name": "old", "policy": DOC}, actions=DELETE
    )
    inventory = plan.load(tmp_path)
    user = inventory.get("aws_iam_user.u", User)
    group = inventory.get("aws_iam_group.g", Group)
    assert user is not None and user.managed_policies == (FULL,) and user.inline_policies == ()
    assert group is not None and [p.name for p in group.inline_policies] == ["inline"]
    assert user.configured_by == ("aws_iam_user_policy_attachment.keep",)

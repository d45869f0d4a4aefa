"""Small builders for policy documents and principals used across the policy tests."""

from __future__ import annotations

from typing import Any

from airlock.analysis.policy import PolicyDocument, PolicyKind, Principal

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/app"
USER_ARN = f"arn:aws:iam::{ACCOUNT}:user/alice"
BUCKET = "arn:aws:s3:::audit-logs"
OBJECT = "arn:aws:s3:::audit-logs/2024/01/01/log.json.gz"
KEY = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MODEL = "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"


def stmt(
    effect: str = "Allow", action: Any = "*", resource: Any = "*", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"Effect": effect}
    if action is not None:
        body["Action"] = action
    if resource is not None:
        body["Resource"] = resource
    body.update(extra)
    return body


def doc(
    *statements: dict[str, Any], kind: PolicyKind = PolicyKind.IDENTITY, name: str = "p"
) -> PolicyDocument:
    parsed = PolicyDocument.parse(
        {"Version": "2012-10-17", "Statement": list(statements)}, kind, name
    )
    assert not parsed.all_issues, parsed.all_issues
    return parsed


def allow(
    action: Any = "*",
    resource: Any = "*",
    kind: PolicyKind = PolicyKind.IDENTITY,
    name: str = "allow",
    **extra: Any,
) -> PolicyDocument:
    return doc(stmt("Allow", action, resource, **extra), kind=kind, name=name)


def deny(
    action: Any = "*",
    resource: Any = "*",
    kind: PolicyKind = PolicyKind.IDENTITY,
    name: str = "deny",
    **extra: Any,
) -> PolicyDocument:
    return doc(stmt("Deny", action, resource, **extra), kind=kind, name=name)


def role(tags: dict[str, str] | None = None, arn: str = ROLE_ARN, **extra: Any) -> Principal:
    return Principal.role(arn, tags or {}, **extra)


def user(arn: str = USER_ARN, tags: dict[str, str] | None = None) -> Principal:
    return Principal.user(arn, tags or {})


FULL_ACCESS_SCP = allow(kind=PolicyKind.SCP, name="FullAWSAccess")

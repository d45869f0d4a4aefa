"""Pattern-level policy reading: statements, wildcards, ARNs, template placeholders."""

from __future__ import annotations

import pytest
from control_fixtures import U

from airlock.controls.key_policy import restricts, root_account
from airlock.controls.models import (
    ModelKind,
    parse_model_ref,
    reaches_global_profile,
    unscoped_model_resource,
)
from airlock.controls.statements import (
    arn_match,
    arns_intersect,
    glob_match,
    globs_intersect,
    parse_policy,
    parse_statement,
    split_arn,
    widen,
)
from airlock.inventory.model import Unresolved


def test_statement_normalization() -> None:
    stmt = parse_statement(
        {
            "Effect": "Allow",
            "Action": "BEDROCK:invokeModel",
            "Resource": ["*", U],
            "Condition": {"Bool": {"aws:SecureTransport": True}},
        }
    )
    assert stmt.covers_action("bedrock:InvokeModel") is True
    assert stmt.covers_action("bedrock:InvokeAgent") is False
    assert "Resource" in stmt.unresolved
    assert stmt.conditions[0].values == ("true",)


def test_not_action_and_unresolved_actions() -> None:
    not_action = parse_statement({"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"})
    assert not_action.covers_action("bedrock:InvokeModel") is True
    assert not_action.covers_action("iam:PassRole") is False
    lost = parse_statement({"Effect": "Allow", "Action": [U], "Resource": "*"})
    assert lost.covers_action("bedrock:InvokeModel") is None


def test_statements_compare_and_hash_without_what_was_written() -> None:
    one = parse_statement({"Effect": "Deny", "Action": "s3:*", "Resource": "*"})
    two = parse_statement({"Effect": "Deny", "Action": ["s3:*"], "Resource": ["*"], "Sid": None})
    assert one.raw != two.raw
    assert one == two and hash(one) == hash(two)
    assert (one != two) is False
    assert one != parse_statement({"Effect": "Allow", "Action": "s3:*", "Resource": "*"})
    assert one.__struct_fields__[-1] == "raw"  # Statement._compared drops the last field
    policies = {parse_policy({"Statement": [stmt.raw]}) for stmt in (one, two)}
    assert len(policies) == 1  # ParsedPolicy hashes its statements


def test_policy_documents() -> None:
    assert parse_policy(None) is None
    assert isinstance(parse_policy(U), Unresolved)
    assert isinstance(parse_policy("{not json"), Unresolved)
    single = parse_policy('{"Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}')
    assert not isinstance(single, Unresolved) and single is not None and len(single.denies) == 1


def test_condition_shapes() -> None:
    stmt = parse_statement(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:CallerAccount": "111122223333"},
                "StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"},
                "ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-1"},
            },
        }
    )
    account, vpce, org = stmt.conditions
    assert account.requires_key and restricts(account)
    assert (
        vpce.negated and vpce.if_exists and vpce.base == "StringNotEquals" and not vpce.requires_key
    )
    assert org.qualifier == "ForAllValues" and not org.requires_key and not restricts(org)


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/*", True),
        ("arn:aws:s3:::c/*", "arn:aws:s3:::b/*", False),
        ("arn:aws:s3:::b", "arn:aws:s3:::b/*", False),
        ("a?c", "abc", True),
        ("*", "anything", True),
    ],
)
def test_glob_intersection(left: str, right: str, expected: bool) -> None:
    assert globs_intersect(left, right) is expected


def test_arns_are_matched_segment_by_segment() -> None:
    assert arn_match(
        "arn:aws:bedrock:*::foundation-model/*", "arn:aws:bedrock:eu-west-1::foundation-model/x:0"
    )
    value = "arn:aws:bedrock:eu-west-1:222:inference-profile/x:1:y"
    assert glob_match("arn:aws:bedrock:*:1:*", value)  # a plain glob runs across colons
    assert not arn_match("arn:aws:bedrock:*:1:*", value)
    assert not arns_intersect(
        "arn:aws:bedrock:eu-central-1::foundation-model/*",
        "arn:*:bedrock:*:*:inference-profile/global.*",
    )


def test_template_placeholders() -> None:
    assert split_arn("arn:aws:iam::${AWS::AccountId}:root") == [
        "arn",
        "aws",
        "iam",
        "",
        "${AWS::AccountId}",
        "root",
    ]
    assert root_account("arn:aws:iam::${AWS::AccountId}:root") == "${AWS::AccountId}"
    assert root_account("111122223333") == "111122223333"
    assert widen("arn:aws:s3:::${Bucket}/${aws:username}/*") == "arn:aws:s3:::*/${aws:username}/*"


@pytest.mark.parametrize(
    ("value", "kind", "region", "geo"),
    [
        (
            "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-v2:1",
            ModelKind.FOUNDATION_MODEL,
            "eu-central-1",
            None,
        ),
        (
            "arn:aws:bedrock:::foundation-model/anthropic.claude-v2:1",
            ModelKind.FOUNDATION_MODEL,
            "",
            None,
        ),
        (
            "arn:aws:bedrock:${AWS::Region}::foundation-model/x.y",
            ModelKind.FOUNDATION_MODEL,
            None,
            None,
        ),
        (
            "arn:aws:bedrock:us-east-1:1:inference-profile/us.meta.llama3-1-70b-instruct-v1:0",
            ModelKind.SYSTEM_PROFILE,
            "us-east-1",
            "us",
        ),
        (
            "arn:aws:bedrock:us-east-1:1:application-inference-profile/abc",
            ModelKind.APPLICATION_PROFILE,
            "us-east-1",
            None,
        ),
        ("apac.amazon.nova-lite-v1:0", ModelKind.SYSTEM_PROFILE, None, "apac"),
        ("eu.guardrail.v1:0", ModelKind.GUARDRAIL_PROFILE, None, "eu"),
        ("amazon.titan-embed-text-v2:0", ModelKind.FOUNDATION_MODEL, None, None),
    ],
)
def test_model_references(value: str, kind: ModelKind, region: str | None, geo: str | None) -> None:
    ref = parse_model_ref(value)
    assert ref is not None and (ref.kind, ref.region, ref.geo) == (kind, region, geo)


def test_non_model_references() -> None:
    assert parse_model_ref("arn:aws:bedrock:eu-central-1:1:agent/ABC") is None
    assert parse_model_ref("arn:aws:s3:::bucket") is None
    assert parse_model_ref("*") is None


def test_scope_and_global_reach() -> None:
    assert unscoped_model_resource("arn:aws:bedrock:*:*:inference-profile/*")
    assert not unscoped_model_resource(
        "arn:aws:bedrock:${AWS::Region}::foundation-model/${ModelId}"
    )
    assert not unscoped_model_resource("arn:aws:s3:::b/*")
    assert reaches_global_profile("*")
    assert reaches_global_profile("arn:aws:bedrock:eu-central-1:1:inference-profile/*")
    assert not reaches_global_profile("arn:aws:bedrock:eu-central-1:1:inference-profile/eu.*")

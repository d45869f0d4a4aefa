"""CloudFormation deploy-time tokens in policy text are literal, not IAM policy variables.

A template's policies say ``arn:aws:s3:::${LogsBucket}/*`` or ``${AWS::AccountId}`` (the
CloudFormation source keeps ``Fn::Sub`` text). IAM policy variables have one colon
(``${aws:username}``) or are the escapes ``${*}``, ``${?}``, ``${$}``; everything else in
``${...}`` must match as written. Before the fix the evaluator read ``${LogsBucket}`` as a
variable with no value, so the statement matched nothing and a grant was missed.
"""

from __future__ import annotations

import pytest

from airlock.analysis.policy import PolicyDocument, PolicyKind, PolicySet, Principal, can
from airlock.analysis.policy.variables import has_variables, substitute, variable_keys


@pytest.mark.parametrize(
    "text",
    [
        "${AWS::AccountId}",
        "${AWS::Region}",
        "${LogsBucket}",
        "${Guardrail.GuardrailArn}",
        "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${DataKey}",
    ],
)
def test_deploy_tokens_are_not_variables(text: str) -> None:
    assert not has_variables(text)
    assert variable_keys(text) == ()
    assert substitute(text, lambda key: None) == text


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("${aws:username}", ("aws:username",)),
        ("${aws:PrincipalTag/team, 'shared'}", ("aws:principaltag/team",)),
        ("${aws:PrincipalTag/dp:include}", ("aws:principaltag/dp:include",)),
        ("${saml:sub}", ("saml:sub",)),
        ("${www.amazon.com:user_id}", ("www.amazon.com:user_id",)),
        ("arn:aws:s3:::${Bucket}/home/${aws:username}/*", ("aws:username",)),
    ],
)
def test_iam_policy_variables_still_are(text: str, keys: tuple[str, ...]) -> None:
    assert has_variables(text)
    assert variable_keys(text) == keys


def test_escapes_are_still_substituted() -> None:
    assert substitute("a${*}b${?}c${$}", lambda key: None) == "a\ue000b\ue001c$"


def test_a_template_grant_on_a_token_resource_is_found() -> None:
    doc = PolicyDocument.parse(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "s3:DeleteObjectVersion",
                    "Resource": "arn:aws:s3:::${LogsBucket}/*",
                    "Condition": {"StringEquals": {"aws:PrincipalAccount": "${AWS::AccountId}"}},
                }
            ],
        },
        PolicyKind.IDENTITY,
        "ops",
    )
    role = Principal("arn:aws:iam::${AWS::AccountId}:role/ops", "${AWS::AccountId}")
    answer = can(
        role,
        "s3:DeleteObjectVersion",
        "arn:aws:s3:::${LogsBucket}/AWSLogs/x",
        PolicySet(identity=(doc,), resource_account="${AWS::AccountId}"),
    )
    assert answer.status.value == "ALLOW"
    assert dict(answer.counterexample or {}) == {"aws:PrincipalAccount": "${AWS::AccountId}"}

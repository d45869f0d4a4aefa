"""Parsing never crashes; broken input gives UNKNOWN answers; helpers for the controls."""

from __future__ import annotations

import json

import pytest
from policy_fixtures import ACCOUNT, KEY, OBJECT, OTHER, ROLE_ARN, allow, doc, role, stmt

from airlock.analysis.policy import (
    KEY_POLICY_SIZE_LIMIT,
    Grant,
    Identity,
    PolicyDocument,
    PolicyKind,
    PolicySet,
    Principal,
    Verdict,
    can,
    inert_statements,
    open_principals,
    policy_size_bytes,
    statement_count,
    who_can,
)
from airlock.errors import PolicyError


@pytest.mark.parametrize(
    "text",
    [
        "{not json",
        "[]",
        '{"Version": "2012-10-17"}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Bogus": 1}]}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Permit", "Action": "s3:*", "Resource": "*"}]}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "NotAction": "iam:*", "Resource": "*"}]}',
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*", "Condition": {"StringEqualz": {"a": "b"}}}]}',
        '{"Version": "2099-01-01", "Statement": []}',
        '{"Statement": [], "Extra": true}',
    ],
)
def test_broken_documents_give_unknown_not_exceptions(text: str) -> None:
    policy = PolicyDocument.parse(text, PolicyKind.IDENTITY, "broken")
    assert policy.all_issues
    answer = can(role(), "s3:GetObject", OBJECT, PolicySet(identity=(policy,)))
    assert answer.status is Verdict.UNKNOWN
    assert answer.reason
    with pytest.raises(PolicyError):
        PolicyDocument.parse_strict(text, PolicyKind.IDENTITY, "broken")


def test_a_definite_deny_elsewhere_still_decides() -> None:
    broken = PolicyDocument.parse("{nope", PolicyKind.IDENTITY, "broken")
    guard = doc(stmt("Deny", "s3:*", "*"), name="guard")
    answer = can(role(), "s3:GetObject", OBJECT, PolicySet(identity=(broken, guard)))
    assert answer.status is Verdict.DENY


def test_unknown_statement_that_cannot_match_is_harmless() -> None:
    policy = PolicyDocument.parse(
        {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Condition": {"Weird": {"k": "v"}}},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        ]},
        PolicyKind.IDENTITY, "mixed",
    )  # fmt: skip
    assert (
        can(role(), "s3:GetObject", OBJECT, PolicySet(identity=(policy,))).status is Verdict.ALLOW
    )
    assert can(role(), "kms:Decrypt", KEY, PolicySet(identity=(policy,))).status is Verdict.UNKNOWN


def test_principal_in_identity_policy_is_an_issue() -> None:
    policy = PolicyDocument.parse({"Statement": [stmt(Principal="*")]}, PolicyKind.IDENTITY, "x")
    assert any("Principal" in issue for issue in policy.all_issues)


def test_size_and_statement_count() -> None:
    text = json.dumps(
        {"Version": "2012-10-17", "Statement": [stmt(Sid=f"S{i}") for i in range(3)]}, indent=2
    )
    policy = PolicyDocument.parse(text, PolicyKind.KEY_POLICY, "default")
    assert policy_size_bytes(policy) == len(text.encode()) == policy_size_bytes(text)
    assert statement_count(policy) == 3
    assert KEY_POLICY_SIZE_LIMIT == 32768
    non_ascii = '{"Statement": [], "Id": "é"}'
    assert policy_size_bytes(non_ascii) == len(non_ascii) + 1
    assert statement_count(PolicyDocument.parse("{", PolicyKind.IDENTITY, "x")) == 0
    inert = PolicyDocument.parse(
        {"Statement": [{"Effect": "Allow", "Principal": "*", "Resource": "*"}]},
        PolicyKind.KEY_POLICY,
        "k",
    )
    assert inert_statements(inert) and not inert.all_issues


def key_policy(*statements: dict[str, object]) -> PolicyDocument:
    return doc(*statements, kind=PolicyKind.KEY_POLICY, name="default")


def test_open_principals_flags_star_without_restriction() -> None:
    policy = key_policy(stmt("Allow", "kms:Decrypt", "*", Sid="Open", Principal={"AWS": "*"}))
    found = open_principals(policy, trusted_accounts={ACCOUNT})
    assert [f.ref.sid for f in found] == ["Open"] and found[0].status is Verdict.ALLOW


@pytest.mark.parametrize(
    "condition",
    [
        {
            "StringEquals": {
                "kms:CallerAccount": ACCOUNT,
                "kms:ViaService": "s3.eu-west-1.amazonaws.com",
            }
        },
        {"StringEquals": {"aws:PrincipalOrgID": "o-ours"}},
        {"StringEquals": {"aws:SourceVpce": "vpce-0ours"}},
        {"ArnEquals": {"aws:PrincipalArn": ROLE_ARN}},
        {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    ],
)
def test_open_principals_accepts_restricting_conditions(condition: dict[str, object]) -> None:
    policy = key_policy(stmt("Allow", "kms:Decrypt", "*", Principal="*", Condition=condition))
    assert open_principals(policy, {ACCOUNT}) == ()


@pytest.mark.parametrize(
    "condition",
    [
        {"StringLike": {"aws:SourceVpce": "*"}},  # Prowler: "*" is no restriction
        {"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-ours"}},  # absent key passes
        {"StringNotEquals": {"aws:PrincipalAccount": OTHER}},  # negated: everyone else
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/*"}},
        {"StringEquals": {"kms:ViaService": "s3.eu-west-1.amazonaws.com"}},  # any caller via S3
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgPaths": ["o-ours/r-1/"]}},
    ],
)
def test_open_principals_sees_through_weak_conditions(condition: dict[str, object]) -> None:
    policy = key_policy(stmt("Allow", "kms:Decrypt", "*", Principal="*", Condition=condition))
    found = open_principals(policy, {ACCOUNT})
    assert len(found) == 1 and found[0].status is Verdict.ALLOW


def test_open_principals_flags_untrusted_accounts_only() -> None:
    policy = key_policy(
        stmt("Allow", "kms:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"}),
        stmt("Allow", "kms:Decrypt", "*", Principal={"AWS": OTHER}),
    )
    found = open_principals(policy, {ACCOUNT})
    assert [f.principal for f in found] == [OTHER]


def test_who_can_decrypt_through_key_policy_iam_delegation_and_grants() -> None:
    key = key_policy(
        stmt(
            "Allow",
            "kms:*",
            "*",
            Sid="Enable IAM",
            Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        ),
        stmt(
            "Allow",
            "kms:Decrypt",
            "*",
            Sid="Reader",
            Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/reader"},
        ),
        stmt("Allow", "kms:Decrypt", "*", Sid="Partner", Principal={"AWS": OTHER}),
    )
    shared = PolicySet(
        resource_policy=key,
        grants=(Grant("g1", f"arn:aws:iam::{ACCOUNT}:role/granted", ("Decrypt",)),),
    )
    admin = Identity(
        Principal.role(f"arn:aws:iam::{ACCOUNT}:role/admin"), (allow("kms:*", name="admin-kms"),)
    )
    nobody = Identity(Principal.role(f"arn:aws:iam::{ACCOUNT}:role/nobody"), (allow("s3:*"),))
    reader = Identity(Principal.role(f"arn:aws:iam::{ACCOUNT}:role/reader"))
    granted = Identity(Principal.role(f"arn:aws:iam::{ACCOUNT}:role/granted"))
    access = who_can("kms:Decrypt", KEY, [admin, nobody, reader, granted], shared)
    known = {a.principal: a.status for a in access if not a.external}
    assert known == {
        f"arn:aws:iam::{ACCOUNT}:role/admin": Verdict.ALLOW,
        f"arn:aws:iam::{ACCOUNT}:role/reader": Verdict.ALLOW,
        f"arn:aws:iam::{ACCOUNT}:role/granted": Verdict.ALLOW,
    }
    external = [a for a in access if a.external]
    assert [a.principal for a in external] == [OTHER] and external[0].status is Verdict.UNKNOWN


def test_parsing_does_not_mutate_the_callers_document() -> None:
    # Prowler lower-cased condition keys in place; we must not touch the input.
    original = {
        "Version": "2012-10-17",
        "Statement": [stmt(Condition={"StringEquals": {"AWS:SourceVpce": "vpce-1"}})],
    }
    snapshot = json.dumps(original, sort_keys=True)
    PolicyDocument.parse(original, PolicyKind.IDENTITY, "p")
    assert json.dumps(original, sort_keys=True) == snapshot


def test_deny_statements_are_not_open_principals() -> None:
    policy = key_policy(stmt("Deny", "kms:*", "*", Principal="*"))
    assert open_principals(policy, {ACCOUNT}) == ()


def test_actions_that_do_not_exist_grant_nothing() -> None:
    # There is no bedrock:Converse IAM action; Converse is authorised by bedrock:InvokeModel.
    ps = PolicySet(identity=(allow("bedrock:Converse"),))
    model = "arn:aws:bedrock:eu-west-1::foundation-model/m"
    assert can(role(), "bedrock:InvokeModel", model, ps).status is Verdict.DENY


def test_answer_as_dict_is_json_ready() -> None:
    answer = can(role(), "s3:GetObject", OBJECT, PolicySet(identity=(allow("s3:*"),)))
    shown = answer.as_dict()
    assert shown["status"] == "ALLOW" and json.dumps(shown)


def test_open_principals_fails_closed_on_an_unreadable_principal() -> None:
    from airlock.analysis.policy import PolicyDocument, PolicyKind, Verdict, open_principals

    for principal in ({"AWS": 42}, ["not", "a", "mapping"]):
        doc = PolicyDocument.parse(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": principal,
                        "Action": "s3:GetObject",
                        "Resource": "arn:aws:s3:::b/*",
                    }
                ],
            },
            PolicyKind.RESOURCE,
        )
        found = open_principals(doc)
        assert [o.status for o in found] == [Verdict.UNKNOWN], principal


def test_open_principals_flags_allow_with_not_principal_as_unknown() -> None:
    from airlock.analysis.policy import PolicyDocument, PolicyKind, Verdict, open_principals

    doc = PolicyDocument.parse(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:root"},
                    "Action": "s3:GetObject",
                    "Resource": "arn:aws:s3:::b/*",
                }
            ],
        },
        PolicyKind.RESOURCE,
    )
    assert [o.status for o in open_principals(doc)] == [Verdict.UNKNOWN]

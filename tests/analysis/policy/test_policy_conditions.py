"""Condition operators: missing keys, IfExists, set operators, variables (IAM condition docs).

Each case also names the bug class of policy.md §4 it guards against, where there is one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from airlock.analysis.policy.condition import ConditionClause, parse_condition_block
from airlock.analysis.policy.context import ContextValue
from airlock.analysis.policy.truth import Truth, all_of


def holds(
    condition: dict[str, Any], context: Mapping[str, ContextValue], version: bool = True
) -> Truth:
    clauses, issues = parse_condition_block(condition, version)
    assert not issues
    return all_of(c.evaluate({k.lower(): v for k, v in context.items()}) for c in clauses)


T, F, U = Truth.TRUE, Truth.FALSE, Truth.UNKNOWN


@pytest.mark.parametrize(
    ("operator", "expected"),
    [
        ("StringEquals", F),
        ("StringLike", F),
        ("ArnLike", F),
        ("IpAddress", F),
        ("NumericLessThan", F),
        ("DateGreaterThan", F),
        ("Bool", F),
        ("StringNotEquals", T),
        ("StringNotLike", T),  # PMapper #2: StringNotLike on a missing key is true
        ("StringNotEqualsIgnoreCase", T),
        ("ArnNotLike", T),
        ("ArnNotEquals", T),
        ("NotIpAddress", T),
        ("NumericNotEquals", T),
        ("DateNotEquals", T),
        ("StringEqualsIfExists", T),
        ("NumericLessThanIfExists", T),
        ("BoolIfExists", T),
    ],
)
def test_missing_key(operator: str, expected: Truth) -> None:
    value = {"IpAddress": "10.0.0.0/8", "NotIpAddress": "10.0.0.0/8", "Bool": "true"}.get(
        operator.removesuffix("IfExists"), "5"
    )
    if operator.startswith(("Arn",)):
        value = "arn:aws:iam::111122223333:role/x"
    if operator.startswith("Date"):
        value = "2024-01-01T00:00:00Z"
    assert holds({operator: {"aws:SomeKey": value}}, {}) is expected


def test_if_exists_compares_when_present() -> None:
    # PMapper #3/#4: the IfExists forms of Numeric/Date operators must still compare.
    assert holds({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {"s3:max-keys": "5"}) is T
    assert holds({"NumericLessThanIfExists": {"s3:max-keys": "10"}}, {"s3:max-keys": "50"}) is F
    date = {"DateGreaterThanIfExists": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}
    assert holds(date, {"aws:CurrentTime": "2024-06-01T12:00:00Z"}) is T
    assert holds(date, {"aws:CurrentTime": "2019-06-01T12:00:00Z"}) is F


def test_negated_operator_with_several_values_is_nor() -> None:
    condition = {"StringNotEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}}
    assert holds(condition, {"aws:SourceVpce": "vpce-1"}) is F
    assert holds(condition, {"aws:SourceVpce": "vpce-2"}) is F
    assert holds(condition, {"aws:SourceVpce": "vpce-3"}) is T


def test_positive_operator_with_several_values_is_or() -> None:
    condition = {"StringEquals": {"aws:PrincipalTag/role": ["audit", "security"]}}
    assert holds(condition, {"aws:PrincipalTag/role": "security"}) is T
    assert holds(condition, {"aws:PrincipalTag/role": "dev"}) is F


def test_several_keys_and_operators_are_and() -> None:
    condition = {
        "StringEquals": {"aws:PrincipalTag/team": "ml", "aws:RequestedRegion": "eu-west-1"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    ok = {
        "aws:PrincipalTag/team": "ml",
        "aws:RequestedRegion": "eu-west-1",
        "aws:SecureTransport": "true",
    }
    assert holds(condition, ok) is T
    assert holds(condition, {**ok, "aws:SecureTransport": "false"}) is F


def test_bool_policy_value_is_case_insensitive() -> None:
    # PMapper #5: "True" in the policy matches a true request value.
    assert holds({"Bool": {"aws:SecureTransport": "True"}}, {"aws:SecureTransport": "true"}) is T
    assert holds({"Bool": {"aws:SecureTransport": True}}, {"aws:SecureTransport": "true"}) is T


def test_string_like_treats_regex_metacharacters_literally() -> None:
    # PMapper #6: "a+b*" must match "a+bc" and not "aab".
    assert holds({"StringLike": {"aws:userid": "a+b*"}}, {"aws:userid": "a+bc"}) is T
    assert holds({"StringLike": {"aws:userid": "a+b*"}}, {"aws:userid": "aab"}) is F
    assert holds({"StringLike": {"aws:userid": "a.c"}}, {"aws:userid": "abc"}) is F
    assert holds({"StringLike": {"aws:userid": "a?c"}}, {"aws:userid": "abc"}) is T


def test_string_equals_is_case_sensitive_and_ignore_case_is_not() -> None:
    assert holds({"StringEquals": {"aws:username": "Bob"}}, {"aws:username": "bob"}) is F
    assert holds({"StringEqualsIgnoreCase": {"aws:username": "Bob"}}, {"aws:username": "bob"}) is T


def test_condition_key_names_are_case_insensitive() -> None:
    # ScoutSuite #1579 / Prowler: kms:callerAccount must match kms:CallerAccount.
    assert (
        holds(
            {"StringEquals": {"kms:callerAccount": "111122223333"}},
            {"kms:CallerAccount": "111122223333"},
        )
        is T
    )
    assert holds({"StringEquals": {"AWS:SourceIP": "x"}}, {"aws:sourceip": "x"}) is T


def test_operator_names_are_case_sensitive_and_unknown_ones_fail_closed() -> None:
    # yulin #1073: an unsupported operator is UNKNOWN, never silently dropped.
    assert holds({"stringEquals": {"aws:username": "bob"}}, {"aws:username": "bob"}) is U
    assert holds({"StringEqualsMaybe": {"aws:username": "bob"}}, {"aws:username": "x"}) is U


def test_for_all_values_is_true_on_missing_and_empty() -> None:
    # Cloud Custodian #2392 / yulin #1309: ForAllValues matches an absent or empty key.
    condition = {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}}
    assert holds(condition, {}) is T
    assert holds(condition, {"aws:TagKeys": ()}) is T
    assert holds(condition, {"aws:TagKeys": ("team",)}) is T
    assert holds(condition, {"aws:TagKeys": ("team", "owner")}) is F


def test_for_any_value_is_false_on_missing_even_with_if_exists() -> None:
    assert holds({"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}, {}) is F
    assert holds({"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "team"}}, {}) is F
    assert (
        holds({"ForAnyValue:StringEquals": {"aws:TagKeys": "team"}}, {"aws:TagKeys": ("x", "team")})
        is T
    )


def test_set_operators_with_negated_base() -> None:
    # PMapper #8 / Custodian "ForAnyValues" typo: negated set operators are evaluated per
    # request value (the value must match none of the policy values).
    any_not = {"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["a", "b"]}}
    assert holds(any_not, {"aws:TagKeys": ("a", "c")}) is T
    assert holds(any_not, {"aws:TagKeys": ("a", "b")}) is F
    all_not_like = {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}
    assert holds(all_not_like, {"aws:TagKeys": ("key1:legal",)}) is F
    assert holds(all_not_like, {"aws:TagKeys": ("key2:audit",)}) is T
    assert holds(all_not_like, {}) is T


def test_plain_operator_does_not_match_a_multivalued_value() -> None:
    # PMapper #9: StringEquals against a list in the request is no match.
    assert (
        holds(
            {"StringEquals": {"aws:CalledVia": "athena.amazonaws.com"}},
            {"aws:CalledVia": ("athena.amazonaws.com",)},
        )
        is F
    )


def test_null_operator() -> None:
    assert holds({"Null": {"aws:TokenIssueTime": "true"}}, {}) is T
    assert holds({"Null": {"aws:TokenIssueTime": "false"}}, {}) is F
    assert (
        holds(
            {"Null": {"aws:TokenIssueTime": "false"}},
            {"aws:TokenIssueTime": "2024-01-01T00:00:00Z"},
        )
        is T
    )
    clauses, _ = parse_condition_block({"NullIfExists": {"k": "true"}}, True)
    assert clauses[0].issue is not None


def test_arn_like_matches_segment_by_segment() -> None:
    condition = {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::audit-*"}}
    assert holds(condition, {"aws:SourceArn": "arn:aws:s3:::audit-logs"}) is T
    account_wild = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}
    assert holds(account_wild, {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin"}) is T
    # A wildcard in the region/account segment does not swallow colons.
    assert (
        holds(
            {"ArnLike": {"aws:SourceArn": "arn:aws:*:role/x"}},
            {"aws:SourceArn": "arn:aws:iam::1:role/x"},
        )
        is F
    )


def test_arn_not_like_on_a_non_arn_value_is_true() -> None:
    # iam-simulate #50: a non-ARN value must not silently disable an ArnNotLike deny.
    condition = {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin"}}
    assert holds(condition, {"aws:PrincipalArn": "not-an-arn"}) is T


def test_ip_address_operators() -> None:
    condition = {"IpAddress": {"aws:SourceIp": ["203.0.113.0/24", "2001:db8::/32"]}}
    assert holds(condition, {"aws:SourceIp": "203.0.113.9"}) is T
    assert holds(condition, {"aws:SourceIp": "2001:db8::1"}) is T
    assert holds(condition, {"aws:SourceIp": "198.51.100.1"}) is F
    assert holds({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}, {}) is T
    assert (
        holds({"IpAddress": {"aws:SourceIp": "198.51.100.7"}}, {"aws:SourceIp": "198.51.100.7"})
        is T
    )


def test_numeric_and_date_comparisons() -> None:
    assert holds({"NumericGreaterThanEquals": {"k": "3"}}, {"k": "3"}) is T
    assert holds({"NumericGreaterThan": {"k": "3"}}, {"k": "3"}) is F
    assert holds({"NumericEquals": {"k": "3"}}, {"k": "three"}) is F
    assert (
        holds(
            {"DateLessThan": {"aws:CurrentTime": "2030-01-01"}},
            {"aws:CurrentTime": "2029-12-31T23:59:59Z"},
        )
        is T
    )
    assert (
        holds({"DateLessThan": {"aws:EpochTime": "1700000000"}}, {"aws:EpochTime": "1600000000"})
        is T
    )


def test_binary_equals() -> None:
    assert holds({"BinaryEquals": {"k": "QmluYXJ5"}}, {"k": "QmluYXJ5"}) is T
    clauses, _ = parse_condition_block({"BinaryEquals": {"k": "%%%"}}, True)
    assert clauses[0].issue is not None


def test_variables_default_and_escapes() -> None:
    team = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
    assert holds(team, {"aws:PrincipalTag/team": "ml", "aws:ResourceTag/team": "ml"}) is T
    assert holds(team, {"aws:PrincipalTag/team": "ml", "aws:ResourceTag/team": "risk"}) is F
    # No value for the variable: positive operator false, negated operator true.
    assert holds(team, {"aws:ResourceTag/team": "ml"}) is F
    negated = {"StringNotEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
    assert holds(negated, {"aws:ResourceTag/team": "ml"}) is T
    default = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team, 'shared'}"}}
    assert holds(default, {"aws:ResourceTag/team": "shared"}) is T
    star = {"StringLike": {"s3:prefix": "home/${*}"}}
    assert holds(star, {"s3:prefix": "home/*"}) is T
    assert holds(star, {"s3:prefix": "home/x"}) is F


def test_variables_are_literal_without_2012_version() -> None:
    team = {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}}
    context: dict[str, ContextValue] = {"aws:PrincipalTag/team": "ml", "aws:ResourceTag/team": "ml"}
    assert holds(team, context, version=False) is F
    assert holds(team, {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}, version=False) is T


def test_duplicate_keys_differing_in_case_are_reported() -> None:
    _, issues = parse_condition_block(
        {"StringEquals": {"aws:SourceVpce": "a", "AWS:SOURCEVPCE": "b"}}, True
    )
    assert issues


def test_clause_parse_records_qualifier_and_if_exists() -> None:
    clause = ConditionClause.parse(
        "ForAnyValue:StringNotLikeIfExists", "aws:TagKeys", ("a*",), True
    )
    assert clause.negated and clause.if_exists and clause.issue is None


def test_variable_key_names_are_case_insensitive() -> None:
    # PMapper substituted variables case-sensitively with a raw str.replace.
    team = {"StringEquals": {"aws:ResourceTag/team": "${AWS:PrincipalTag/Team}"}}
    assert holds(team, {"aws:principaltag/team": "ml", "aws:ResourceTag/team": "ml"}) is T

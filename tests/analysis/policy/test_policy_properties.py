"""Properties over random policy sets (hypothesis).

* Adding a Deny statement never turns DENY into ALLOW.
* Removing an Allow statement never turns DENY into ALLOW.
* Every ALLOW comes with a counterexample that the evaluator allows concretely.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_fixtures import ACCOUNT

from airlock.analysis.policy import (
    Endpoint,
    PolicyDocument,
    PolicyKind,
    PolicySet,
    Principal,
    Verdict,
    can,
    clear_caches,
    evaluate,
)

ACTIONS = ["s3:GetObject", "s3:PutObject", "kms:Decrypt", "bedrock:InvokeModel"]
RESOURCES = [
    "arn:aws:s3:::audit/a.log",
    "arn:aws:s3:::data/x",
    f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k1",
    "arn:aws:bedrock:eu-west-1::foundation-model/m1",
]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:SourceVpce": ["vpce-1", "vpce-2"]}},
    {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}},
    {"BoolIfExists": {"aws:ViaAWSService": "false"}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringLike": {"aws:RequestedRegion": "eu-*"}},
    {"StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}},
    {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
    {"NotIpAddressIfExists": {"aws:SourceIp": ["198.51.100.0/25", "10.0.0.0/8"]}},
    {"StringEquals": {"aws:PrincipalTag/team": "ml"}},
    {"StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}},
    {"Null": {"aws:SourceVpce": "false"}},
    {"ForAnyValue:StringLike": {"aws:CalledVia": "athena.*"}},
    {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}},
    {"NumericLessThanIfExists": {"s3:max-keys": "100"}},
    {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
    {"ArnNotLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/admin-*"}},
]

statements = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": st.sampled_from(
            ["*", "s3:*", "s3:Get*", "kms:Decrypt", "bedrock:Invoke*", ["s3:PutObject", "kms:*"]]
        ),
        "Resource": st.sampled_from(
            ["*", "arn:aws:s3:::audit/*", "arn:aws:s3:::*", f"arn:aws:kms:*:{ACCOUNT}:key/*"]
        ),
    },
    optional={
        "Condition": st.lists(st.sampled_from(CONDITIONS), max_size=2).map(
            lambda cs: {k: v for c in cs for k, v in c.items()}
        )
    },
)


def document(stmts: list[dict[str, Any]], kind: PolicyKind, name: str) -> PolicyDocument:
    return PolicyDocument.parse({"Version": "2012-10-17", "Statement": stmts}, kind, name)


@st.composite
def policy_sets(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "identity": draw(st.lists(statements, min_size=1, max_size=4)),
        "boundary": draw(st.none() | st.lists(statements, min_size=1, max_size=2)),
        "scp": draw(st.lists(statements, max_size=2)),
        "endpoint": draw(st.none() | st.lists(statements, min_size=1, max_size=2)),
    }


def build(spec: dict[str, Any]) -> PolicySet:
    endpoint_policy = None
    if spec["endpoint"] is not None:
        endpoint_policy = document(
            [{**s, "Principal": "*"} for s in spec["endpoint"]], PolicyKind.ENDPOINT, "ep"
        )
    full = document(
        [{"Effect": "Allow", "Action": "*", "Resource": "*"}], PolicyKind.SCP, "FullAWSAccess"
    )
    return PolicySet(
        identity=(document(spec["identity"], PolicyKind.IDENTITY, "id"),),
        boundary=document(spec["boundary"], PolicyKind.BOUNDARY, "pb")
        if spec["boundary"]
        else None,
        scps=((full,), (full, document(spec["scp"], PolicyKind.SCP, "scp")))
        if spec["scp"]
        else ((full,),),
        endpoints=(Endpoint("vpce-1", endpoint_policy, vpc_id="vpc-1"),),
    )


PRINCIPAL = Principal.role(f"arn:aws:iam::{ACCOUNT}:role/app", {"team": "ml"})
request = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(RESOURCES))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(policy_sets(), request)
def test_allow_comes_with_a_counterexample_the_evaluator_allows(
    spec: dict[str, Any], req: tuple[str, str]
) -> None:
    action, resource = req
    answer = can(PRINCIPAL, action, resource, build(spec))
    if answer.status is Verdict.ALLOW:
        assert answer.counterexample is not None
        concrete = evaluate(PRINCIPAL, action, answer.resource, build(spec), answer.counterexample)
        assert concrete.status is Verdict.ALLOW, (answer, concrete)


@FAST
@given(policy_sets(), request, statements)
def test_adding_a_deny_never_grants(
    spec: dict[str, Any], req: tuple[str, str], extra: dict[str, Any]
) -> None:
    before = can(PRINCIPAL, *req, build(spec))
    denied = {**spec, "identity": [*spec["identity"], {**extra, "Effect": "Deny"}]}
    after = can(PRINCIPAL, *req, build(denied))
    if before.status is Verdict.DENY:
        assert after.status is Verdict.DENY
    if after.status is Verdict.ALLOW:
        assert before.status is Verdict.ALLOW


@FAST
@given(policy_sets(), request, st.data())
def test_removing_an_allow_never_grants(
    spec: dict[str, Any], req: tuple[str, str], data: st.DataObject
) -> None:
    allows = [i for i, s in enumerate(spec["identity"]) if s["Effect"] == "Allow"]
    if not allows:
        return
    drop = data.draw(st.sampled_from(allows))
    before = can(PRINCIPAL, *req, build(spec))
    fewer = {**spec, "identity": [s for i, s in enumerate(spec["identity"]) if i != drop]}
    after = can(PRINCIPAL, *req, build(fewer))
    if before.status is Verdict.DENY:
        assert after.status is Verdict.DENY
    if after.status is Verdict.ALLOW:
        assert before.status is Verdict.ALLOW


@FAST
@given(policy_sets(), request)
def test_symbolic_deny_holds_in_every_enumerated_context(
    spec: dict[str, Any], req: tuple[str, str]
) -> None:
    # A DENY must survive concrete checks at a few typical contexts.
    answer = can(PRINCIPAL, *req, build(spec))
    if answer.status is not Verdict.DENY:
        return
    for context in (
        {},
        {"aws:SourceVpce": "vpce-1", "aws:ViaAWSService": "false", "aws:SecureTransport": "true"},
        {
            "aws:SourceIp": "198.51.100.200",
            "aws:RequestedRegion": "eu-west-1",
            "aws:ViaAWSService": "true",
        },
        {
            "aws:CalledVia": ("athena.amazonaws.com",),
            "aws:TagKeys": ("team",),
            "aws:ResourceTag/team": "ml",
        },
    ):
        assert evaluate(PRINCIPAL, *req, build(spec), context).status is not Verdict.ALLOW


@FAST
@given(
    policy_sets(), request, st.sampled_from([{}, {"team": "ml"}, {"team": "risk", "env": "prod"}])
)
def test_remembered_answers_equal_fresh_ones(
    spec: dict[str, Any], req: tuple[str, str], tags: dict[str, str]
) -> None:
    # The memo reuses answers across principals and policy sets of the same shape; a
    # remembered answer must be what a fresh evaluation gives.
    principal = Principal.role(f"arn:aws:iam::{ACCOUNT}:role/r-{len(tags)}", tags)
    remembered = [can(principal, *req, build(spec)) for _ in range(2)][-1]
    clear_caches()
    fresh = can(principal, *req, build(spec))
    assert remembered.status is fresh.status
    assert remembered.reason == fresh.reason
    assert remembered.deciding == fresh.deciding
    assert remembered.counterexample == fresh.counterexample

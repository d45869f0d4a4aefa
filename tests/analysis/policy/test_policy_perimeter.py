"""Data-perimeter patterns: is a Bedrock caller bound to our VPC endpoints?

Modelled on the network-perimeter SCP of the AWS data-perimeter examples (written here in our
own words): deny unless the request comes through our endpoint, exempting calls made by AWS
services (``aws:PrincipalIsAWSService``) and on our behalf (``aws:ViaAWSService``).
"""

from __future__ import annotations

from typing import Any

from policy_fixtures import ACCOUNT, FULL_ACCESS_SCP, MODEL, allow, doc, role, stmt

from airlock.analysis.policy import (
    ABSENT,
    ContextInput,
    Endpoint,
    Excluding,
    PolicyKind,
    PolicySet,
    Principal,
    Verdict,
    can,
    evaluate,
)

OURS = ("vpce-0ours0000000000a", "vpce-0ours0000000000b")
INVOKE = "bedrock:InvokeModel"


def perimeter(condition: dict[str, Any], name: str = "network-perimeter") -> PolicySet:
    scp = doc(
        stmt("Deny", "*", "*", Sid="EnforceNetworkPerimeter", Condition=condition),
        kind=PolicyKind.SCP,
        name=name,
    )
    return PolicySet(
        identity=(allow("bedrock:*"),), scps=((FULL_ACCESS_SCP,), (FULL_ACCESS_SCP, scp))
    )


GOOD = {
    "StringNotEqualsIfExists": {"aws:SourceVpce": list(OURS)},
    "BoolIfExists": {"aws:PrincipalIsAWSService": "false", "aws:ViaAWSService": "false"},
}
OUTSIDE: dict[str, ContextInput] = {
    "aws:SourceVpce": Excluding.of(OURS),
    "aws:ViaAWSService": False,
}


def test_good_perimeter_binds_the_role_to_our_endpoints() -> None:
    ps = perimeter(GOOD)
    answer = can(role(), INVOKE, MODEL, ps, fixed_context=OUTSIDE)
    assert answer.status is Verdict.DENY
    assert answer.deciding[0].sid == "EnforceNetworkPerimeter"
    # Through our endpoint it works, and the counterexample says so.
    inside = can(role(), INVOKE, MODEL, ps, fixed_context={"aws:ViaAWSService": False})
    assert inside.status is Verdict.ALLOW and inside.counterexample is not None
    assert inside.counterexample["aws:SourceVpce"] in OURS


def test_internet_foreign_endpoint_and_own_endpoint_concretely() -> None:
    ps = perimeter(GOOD)
    base = {"aws:ViaAWSService": "false"}
    assert evaluate(role(), INVOKE, MODEL, ps, base).status is Verdict.DENY
    assert (
        evaluate(role(), INVOKE, MODEL, ps, {**base, "aws:SourceVpce": "vpce-0attacker"}).status
        is Verdict.DENY
    )
    assert (
        evaluate(role(), INVOKE, MODEL, ps, {**base, "aws:SourceVpce": OURS[1]}).status
        is Verdict.ALLOW
    )


def test_forward_access_exemption_is_reported_as_the_way_out() -> None:
    # With aws:ViaAWSService left free, an attacker can go through another AWS service.
    answer = can(role(), INVOKE, MODEL, perimeter(GOOD), fixed_context={"aws:SourceVpce": ABSENT})
    assert answer.status is Verdict.ALLOW and answer.counterexample is not None
    assert answer.counterexample["aws:ViaAWSService"] == "true"
    assert answer.counterexample["aws:SourceVpce"] is ABSENT


def test_service_principals_are_exempt() -> None:
    ps = perimeter(GOOD)
    rp = doc(
        stmt("Allow", INVOKE, "*", Principal={"Service": "bedrock.amazonaws.com"}),
        kind=PolicyKind.RESOURCE,
        name="rp",
    )
    service_ps = PolicySet(resource_policy=rp, scps=ps.scps, resource_account=ACCOUNT)
    assert (
        can(Principal.service("bedrock.amazonaws.com"), INVOKE, MODEL, service_ps).status
        is Verdict.ALLOW
    )


def test_ip_only_perimeter_leaks_through_a_foreign_endpoint_is_not_needed_it_blocks_vpce() -> None:
    # "Deny NotIpAddress aws:SourceIp" without a VPC exemption: through any endpoint the
    # key is absent, the negated operator is true, so even our own traffic is denied.
    ps = perimeter({"NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}})
    ours = can(role(), INVOKE, MODEL, ps, fixed_context={"aws:SourceVpce": OURS[0]})
    assert ours.status is Verdict.DENY
    corp = can(role(), INVOKE, MODEL, ps)
    assert corp.status is Verdict.ALLOW and corp.counterexample is not None
    assert corp.counterexample["aws:SourceIp"] == "198.51.100.0"


def test_wildcard_source_vpce_is_not_a_restriction() -> None:
    # Prowler: StringLike aws:SourceVpce "*" accepts any endpoint (and IfExists: no endpoint).
    weak = perimeter({"StringNotLikeIfExists": {"aws:SourceVpce": "vpce-*"}})
    answer = can(role(), INVOKE, MODEL, weak, fixed_context=OUTSIDE)
    assert answer.status is Verdict.ALLOW and answer.counterexample is not None
    vpce = answer.counterexample["aws:SourceVpce"]
    assert isinstance(vpce, str) and vpce.startswith("vpce-") and vpce not in OURS


def test_opt_in_tag_scoping_misses_untagged_principals() -> None:
    scoped = perimeter({**GOOD, "StringEquals": {"aws:PrincipalTag/dp:include:network": "true"}})
    tagged = role({"dp:include:network": "true"})
    assert can(tagged, INVOKE, MODEL, scoped, fixed_context=OUTSIDE).status is Verdict.DENY
    untagged = can(role(), INVOKE, MODEL, scoped, fixed_context=OUTSIDE)
    assert untagged.status is Verdict.ALLOW and untagged.counterexample is not None
    assert untagged.counterexample["aws:PrincipalTag/dp:include:network"] is ABSENT


def test_multi_operator_deny_is_negated_as_a_whole() -> None:
    # iam-ape: every operator of a Deny matters, not only the first one.
    ps = perimeter({**GOOD, "StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}})
    out_of_region = can(
        role(), INVOKE, MODEL, ps, fixed_context={**OUTSIDE, "aws:RequestedRegion": "us-east-1"}
    )
    assert out_of_region.status is Verdict.DENY
    in_region = can(role(), INVOKE, MODEL, ps, fixed_context=OUTSIDE)
    assert in_region.status is Verdict.ALLOW and in_region.counterexample is not None
    assert in_region.counterexample["aws:RequestedRegion"] == "eu-west-1"


def test_for_all_values_on_source_vpce_is_open() -> None:
    # A set operator on a single-valued key: absent key makes ForAllValues true.
    allow_only = PolicySet(
        identity=(
            allow(
                "bedrock:*", Condition={"ForAllValues:StringEquals": {"aws:SourceVpce": list(OURS)}}
            ),
        )
    )
    answer = can(role(), INVOKE, MODEL, allow_only, fixed_context=OUTSIDE)
    assert answer.status is Verdict.ALLOW and answer.counterexample is not None
    assert answer.counterexample["aws:SourceVpce"] is ABSENT


def test_positive_allow_condition_binds_when_it_is_the_only_grant() -> None:
    bound = PolicySet(
        identity=(
            allow(
                "bedrock:InvokeModel", Condition={"StringEquals": {"aws:SourceVpce": list(OURS)}}
            ),
        )
    )
    assert can(role(), INVOKE, MODEL, bound, fixed_context=OUTSIDE).status is Verdict.DENY
    broken = PolicySet(
        identity=(*bound.identity, allow("bedrock:*", name="AmazonBedrockFullAccess"))
    )
    answer = can(role(), INVOKE, MODEL, broken, fixed_context=OUTSIDE)
    assert answer.status is Verdict.ALLOW
    assert answer.deciding[0].policy == "AmazonBedrockFullAccess"


def test_endpoint_policy_does_not_bind_credentials() -> None:
    ep = Endpoint(
        OURS[0],
        allow(INVOKE, MODEL, Principal="*", kind=PolicyKind.ENDPOINT, name="ep"),
        vpc_id="vpc-1",
    )
    ps = PolicySet(identity=(allow("bedrock:*"),), endpoints=(ep,))
    answer = can(role(), "bedrock:InvokeModelWithResponseStream", MODEL, ps)
    assert answer.status is Verdict.ALLOW and answer.counterexample is not None
    assert answer.counterexample["aws:SourceVpce"] != OURS[0]
    through = can(
        role(),
        "bedrock:InvokeModelWithResponseStream",
        MODEL,
        ps,
        fixed_context={"aws:SourceVpce": OURS[0]},
    )
    assert through.status is Verdict.DENY


def test_source_vpc_perimeter_with_endpoint_correlation() -> None:
    # Through our endpoint, aws:SourceVpc is the endpoint's VPC; aws:SourceIp is absent.
    ps = perimeter(
        {
            "StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-ours"},
            "BoolIfExists": {"aws:ViaAWSService": "false"},
        }
    )
    ps = PolicySet(
        identity=ps.identity, scps=ps.scps, endpoints=(Endpoint(OURS[0], None, vpc_id="vpc-ours"),)
    )
    answer = can(role(), INVOKE, MODEL, ps, fixed_context={"aws:ViaAWSService": False})
    assert answer.status is Verdict.ALLOW and answer.counterexample is not None
    assert answer.counterexample["aws:SourceVpc"] == "vpc-ours"
    assert (
        can(
            role(),
            INVOKE,
            MODEL,
            ps,
            fixed_context=OUTSIDE | {"aws:SourceVpc": Excluding.of(["vpc-ours"])},
        ).status
        is Verdict.DENY
    )

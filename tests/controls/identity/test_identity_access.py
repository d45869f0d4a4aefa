"""AL-IAM-004..011: who may call Bedrock, how, and from where."""

from __future__ import annotations

from typing import Any

import pytest
from control_fixtures import (
    ACCOUNT,
    LAMBDA_TRUST,
    MODEL,
    VPCE,
    U,
    allow,
    deny,
    doc,
    inv,
    run,
    status,
    trust,
    verdict,
)

from airlock.controls.model import Status
from airlock.inventory.identity import (
    AccessKey,
    Group,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    Role,
    User,
)
from airlock.inventory.model import NamedPolicy, Unresolved

BOUND = {"StringEquals": {"aws:SourceVpce": VPCE}}
OUTSIDE_DENY = deny("bedrock:*", Condition={"StringNotEquals": {"aws:SourceVpce": VPCE}})


def role(*statements: dict[str, Any], trust_policy: Any = LAMBDA_TRUST, **kw: Any) -> Role:
    inline = (NamedPolicy("app", doc(*statements)),) if statements else ()
    return Role(
        id="App",
        native_type="AWS::IAM::Role",
        name="app",
        trust_policy=trust_policy,
        inline_policies=inline,
        **kw,
    )


AGENT_TRUST = trust(
    {"Service": "bedrock.amazonaws.com"},
    Condition={
        "StringEquals": {"aws:SourceAccount": ACCOUNT},
        "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:agent/*"},
    },
)
SAML_TRUST = trust(
    {"Federated": f"arn:aws:iam::{ACCOUNT}:saml-provider/Okta"}, "sts:AssumeRoleWithSAML"
)


# --- AL-IAM-006 endpoint binding ----------------------------------------------------


def test_grant_bound_to_the_endpoint_passes() -> None:
    found = verdict(
        "AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL, Condition=BOUND))), "App"
    )
    assert found.status is Status.PASS


def test_unbound_grant_fails_with_the_statement_and_a_counterexample() -> None:
    found = verdict(
        "AL-IAM-006", inv(role(allow(["bedrock:InvokeModel", "bedrock:Converse"], MODEL))), "App"
    )
    assert found.status is Status.FAIL
    assert found.evidence["statement"]["policy"] == "app"
    assert found.evidence["counterexample"]["aws:SourceVpce"] == "absent"


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEqualsIfExists": {"aws:SourceVpce": VPCE}},
        {"StringLike": {"aws:SourceVpce": "*"}},
        {"Null": {"aws:SourceVpce": "false"}},
    ],
)
def test_conditions_an_attacker_satisfies_do_not_bind(condition: dict[str, Any]) -> None:
    assert (
        status(
            "AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL, Condition=condition))), "App"
        )
        is Status.FAIL
    )


def test_deny_outside_the_endpoint_closes_an_unbound_grant() -> None:
    assert status("AL-IAM-006", inv(role(allow("bedrock:*"), OUTSIDE_DENY)), "App") is Status.PASS


def test_data_perimeter_deny_with_documented_exemptions_closes() -> None:
    perimeter = deny(
        "*",
        Condition={
            "StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-0abc"},
            "BoolIfExists": {"aws:ViaAWSService": "false"},
            "ArnNotLikeIfExists": {
                "aws:PrincipalArn": "arn:aws:iam::*:role/aws:ec2-infrastructure"
            },
        },
    )
    assert (
        status("AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL), perimeter)), "App")
        is Status.PASS
    )


def test_deny_that_starts_in_2030_does_not_bind_today() -> None:
    # Evaluated, not pattern-matched: before 2030 the Deny does not apply, so a leaked
    # credential works now; the counterexample request says when.
    odd = deny(
        "bedrock:*",
        Condition={
            "StringNotEquals": {"aws:SourceVpce": VPCE},
            "DateGreaterThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
        },
    )
    found = verdict("AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL), odd)), "App")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["aws:CurrentTime"] < "2030-01-01T00:00:00Z"


#: an endpoint id known to be exactly one value (an ``Fn::ImportValue``)
ONE = Unresolved("from the network stack", single=True)


def test_an_unresolved_endpoint_id_compared_exactly_is_one_of_ours() -> None:
    """An endpoint id imported from the network stack is unknown, but under an exact-match
    operator it is one specific id of our own network: it matches neither a request from the
    internet (no key) nor someone else's fresh endpoint. Under *Like it may be a pattern."""
    grant = allow("bedrock:InvokeModel", MODEL)
    exact = deny("bedrock:*", Condition={"StringNotEquals": {"aws:SourceVpce": ONE}})
    assert status("AL-IAM-006", inv(role(grant, exact)), "App") is Status.PASS
    bound = allow(
        "bedrock:InvokeModel", MODEL, Condition={"StringEquals": {"aws:SourceVpce": [ONE]}}
    )
    assert status("AL-IAM-006", inv(role(bound)), "App") is Status.PASS
    if_exists = allow(
        "bedrock:InvokeModel", MODEL, Condition={"StringEqualsIfExists": {"aws:SourceVpce": ONE}}
    )
    assert status("AL-IAM-006", inv(role(if_exists)), "App") is Status.FAIL
    lost = deny("bedrock:*", Condition={"StringNotLike": {"aws:SourceVpce": ONE}})
    found = verdict("AL-IAM-006", inv(role(grant, lost)), "App")
    assert found.status is Status.UNKNOWN
    assert "statement 1 of policy app holds an unresolved value (from the network stack)" in (
        found.reason
    )


@pytest.mark.parametrize("where", ["StringEquals", "StringNotEquals"])
def test_an_unresolved_endpoint_id_that_may_be_a_list_or_absent_stays_unknown(where: str) -> None:
    """``Fn::If [Cond, !Ref VpceId, !Ref AWS::NoValue]`` may drop the key (an Allow without
    the condition is open to the internet), and a list parameter may name anyone's endpoint:
    only a value known to be one scalar is an opaque id of ours."""
    grant = allow("bedrock:InvokeModel", MODEL)
    if where == "StringEquals":
        statements = [allow("bedrock:InvokeModel", MODEL, Condition={where: {"aws:SourceVpce": U}})]
    else:
        statements = [grant, deny("bedrock:*", Condition={where: {"aws:SourceVpce": [U]}})]
    found = verdict("AL-IAM-006", inv(role(*statements)), "App")
    assert found.status is Status.UNKNOWN, found.reason
    assert "holds an unresolved value (from parameter KeyArn)" in found.reason


def test_scp_deny_closes_when_it_targets_the_account_and_is_unknown_for_an_ou() -> None:
    def scp(target: str) -> OrganizationPolicy:
        return OrganizationPolicy(
            id="Perimeter",
            native_type="AWS::Organizations::Policy",
            policy_type="SERVICE_CONTROL_POLICY",
            document=doc(OUTSIDE_DENY),
            targets=(target,),
        )

    grant = role(allow("bedrock:InvokeModel", MODEL))
    assert status("AL-IAM-006", inv(grant, scp(ACCOUNT)), "App") is Status.PASS
    assert status("AL-IAM-006", inv(grant, scp("ou-ab12-workloads")), "App") is Status.UNKNOWN


def test_permissions_boundary_that_binds_the_network_passes() -> None:
    boundary = ManagedPolicy(
        id="Boundary",
        native_type="AWS::IAM::ManagedPolicy",
        document=doc(allow("bedrock:*", Condition=BOUND)),
    )
    assert (
        status(
            "AL-IAM-006",
            inv(role(allow("bedrock:*"), permissions_boundary="Boundary"), boundary),
            "App",
        )
        is Status.PASS
    )
    unreadable = role(
        allow("bedrock:*"), permissions_boundary="arn:aws:iam::111122223333:policy/elsewhere"
    )
    assert status("AL-IAM-006", inv(unreadable), "App") is Status.UNKNOWN


def test_service_roles_are_exempt_and_unreadable_trust_is_unknown() -> None:
    agent = role(allow("bedrock:InvokeModel", MODEL), trust_policy=AGENT_TRUST)
    assert status("AL-IAM-006", inv(agent), "App") is Status.NOT_APPLICABLE
    assert (
        status("AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL), trust_policy=U)), "App")
        is Status.UNKNOWN
    )


def test_aws_managed_policies() -> None:
    full = role(managed_policies=("arn:aws:iam::aws:policy/AmazonBedrockFullAccess",))
    assert status("AL-IAM-006", inv(full), "App") is Status.FAIL
    basic = role(
        allow("bedrock:InvokeModel", MODEL, Condition=BOUND),
        managed_policies=("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",),
    )
    assert status("AL-IAM-006", inv(basic), "App") is Status.PASS
    unknown_policy = role(
        allow("bedrock:InvokeModel", MODEL, Condition=BOUND),
        managed_policies=("arn:aws:iam::aws:policy/ReadOnlyAccess",),
    )
    assert status("AL-IAM-006", inv(unknown_policy), "App") is Status.UNKNOWN


def test_customer_managed_policies_groups_and_users() -> None:
    policy = ManagedPolicy(
        id="Invoke",
        native_type="AWS::IAM::ManagedPolicy",
        document=doc(allow("bedrock:InvokeModel", MODEL)),
        groups=("Devs",),
    )
    group = Group(id="Devs", native_type="AWS::IAM::Group", name="devs")
    user = User(id="Dev", native_type="AWS::IAM::User", groups=("Devs",))
    inventory = inv(policy, group, user)
    assert status("AL-IAM-006", inventory, "Dev") is Status.FAIL
    assert status("AL-IAM-006", inventory, "Devs") is Status.FAIL


def test_no_bedrock_callers_is_not_applicable() -> None:
    assert status("AL-IAM-006", inv(role(allow("s3:GetObject")))) is Status.NOT_APPLICABLE


# --- AL-IAM-005 model scope ---------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (MODEL, Status.PASS),
        ("arn:aws:bedrock:eu-central-1::foundation-model/anthropic.*", Status.PASS),
        ("*", Status.FAIL),
        ("arn:aws:bedrock:*::foundation-model/*", Status.FAIL),
        ("arn:aws:bedrock:*:*:*", Status.FAIL),
        (U, Status.UNKNOWN),
    ],
)
def test_model_scope(resource: Any, expected: Status) -> None:
    assert (
        status("AL-IAM-005", inv(role(allow("bedrock:InvokeModel", resource))), "App") is expected
    )


def test_service_roles_are_scoped_too() -> None:
    agent = role(allow("bedrock:InvokeModel", "*"), trust_policy=AGENT_TRUST)
    assert status("AL-IAM-005", inv(agent), "App") is Status.FAIL


# --- AL-IAM-004 API keys ------------------------------------------------------------


def test_bearer_tokens() -> None:
    assert status("AL-IAM-004", inv(role(allow("bedrock:*"))), "App") is Status.FAIL
    assert (
        status("AL-IAM-004", inv(role(allow("bedrock:InvokeModel", MODEL))), "App") is Status.PASS
    )
    closed = role(allow("bedrock:*"), deny("bedrock:CallWithBearerToken"))
    assert status("AL-IAM-004", inv(closed), "App") is Status.PASS
    # Denying only long-term keys leaves short-term keys (minted from any session) usable:
    # the evaluator finds the request the Deny does not cover.
    partial = role(
        allow("bedrock:*"),
        deny(
            "bedrock:CallWithBearerToken",
            Condition={"StringEquals": {"bedrock:BearerTokenType": "LONG_TERM"}},
        ),
    )
    found = verdict("AL-IAM-004", inv(partial), "App")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["bedrock:BearerTokenType"] == "SHORT_TERM"
    lost = role(allow("bedrock:*"), deny("bedrock:CallWithBearerToken", Condition=U))
    assert status("AL-IAM-004", inv(lost), "App") is Status.UNKNOWN


# --- AL-IAM-007 AmazonBedrockFullAccess -------------------------------------------------

FULL = "arn:aws:iam::aws:policy/AmazonBedrockFullAccess"


def test_full_access() -> None:
    assert status("AL-IAM-007", inv(role(managed_policies=(FULL,))), "App") is Status.FAIL
    assert (
        status("AL-IAM-007", inv(role(allow("bedrock:InvokeModel", MODEL))), "App") is Status.PASS
    )
    assert (
        status("AL-IAM-007", inv(role(managed_policies=(FULL,), trust_policy=SAML_TRUST)), "App")
        is Status.NOT_APPLICABLE
    )
    assert status("AL-IAM-007", inv(role(managed_policies=(U,))), "App") is Status.UNKNOWN
    assert (
        status("AL-IAM-007", inv(role(managed_policies=(FULL,), trust_policy=U)), "App")
        is Status.UNKNOWN
    )


def test_full_access_on_a_programmatic_user() -> None:
    user = User(id="Bot", native_type="AWS::IAM::User", managed_policies=(FULL,))
    key = AccessKey(id="Key", native_type="AWS::IAM::AccessKey", user="Bot")
    assert status("AL-IAM-007", inv(user, key), "Bot") is Status.FAIL
    assert status("AL-IAM-007", inv(user), "Bot") is Status.NOT_APPLICABLE


# --- AL-IAM-008 confused deputy -----------------------------------------------------


def test_confused_deputy() -> None:
    assert status("AL-IAM-008", inv(role(trust_policy=AGENT_TRUST)), "App") is Status.PASS
    bare = trust({"Service": "bedrock.amazonaws.com"})
    found = verdict("AL-IAM-008", inv(role(trust_policy=bare)), "App")
    assert found.status is Status.FAIL and found.evidence["statements"][0]["Principal"] == {
        "Service": "bedrock.amazonaws.com"
    }
    lost = trust({"Service": "bedrock.amazonaws.com"}, Condition={"StringEquals": U})
    assert status("AL-IAM-008", inv(role(trust_policy=lost)), "App") is Status.UNKNOWN
    assert run("AL-IAM-008", inv(role())) == []  # lambda roles are not judged


# --- AL-IAM-009 OIDC ----------------------------------------------------------------

GITHUB = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"


def _oidc(condition: Any, provider: str = GITHUB) -> Role:
    return role(
        trust_policy=trust(
            {"Federated": provider}, "sts:AssumeRoleWithWebIdentity", Condition=condition
        )
    )


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {
                "StringEquals": {
                    "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main",
                    "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                }
            },
            Status.PASS,
        ),
        (
            {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:*"}},
            Status.PASS,
        ),
        (
            {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}},
            Status.FAIL,
        ),
        ({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}, Status.FAIL),
        ({"StringLike": {"token.actions.githubusercontent.com:sub": "*"}}, Status.FAIL),
        ({"StringEquals": {"token.actions.githubusercontent.com:sub": U}}, Status.UNKNOWN),
    ],
)
def test_github_oidc(condition: Any, expected: Status) -> None:
    assert status("AL-IAM-009", inv(_oidc(condition)), "App") is expected


def test_eks_and_provider_resources() -> None:
    provider = OidcProvider(
        id="Eks",
        native_type="AWS::IAM::OIDCProvider",
        url="https://oidc.eks.eu-central-1.amazonaws.com/id/ABC",
    )
    host = "oidc.eks.eu-central-1.amazonaws.com/id/ABC"
    good = _oidc(
        {"StringEquals": {f"{host}:sub": "system:serviceaccount:app:invoker"}}, provider="Eks"
    )
    loose = _oidc({"StringLike": {f"{host}:sub": "system:serviceaccount:*"}}, provider="Eks")
    assert status("AL-IAM-009", inv(provider, good), "App") is Status.PASS
    assert status("AL-IAM-009", inv(provider, loose), "App") is Status.FAIL


# --- AL-IAM-010 sessions ------------------------------------------------------------


def test_human_sessions() -> None:
    assert status("AL-IAM-010", inv(role(trust_policy=SAML_TRUST)), "App") is Status.PASS
    long = verdict(
        "AL-IAM-010", inv(role(trust_policy=SAML_TRUST, max_session_duration=43200)), "App"
    )
    assert long.status is Status.FAIL and "720-minute" in long.reason
    assert (
        status("AL-IAM-010", inv(role(trust_policy=SAML_TRUST, max_session_duration=U)), "App")
        is Status.UNKNOWN
    )
    cross_account = trust({"AWS": "arn:aws:iam::444455556666:root"})
    assert (
        status(
            "AL-IAM-010", inv(role(trust_policy=cross_account, max_session_duration=7200)), "App"
        )
        is Status.FAIL
    )
    assert (
        run("AL-IAM-010", inv(role(max_session_duration=43200))) == []
    )  # workloads are not judged


# --- AL-IAM-011 global profiles -----------------------------------------------------

GLOBAL = f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0"
GLOBAL_DENY = deny(
    "bedrock:*",
    Condition={
        "StringEquals": {"aws:RequestedRegion": "unspecified"},
        "ArnLike": {
            "bedrock:InferenceProfileArn": "arn:aws:bedrock:*:*:inference-profile/global.*"
        },
    },
)


def _global_grant(*extra: dict[str, Any]) -> Role:
    """The three grants a global cross-region invocation needs (profile, source-region model,
    unspecified-region model) -- the AWS user guide's example."""
    model = "anthropic.claude-sonnet-4-5-20250929-v1:0"
    return role(
        allow(
            "bedrock:InvokeModel",
            [
                GLOBAL,
                f"arn:aws:bedrock:eu-central-1::foundation-model/{model}",
                f"arn:aws:bedrock:::foundation-model/{model}",
            ],
        ),
        *extra,
    )


def test_global_profiles() -> None:
    assert (
        status("AL-IAM-011", inv(role(allow("bedrock:InvokeModel", MODEL))), "App") is Status.PASS
    )
    found = verdict("AL-IAM-011", inv(_global_grant()), "App")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["resource"] == GLOBAL
    assert [s["status"] for s in found.evidence["counterexample"]["steps"]] == ["ALLOW"] * 3
    assert status("AL-IAM-011", inv(role(allow("bedrock:InvokeModel", "*"))), "App") is Status.FAIL
    assert (
        status("AL-IAM-011", inv(role(allow("bedrock:InvokeModel", "*"), GLOBAL_DENY)), "App")
        is Status.PASS
    )
    assert status("AL-IAM-011", inv(_global_grant(GLOBAL_DENY)), "App") is Status.PASS
    assert status("AL-IAM-011", inv(role(allow("bedrock:InvokeModel", U))), "App") is Status.UNKNOWN


def test_a_granted_global_profile_without_its_destination_models_cannot_be_invoked() -> None:
    # Bedrock authorizes a global invocation three times; granting only the profile ARN makes
    # the destination-region authorization fail (the pattern check reported FAIL here).
    found = verdict("AL-IAM-011", inv(role(allow("bedrock:InvokeModel", GLOBAL))), "App")
    assert found.status is Status.PASS
    assert "the model in the source region" in found.reason

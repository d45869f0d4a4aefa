"""AL-IAM-004..011 as proofs: counterexamples, deciding statements, templates, service roles."""

from __future__ import annotations

from typing import Any

import pytest
from control_fixtures import (
    ACCOUNT,
    LAMBDA_TRUST,
    MODEL,
    OTHER,
    U,
    allow,
    deny,
    doc,
    inv,
    status,
    verdict,
)
from control_fixtures import trust as trust_doc

from airlock.controls.invocation import FOREIGN_ENDPOINT
from airlock.controls.model import Status
from airlock.inventory.identity import Group, ManagedPolicy, OrganizationPolicy, Role, User
from airlock.inventory.model import NamedPolicy, Unresolved

VPCE = "vpce-0abc123def456789a"
BOUND = {"StringEquals": {"aws:SourceVpce": VPCE}}
TOKEN_ACCOUNT = Unresolved("AWS::AccountId is the account the stack is deployed to")
TOKEN_REGION = Unresolved("AWS::Region is chosen at deploy time")


def role(*statements: dict[str, Any], trust_policy: Any = LAMBDA_TRUST, **kw: Any) -> Role:
    inline = (NamedPolicy("app", doc(*statements)),) if statements else ()
    kw.setdefault("name", "app")
    return Role(
        id="App", native_type="AWS::IAM::Role", trust_policy=trust_policy,
        inline_policies=inline, **kw,
    )  # fmt: skip


# --- the leaked-credential test -------------------------------------------------------


def test_fail_shows_the_request_and_the_deciding_statement() -> None:
    found = verdict("AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL))), "App")
    assert found.status is Status.FAIL
    example = found.evidence["counterexample"]
    assert example["action"] == "bedrock:InvokeModel" and example["resource"] == MODEL
    assert example["aws:SourceVpce"] == "absent" and example["aws:ViaAWSService"] == "false"
    deciding = found.evidence["proof"]["deciding"]
    assert deciding[0]["policy"] == "app"
    assert deciding[0]["statement"] == allow("bedrock:InvokeModel", MODEL)


def test_the_attackers_own_endpoint_is_outside_too() -> None:
    # present but not ours: a Null check passes, our endpoint id does not
    present = {"Null": {"aws:SourceVpce": "false"}}
    found = verdict(
        "AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL, Condition=present))), "App"
    )
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["aws:SourceVpce"] == FOREIGN_ENDPOINT
    ours = {"StringEquals": {"aws:SourceVpce": [VPCE, "vpce-0other0000000000"]}}
    assert (
        status("AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL, Condition=ours))), "App")
        is Status.PASS
    )


def test_a_corporate_address_exemption_works_without_the_endpoint() -> None:
    # Deny outside the VPC unless the call comes from the corporate egress range: a leaked
    # credential used from that range reaches Bedrock without the endpoint.
    perimeter = deny(
        "*",
        Condition={
            "StringNotEqualsIfExists": {"aws:SourceVpc": "vpc-0abc"},
            "NotIpAddressIfExists": {"aws:SourceIp": "198.51.100.0/24"},
        },
    )
    found = verdict("AL-IAM-006", inv(role(allow("bedrock:InvokeModel", MODEL), perimeter)), "App")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["aws:SourceIp"] == "198.51.100.0"


def test_an_scp_perimeter_binds_every_role_of_the_account() -> None:
    scp = OrganizationPolicy(
        id="Perimeter",
        native_type="AWS::Organizations::Policy",
        policy_type="SERVICE_CONTROL_POLICY",
        document=doc(
            deny(
                "*",
                Condition={
                    "StringNotEqualsIfExists": {"aws:SourceVpce": VPCE},
                    "BoolIfExists": {"aws:ViaAWSService": "false"},
                },
            )
        ),
        targets=("r-root",),
    )
    full = role(managed_policies=("arn:aws:iam::aws:policy/AdministratorAccess",))
    found = verdict("AL-IAM-006", inv(full, scp), "App")
    assert found.status is Status.PASS


def test_a_template_with_deploy_time_tokens() -> None:
    """The CloudFormation source writes ARNs and ids with tokens; the answer must show them."""
    model = "arn:aws:bedrock:${AWS::Region}::foundation-model/amazon.nova-pro-v1:0"
    bound = {"StringEquals": {"aws:SourceVpce": "${Endpoint}"}}
    template = {"account": TOKEN_ACCOUNT, "region": TOKEN_REGION}
    arn = "arn:aws:iam::${AWS::AccountId}:role/${App}"
    good = role(allow("bedrock:InvokeModel", model, Condition=bound), arn=arn, name=None)
    assert status("AL-IAM-006", inv(good, **template), "App") is Status.PASS
    assert status("AL-IAM-005", inv(good, **template), "App") is Status.PASS
    bad = role(allow("bedrock:InvokeModel", model), arn=arn, name=None)
    found = verdict("AL-IAM-006", inv(bad, **template), "App")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["resource"] == model
    assert found.evidence["proof"]["principal"] == arn


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        # `!GetAtt Alias.AgentAliasArn`, as the CloudFormation source writes it
        (
            "arn:aws:bedrock:${AWS::Region}:${AWS::AccountId}:agent-alias/${Agent}/${Alias.AgentAliasId}",
            Status.FAIL,
        ),
        # the ARN attribute of a type whose ARN the source cannot write: not a literal
        ("${Thing.ThingArn}", Status.UNKNOWN),
    ],
)
def test_a_template_grant_on_an_agent_alias(resource: str, expected: Status) -> None:
    template = {"account": TOKEN_ACCOUNT, "region": TOKEN_REGION}
    app = role(
        allow("bedrock:InvokeAgent", resource), arn="arn:aws:iam::${AWS::AccountId}:role/${App}"
    )
    assert status("AL-IAM-006", inv(app, **template), "App") is expected


def test_unresolved_parts_are_unknown_with_the_reason() -> None:
    lost = Role(
        id="App",
        native_type="AWS::IAM::Role",
        trust_policy=LAMBDA_TRUST,
        inline_policies=(
            NamedPolicy("app", doc(allow("bedrock:InvokeModel", MODEL))),
            NamedPolicy("perimeter", Unresolved("known after apply: perimeter.policy")),
        ),
    )
    found = verdict("AL-IAM-006", inv(lost), "App")
    assert found.status is Status.UNKNOWN
    assert "perimeter" in found.reason and "known after apply" in found.reason


def test_groups_and_missing_groups() -> None:
    grant = ManagedPolicy(
        id="Invoke",
        native_type="AWS::IAM::ManagedPolicy",
        document=doc(allow("bedrock:InvokeModel", MODEL)),
        groups=("Devs",),
    )
    devs = Group(id="Devs", native_type="AWS::IAM::Group", name="devs")
    member = User(id="Dev", native_type="AWS::IAM::User", groups=("Devs",))
    assert status("AL-IAM-006", inv(grant, devs, member), "Dev") is Status.FAIL
    bound = User(
        id="Dev",
        native_type="AWS::IAM::User",
        groups=("Elsewhere",),
        inline_policies=(
            NamedPolicy("own", doc(allow("bedrock:InvokeModel", MODEL, Condition=BOUND))),
        ),
    )
    assert status("AL-IAM-006", inv(bound), "Dev") is Status.UNKNOWN


def test_service_roles_are_not_workloads() -> None:
    agent = role(
        allow("bedrock:InvokeModel", MODEL),
        trust_policy=trust_doc({"Service": "bedrock.amazonaws.com"}),
    )
    found = verdict("AL-IAM-006", inv(agent), "App")
    assert found.status is Status.NOT_APPLICABLE
    assert "service role" in found.reason and "endpoint condition does not apply" in found.reason
    assert found.evidence["trusted_services"] == ["bedrock.amazonaws.com"]


# --- model scope --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("arn:aws:bedrock:eu-*::foundation-model/*", Status.FAIL),
        ("arn:aws:bedrock:*:*:inference-profile/*", Status.FAIL),
        (f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:application-inference-profile/*", Status.FAIL),
        (f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/eu.anthropic.*", Status.PASS),
        ("arn:aws:bedrock:*::foundation-model/amazon.*", Status.PASS),
    ],
)
def test_scope_probes(resource: str, expected: Status) -> None:
    found = verdict("AL-IAM-005", inv(role(allow("bedrock:InvokeModel", resource))), "App")
    assert found.status is expected
    if expected is Status.FAIL:
        assert "airlock" in found.evidence["counterexample"]["resource"]


def test_a_deny_outside_approved_models_scopes_a_wide_grant() -> None:
    only = {"Effect": "Deny", "Action": "bedrock:InvokeModel*", "NotResource": [MODEL]}
    assert (
        status("AL-IAM-005", inv(role(allow("bedrock:InvokeModel*", "*"), only)), "App")
        is Status.PASS
    )


# --- API keys -----------------------------------------------------------------------


def test_api_keys_denied_for_both_namespaces() -> None:
    both = deny(["bedrock:CallWithBearerToken", "bedrock-mantle:CallWithBearerToken"])
    assert status("AL-IAM-004", inv(role(allow("*"), both)), "App") is Status.PASS
    found = verdict("AL-IAM-004", inv(role(allow("*"), deny("bedrock:CallWithBearerToken"))), "App")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["action"] == "bedrock-mantle:CallWithBearerToken"


# --- confused deputy ----------------------------------------------------------------


def _service_role(condition: dict[str, Any] | None) -> Role:
    extra = {"Condition": condition} if condition else {}
    return role(trust_policy=trust_doc({"Service": "bedrock.amazonaws.com"}, **extra))


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (
            {"ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:agent/*"}},
            Status.PASS,
        ),
        ({"StringEquals": {"aws:SourceOrgID": "o-abc123"}}, Status.PASS),
        ({"StringEquals": {"aws:SourceAccount": [ACCOUNT, OTHER]}}, Status.PASS),
        ({"ArnLike": {"aws:SourceArn": "arn:aws:bedrock:*:*:agent/*"}}, Status.FAIL),
        ({"StringLike": {"aws:SourceAccount": "*"}}, Status.FAIL),
        ({"StringEquals": {"aws:SourceAccount": U}}, Status.UNKNOWN),
    ],
)
def test_confused_deputy_is_evaluated(condition: dict[str, Any], expected: Status) -> None:
    found = verdict("AL-IAM-008", inv(_service_role(condition)), "App")
    assert found.status is expected, found.reason
    if expected is Status.FAIL:
        assert found.evidence["counterexample"]["aws:SourceAccount"] == "999999999999"


def test_a_scoped_grant_is_not_described_as_no_grant() -> None:
    """A role granted InvokeModel on a named model passes AL-IAM-005 and AL-IAM-011 because
    the grant is scoped, not because there is none; a role with no grant says so."""
    scoped = inv(role(allow("bedrock:InvokeModel", MODEL)))
    for control in ("AL-IAM-005", "AL-IAM-011"):
        found = verdict(control, scoped, "App")
        assert found.status is Status.PASS and "granted no" not in found.reason, found.reason
    assert status("AL-IAM-011", inv(role(allow("s3:GetObject", "*")))) is Status.NOT_APPLICABLE


def test_the_documented_geographic_profile_pattern_is_bound_to_the_endpoint() -> None:
    """AWS's geographic cross-Region pattern allows the model in every destination region
    only for calls through the profile (bedrock:InferenceProfileArn); the profile itself is
    granted only through the endpoint and with a guardrail, so no request from outside, and
    none without a guardrail, gets through."""
    profile = f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/eu.anthropic.claude-v1:0"
    guarded = {"StringEquals": {"aws:SourceVpce": VPCE, "bedrock:GuardrailIdentifier": "gr-1:1"}}
    geo = role(
        allow("bedrock:InvokeModel", [MODEL, profile], Condition=guarded),
        allow(
            "bedrock:InvokeModel",
            "arn:aws:bedrock:eu-*::foundation-model/anthropic.claude-v1:0",
            Condition={"StringEquals": {"bedrock:InferenceProfileArn": profile}},
        ),
    )
    assert status("AL-IAM-006", inv(geo), "App") is Status.PASS
    assert status("AL-AUD-012", inv(geo), "App") is Status.PASS
    # the same destinations granted without the profile condition are reachable directly
    direct = role(
        allow("bedrock:InvokeModel", [MODEL, profile], Condition=guarded),
        allow(
            "bedrock:InvokeModel", "arn:aws:bedrock:eu-*::foundation-model/anthropic.claude-v1:0"
        ),
    )
    assert status("AL-IAM-006", inv(direct), "App") is Status.FAIL

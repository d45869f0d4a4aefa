"""AL-NET-007 Bedrock endpoint policies."""

from __future__ import annotations

from typing import Any

from netcontrols import Net, compliant, findings, statuses

from airlock.controls.catalog.network_endpoint_policy import (
    ENDPOINT_POLICIES,
    judge_endpoint_policy,
)
from airlock.controls.model import Status
from airlock.inventory.model import Unresolved
from airlock.inventory.network import EndpointType

U = Unresolved
MODEL = "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-6"


def _allow(action: Any, resource: Any = MODEL, **extra: Any) -> dict[str, Any]:
    return {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource, **extra}
        ]
    }


def test_policy_pass_fail_unknown_through_the_control() -> None:
    assert statuses(ENDPOINT_POLICIES, compliant()) == {"Runtime": Status.PASS, "S3": Status.PASS}
    net = compliant()
    net.replace("Runtime", policy=None)
    result = findings(ENDPOINT_POLICIES, net)["Runtime"]
    assert result.status is Status.FAIL and "default full-access" in result.reason
    net.replace("Runtime", policy=U("Fn::ImportValue Policy"))
    assert statuses(ENDPOINT_POLICIES, net)["Runtime"] is Status.UNKNOWN


def test_policy_shapes() -> None:
    judge = judge_endpoint_policy
    assert judge("bedrock-runtime", _allow("bedrock:*")).status is Status.FAIL
    assert judge("bedrock-runtime", _allow("*")).status is Status.FAIL
    assert judge("bedrock-runtime", _allow("bedrock:InvokeModel", "*")).status is Status.FAIL
    assert judge("bedrock-runtime", _allow("bedrock:DeleteGuardrail")).status is Status.FAIL
    assert judge("bedrock-runtime", _allow("bedrock:Invoke*")).status is Status.PASS
    assert (
        judge(
            "bedrock-runtime",
            _allow(
                ["bedrock:InvokeModel"],
                ["arn:aws:bedrock:${AWS::Region}::foundation-model/amazon.nova-pro-v1:0"],
            ),
        ).status
        is Status.PASS
    )
    wide = judge(
        "bedrock-runtime",
        _allow("bedrock:InvokeModel", "arn:aws:bedrock:eu-central-1::foundation-model/*"),
    )
    assert wide.status is Status.FAIL and "every foundation-model" in wide.reason
    not_action = {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "NotAction": "iam:*", "Resource": MODEL}
        ]
    }
    assert judge("bedrock-runtime", not_action).status is Status.FAIL
    deny_only = {
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}},
            }
        ]
    }
    result = judge("bedrock-runtime", deny_only)
    assert result.status is Status.FAIL and "no Allow statement" in result.reason
    assert judge("bedrock-runtime", _allow([U("Ref Action")])).status is Status.UNKNOWN
    assert judge("bedrock-runtime", {"Version": "2012-10-17"}).status is Status.UNKNOWN
    # other Bedrock endpoints: only the wildcards are judged
    assert (
        judge(
            "bedrock-agent-runtime",
            _allow(
                "bedrock:Retrieve", "arn:aws:bedrock:eu-central-1:111122223333:knowledge-base/KB1"
            ),
        ).status
        is Status.PASS
    )
    assert judge("bedrock", _allow("bedrock:*")).status is Status.FAIL
    reads = _allow(["bedrock:GetFoundationModel", "bedrock:ListFoundationModels"], "*")
    assert judge("bedrock", reads).status is Status.PASS


def test_aws_documentation_example_fails_on_resource_star() -> None:
    example = _allow(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], "*")
    result = judge_endpoint_policy("bedrock-runtime", example)
    assert result.status is Status.FAIL
    assert "Resource * (every model)" in result.reason


def test_s3_endpoint_policy_pass_fail_unknown() -> None:
    net = compliant()
    net.replace("S3", policy=None)
    result = findings(ENDPOINT_POLICIES, net)["S3"]
    assert result.status is Status.FAIL and "any bucket, in any account" in result.reason
    everything = {
        "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]
    }
    net.replace("S3", policy=everything)
    assert statuses(ENDPOINT_POLICIES, net)["S3"] is Status.FAIL
    named = {
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:PutObject",
                "Resource": "arn:aws:s3:::invocation-logs/*",
            }
        ]
    }
    net.replace("S3", policy=named)
    assert statuses(ENDPOINT_POLICIES, net)["S3"] is Status.PASS
    net.replace("S3", policy=U("data.aws_iam_policy_document.s3.json"))
    assert statuses(ENDPOINT_POLICIES, net)["S3"] is Status.UNKNOWN


def test_non_bedrock_endpoints_are_not_judged_and_none_is_not_applicable() -> None:
    net = compliant()
    net.remove("Runtime")
    net.remove("S3")
    net.endpoint("Kms", "Vpc", "kms", private_dns_enabled=True)
    assert set(statuses(ENDPOINT_POLICIES, net).values()) == {Status.NOT_APPLICABLE}


def test_s3_endpoint_of_a_vpc_passed_in_is_judged_through_its_route_tables() -> None:
    """The VPC is a parameter (or lives in another stack): the S3 endpoint still serves the
    workload when it sits in a workload subnet's route table, and when nothing rules it out."""
    net = compliant()
    net.replace("S3", vpc="vpc-0passedin", policy=None)
    result = findings(ENDPOINT_POLICIES, net)["S3"]
    assert result.status is Status.FAIL and "full-access" in result.reason
    net.replace("S3", vpc=U("Ref VpcId"), route_tables=())
    for subnet in ("PrivateA", "PrivateB"):
        net.replace(subnet, vpc=U("Ref VpcId"))
    assert statuses(ENDPOINT_POLICIES, net)["S3"] is Status.FAIL
    elsewhere = compliant()  # an S3 endpoint of an unrelated VPC is not the workload's
    elsewhere.vpc("Other", "10.9.0.0/16")
    elsewhere.endpoint("OtherS3", "Other", "s3", kind=EndpointType.GATEWAY)
    assert "OtherS3" not in findings(ENDPOINT_POLICIES, elsewhere)


def test_a_policy_naming_the_workload_roles_is_judged_as_those_roles() -> None:
    """Endpoint policies may name principals instead of ``*``: the questions are asked as
    each role of the account the policy names, so naming the workload's role passes, and
    naming it with a broad grant still fails."""
    role = "arn:aws:iam::${AWS::AccountId}:role/prod-summariser"
    named = _allow("bedrock:InvokeModel")
    named["Statement"][0]["Principal"] = {"AWS": role}
    assert judge_endpoint_policy("bedrock-runtime", named).status is Status.PASS
    broad = _allow("bedrock:*", "*")
    broad["Statement"][0]["Principal"] = {"AWS": [role]}
    found = judge_endpoint_policy("bedrock-runtime", broad)
    assert found.status is Status.FAIL and "every bedrock action" in found.reason
    foreign = _allow("bedrock:InvokeModel")
    foreign["Statement"][0]["Principal"] = {"AWS": "arn:aws:iam::111122223333:role/x"}
    found = judge_endpoint_policy("bedrock-runtime", foreign)
    assert found.status is Status.FAIL and "allows no model invocation" in found.reason


def test_a_literal_account_may_be_the_deploy_time_account() -> None:
    """CDK writes the account of a stack with a fixed env as a literal: until --account
    pins the template's account, that literal may be it (no false 'unusable' FAIL)."""
    pinned = _allow(
        "bedrock:InvokeModel", Condition={"StringEquals": {"aws:PrincipalAccount": "111111111111"}}
    )
    assert judge_endpoint_policy("bedrock-runtime", pinned).status is Status.PASS
    same = judge_endpoint_policy("bedrock-runtime", pinned, account="111111111111")
    assert same.status is Status.PASS
    other = judge_endpoint_policy("bedrock-runtime", pinned, account="222222222222")
    assert other.status is Status.FAIL and "allows no model invocation" in other.reason
    broad = _allow(
        "bedrock:*", "*", Condition={"StringEquals": {"aws:PrincipalAccount": "111111111111"}}
    )
    assert judge_endpoint_policy("bedrock-runtime", broad).status is Status.FAIL


def test_a_workload_in_imported_subnets_leaves_its_endpoint_policies_unknown() -> None:
    """The workload's subnets come from another stack: its endpoints may live there too."""
    net = Net()
    net.lambda_fn("Fn", [U("Fn::ImportValue network-SubnetA")], [U("Fn::ImportValue network-Sg")])
    found = findings(ENDPOINT_POLICIES, net)
    [(_, result)] = found.items()
    assert result.status is Status.UNKNOWN and "not in the inventory" in result.reason
    assert statuses(ENDPOINT_POLICIES, Net()) != {}  # an empty inventory still answers

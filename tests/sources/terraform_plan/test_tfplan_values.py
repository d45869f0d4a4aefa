"""Values: unknown until apply, omitted arguments, sensitive and redacted, policies, regions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlock.errors import InputError
from airlock.inventory.compute import LambdaFunction
from airlock.inventory.encryption import KmsKey, S3Bucket
from airlock.inventory.identity import Role
from airlock.inventory.model import Unresolved
from airlock.inventory.network import EndpointType, Vpc, VpcEndpoint

from .plans import Plan, const, ref

POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}],
    }
)


def _endpoint(
    plan: Plan,
    values: dict[str, object],
    unknown: dict[str, object],
    expressions: dict[str, object],
) -> Plan:
    base = {"service_name": "com.amazonaws.eu-central-1.bedrock-runtime", "vpc_id": "vpc-0abc"}
    return plan.resource(
        "aws_vpc_endpoint.x",
        {**base, **values},
        unknown={"id": True, **unknown},
        expressions=expressions,
    )


def test_unknown_from_a_resource_is_unresolved_with_the_address(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_kms_key.k", {"policy": POLICY}, unknown={"id": True, "arn": True}, expressions={}
    )
    plan.resource(
        "aws_lambda_function.f",
        {"function_name": "f"},
        unknown={"id": True, "arn": True, "kms_key_arn": True},
        expressions={"kms_key_arn": ref("aws_cloudformation_stack.s.outputs")},
    )
    function = plan.load(tmp_path).get("aws_lambda_function.f", LambdaFunction)
    assert function is not None
    assert function.kms_key == Unresolved("known after apply: aws_lambda_function.f.kms_key_arn")
    assert function.arn == Unresolved("known after apply: aws_lambda_function.f.arn")


def test_omitted_computed_argument_is_not_set(tmp_path: Path) -> None:
    """``policy`` omitted: the provider computes it, AWS applies the full-access default."""
    plan = _endpoint(
        Plan(), {"vpc_endpoint_type": "Interface"}, {"policy": True}, {"service_name": const("x")}
    )
    endpoint = plan.load(tmp_path).get("aws_vpc_endpoint.x", VpcEndpoint)
    assert endpoint is not None and endpoint.policy is None


def test_null_built_from_variables_is_not_set(tmp_path: Path) -> None:
    plan = Plan().variable("endpoint_policy", None)
    _endpoint(
        plan,
        {"vpc_endpoint_type": "Interface"},
        {"policy": True},
        {"policy": ref("var.endpoint_policy")},
    )
    endpoint = plan.load(tmp_path).get("aws_vpc_endpoint.x", VpcEndpoint)
    assert endpoint is not None and endpoint.policy is None


def test_unknown_through_a_local_is_unresolved(tmp_path: Path) -> None:
    plan = _endpoint(
        Plan(),
        {"vpc_endpoint_type": "Interface"},
        {"policy": True},
        {"policy": ref("local.policy")},
    )
    endpoint = plan.load(tmp_path).get("aws_vpc_endpoint.x", VpcEndpoint)
    assert endpoint is not None
    assert endpoint.policy == Unresolved("known after apply: aws_vpc_endpoint.x.policy")


def test_unknown_data_source_names_it(tmp_path: Path) -> None:
    plan = _endpoint(
        Plan(),
        {"vpc_endpoint_type": "Interface"},
        {"policy": True},
        {"policy": ref("data.aws_iam_policy_document.p.json")},
    )
    plan.doc["resource_changes"].append(
        {
            "address": "data.aws_iam_policy_document.p", "mode": "data", "type": "aws_iam_policy_document",
            "name": "p", "change": {"actions": ["read"], "before": None, "after": {}, "after_unknown": {"json": True}},
        }
    )  # fmt: skip
    endpoint = plan.load(tmp_path).get("aws_vpc_endpoint.x", VpcEndpoint)
    assert endpoint is not None and isinstance(endpoint.policy, Unresolved)
    assert "(read from data.aws_iam_policy_document.p)" in endpoint.policy.reason


def test_endpoint_defaults(tmp_path: Path) -> None:
    plan = _endpoint(Plan(), {}, {}, {})
    endpoint = plan.load(tmp_path).get("aws_vpc_endpoint.x", VpcEndpoint)
    assert endpoint is not None
    assert endpoint.endpoint_type is EndpointType.GATEWAY  # Terraform's default
    assert endpoint.private_dns_enabled is None  # not set: false
    assert endpoint.security_groups == ()  # the VPC's default security group applies


def test_sensitive_plain_values_are_used_and_redacted_ones_unresolved(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_lambda_function.plain",
        {"function_name": "p", "environment": [{"variables": {"TOKEN": "abc"}}]},
        sensitive={"environment": [{"variables": {"TOKEN": True}}]},
        expressions={},
    )
    plan.resource(
        "aws_lambda_function.redacted",
        {
            "function_name": "r",
            "environment": [{"variables": {"TOKEN": "(sensitive value)", "OTHER": None}}],
        },
        sensitive={"environment": [{"variables": True}]},
        expressions={},
    )
    plan.resource(
        "aws_kms_key.k",
        {"policy": None},
        sensitive={"policy": True},
        unknown={"id": True},
        expressions={"policy": ref("var.policy")},
    )
    inventory = plan.load(tmp_path)
    plain = inventory.get("aws_lambda_function.plain", LambdaFunction)
    assert plain is not None and plain.environment == {"TOKEN": "abc"}
    redacted = inventory.get("aws_lambda_function.redacted", LambdaFunction)
    assert redacted is not None
    assert redacted.environment["TOKEN"] == Unresolved(
        "sensitive value redacted in the plan: aws_lambda_function.redacted.environment[0].variables.TOKEN"
    )
    assert isinstance(redacted.environment["OTHER"], Unresolved)
    key = inventory.get("aws_kms_key.k", KmsKey)
    assert key is not None and key.policy == Unresolved(
        "sensitive value redacted in the plan: aws_kms_key.k.policy"
    )


def test_whole_environment_unknown_leaves_a_gap(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_lambda_function.f",
        {"function_name": "f", "environment": [{"variables": None}]},
        unknown={"environment": [{"variables": True}]},
        expressions={
            "environment": [{"variables": ref("aws_secretsmanager_secret_version.v.secret_string")}]
        },
    )
    inventory = plan.load(tmp_path)
    assert [g.resource_id for g in inventory.gaps] == ["aws_lambda_function.f"]
    assert inventory.gaps_for("aws_lambda_function.f")


def test_invalid_policy_json_is_unresolved_not_a_crash(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_kms_key.bad", {"policy": '{"Statement": ['}, unknown={"id": True}, expressions={}
    )
    plan.resource("aws_kms_key.array", {"policy": "[1, 2]"}, unknown={"id": True}, expressions={})
    plan.resource("aws_kms_key.empty", {"policy": ""}, unknown={"id": True}, expressions={})
    plan.resource("aws_kms_key.number", {"policy": 7}, unknown={"id": True}, expressions={})
    inventory = plan.load(tmp_path)
    bad = inventory.get("aws_kms_key.bad", KmsKey)
    assert bad is not None and isinstance(bad.policy, Unresolved)
    assert bad.policy.reason.startswith("invalid JSON in aws_kms_key.bad.policy: ")
    array = inventory.get("aws_kms_key.array", KmsKey)
    assert array is not None and array.policy == Unresolved(
        "the policy in aws_kms_key.array.policy is not a JSON object"
    )
    empty = inventory.get("aws_kms_key.empty", KmsKey)
    assert empty is not None and empty.policy is None
    number = inventory.get("aws_kms_key.number", KmsKey)
    assert number is not None and isinstance(number.policy, Unresolved)


def test_unexpected_types_are_unresolved(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_vpc.v",
        {"cidr_block": ["10.0.0.0/16"], "enable_dns_support": "maybe", "tags": {"A": 1, "B": True}},
        unknown={"id": True},
        expressions={},
    )
    vpc = plan.load(tmp_path).get("aws_vpc.v", Vpc)
    assert vpc is not None
    assert isinstance(vpc.cidr_blocks[0], Unresolved)
    assert isinstance(vpc.enable_dns_support, Unresolved)
    assert vpc.tags["A"] == "1" and isinstance(vpc.tags["B"], Unresolved)


def test_ipam_and_generated_cidrs_are_set_but_unknown(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_vpc.v",
        {"ipv4_ipam_pool_id": "ipam-pool-1", "assign_generated_ipv6_cidr_block": True},
        unknown={"id": True, "cidr_block": True, "ipv6_cidr_block": True},
        expressions={"ipv4_ipam_pool_id": const("ipam-pool-1")},
    )
    vpc = plan.load(tmp_path).get("aws_vpc.v", Vpc)
    assert vpc is not None
    assert isinstance(vpc.cidr_blocks[0], Unresolved) and isinstance(
        vpc.ipv6_cidr_blocks[0], Unresolved
    )


def test_region_sources(tmp_path: Path) -> None:
    plan = Plan(region=None)
    plan.provider("aws", region=ref("var.region")).variable("region", "eu-west-3")
    plan.provider("aws.frankfurt", region=const("eu-central-1"))
    plan.provider("aws.env")  # region from the environment
    plan.resource("aws_kms_key.default", {}, unknown={"id": True}, expressions={})
    plan.resource(
        "aws_kms_key.aliased",
        {},
        unknown={"id": True},
        expressions={},
        provider_key="aws.frankfurt",
    )
    plan.resource(
        "aws_kms_key.env", {}, unknown={"id": True}, expressions={}, provider_key="aws.env"
    )
    plan.resource(
        "aws_kms_key.v6",
        {"region": "eu-north-1"},
        unknown={"id": True},
        expressions={},
        provider_key="aws.env",
    )
    plan.resource(
        "aws_kms_key.arn",
        {"arn": "arn:aws:kms:ap-south-1:123456789012:key/x", "id": "x"},
        actions=("no-op",),
        expressions={},
        provider_key="aws.env",
    )
    inventory = plan.load(tmp_path)
    assert inventory.source.region == "eu-west-3"

    def region(address: str) -> object:
        key = inventory.get(address, KmsKey)
        assert key is not None
        return key.region

    assert region("aws_kms_key.default") == "eu-west-3"
    assert region("aws_kms_key.aliased") == "eu-central-1"
    assert isinstance(region("aws_kms_key.env"), Unresolved)
    assert region("aws_kms_key.v6") == "eu-north-1"
    assert region("aws_kms_key.arn") == "ap-south-1"


def test_account_sources(tmp_path: Path) -> None:
    plan = Plan(region=None)
    plan.provider("aws", region=const("eu-west-1"))
    plan.provider("aws.audit", region=const("eu-west-1"),
                  assume_role=[{"role_arn": const("arn:aws:iam::999988887777:role/deploy")}])  # fmt: skip
    plan.resource(
        "aws_s3_bucket.mine", {"bucket": "mine"}, unknown={"id": True, "arn": True}, expressions={}
    )
    plan.resource("aws_s3_bucket.audit", {"bucket": "audit"}, unknown={"id": True, "arn": True}, expressions={},
                  provider_key="aws.audit")  # fmt: skip
    plan.resource("aws_iam_role.r", {"name": "r", "arn": "arn:aws:iam::111122223333:role/r", "id": "r"},
                  actions=("no-op",), expressions={})  # fmt: skip
    inventory = plan.load(tmp_path)
    assert inventory.source.account == "111122223333"  # the only account the ARNs show
    mine = inventory.get("aws_s3_bucket.mine", S3Bucket)
    audit = inventory.get("aws_s3_bucket.audit", S3Bucket)
    assert mine is not None and mine.account == "111122223333"
    assert audit is not None and audit.account == "999988887777"


def test_several_accounts_make_the_source_account_unresolved(tmp_path: Path) -> None:
    plan = Plan()
    for name, account in (("a", "111111111111"), ("b", "222222222222")):
        plan.resource(f"aws_iam_role.{name}", {"name": name, "id": name, "arn": f"arn:aws:iam::{account}:role/{name}"},
                      actions=("no-op",), expressions={})  # fmt: skip
    inventory = plan.load(tmp_path)
    assert isinstance(inventory.source.account, Unresolved)
    role = inventory.get("aws_iam_role.b", Role)
    assert role is not None and role.account == "222222222222"


def test_plan_level_gaps(tmp_path: Path) -> None:
    plan = Plan()
    plan.doc["errored"] = True
    del plan.doc["configuration"]
    plan.doc["deferred_changes"] = [
        {
            "reason": "provider_config_unknown",
            "resource_change": {"address": "aws_vpc.later", "type": "aws_vpc"},
        }
    ]
    plan.resource("aws_vpc.v", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True})
    inventory = plan.load(tmp_path)
    reasons = {g.scope: g.reason for g in inventory.gaps}
    assert "errors while planning" in reasons["plan"] or "no configuration" in reasons["plan"]
    assert len([g for g in inventory.gaps if g.scope == "plan"]) == 2
    assert any(
        g.resource_id == "aws_vpc.later" and "provider_config_unknown" in g.reason
        for g in inventory.gaps
    )
    vpc = inventory.get("aws_vpc.v", Vpc)
    assert vpc is not None and isinstance(vpc.region, Unresolved)


def test_location_points_into_the_plan(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource("aws_vpc.v", {"cidr_block": "10.0.0.0/16"}, unknown={"id": True}, expressions={})
    path = plan.write(tmp_path)
    from airlock.sources.terraform_plan import load

    vpc = load(path).get("aws_vpc.v", Vpc)
    assert vpc is not None and vpc.location is not None
    assert vpc.location.file == path
    line = Path(path).read_text().splitlines()[vpc.location.line - 1] if vpc.location.line else ""
    assert '"address": "aws_vpc.v"' in line


def test_provider_declared_in_a_module(tmp_path: Path) -> None:
    plan = Plan()
    plan.provider("module.dr:aws", region=ref("var.region"))
    plan.doc["configuration"]["provider_config"]["module.dr:aws"]["module_address"] = "module.dr"
    plan.module_call(("dr",), expressions={"region": const("eu-north-1")})
    plan.resource(
        "module.dr.aws_kms_key.k",
        {},
        unknown={"id": True},
        expressions={},
        provider_key="module.dr:aws",
    )
    key = plan.load(tmp_path).get("module.dr.aws_kms_key.k", KmsKey)
    assert key is not None and key.region == "eu-north-1"


def test_unforeseen_failures_become_input_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import airlock.sources.terraform_plan as source

    def explode(*_: object) -> None:
        raise TypeError("boom")

    monkeypatch.setattr(source, "build_inventory", explode)
    path = Plan().write(tmp_path)
    with pytest.raises(InputError) as caught:
        source.load(path)
    assert caught.value.message == "could not interpret the plan (TypeError: boom)"

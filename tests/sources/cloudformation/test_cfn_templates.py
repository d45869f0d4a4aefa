"""Whole templates: the bundled fixtures, conditions, parameters and coverage gaps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlock.errors import UsageError
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.compute import LambdaFunction
from airlock.inventory.encryption import KmsKey, LogGroup, S3Bucket
from airlock.inventory.identity import Role
from airlock.inventory.model import Resource, SourceKind, Unresolved
from airlock.inventory.network import NatGateway, RouteTable, RouteTarget, VpcEndpoint
from airlock.sources import load as load_source
from airlock.sources.cloudformation import load

from .conftest import FIXTURES, Loader, resources

PRIVATE = str(FIXTURES / "private_bedrock.yaml")
LEAKY = str(FIXTURES / "leaky_bedrock.json")


def _line(path: str, text: str) -> int:
    for number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if line.strip().startswith(text):
            return number
    raise AssertionError(text)


def test_private_fixture_joins_everything() -> None:
    inventory = load(PRIVATE)
    assert inventory.source.kind is SourceKind.CLOUDFORMATION and inventory.source.path == PRIVATE
    assert isinstance(inventory.source.region, Unresolved)
    assert inventory.get("DebugBastion", Resource) is None
    logging = inventory.get("InvocationLogging", InvocationLogging)
    assert logging is not None
    bucket = inventory.get(logging.s3_bucket, S3Bucket)
    assert bucket is not None and bucket.object_lock_mode == "COMPLIANCE"
    assert bucket.object_lock_days == 7 * 365 and bucket.kms_key == "LogsKey"
    group = inventory.get(logging.log_group, LogGroup)
    assert group is not None and group.retention_days == 400
    key = inventory.get(bucket.kms_key, KmsKey)
    assert key is not None and key.rotation_enabled is True
    fn = inventory.get("InvocationLoggingFunction", LambdaFunction)
    assert fn is not None and fn.in_vpc is True
    role = inventory.get(fn.role, Role)
    assert role is not None and [p.origin for p in role.inline_policies] == ["BedrockLoggingPolicy"]
    passrole = role.inline_policies[0].document
    assert not isinstance(passrole, Unresolved)
    logging_role = inventory.find(passrole["Statement"][1]["Resource"], Role)
    assert logging_role is not None and logging_role.id == "InvocationLoggingRole"
    assert inventory.gaps == []
    for resource in inventory:
        if "#" not in resource.id:
            assert resource.location is not None
            assert resource.location.line == _line(PRIVATE, f"{resource.id}:")


def test_private_fixture_with_pinned_region_and_account() -> None:
    inventory = load(
        PRIVATE, region="eu-central-1", account="111122223333", parameters={"Environment": "dev"}
    )
    assert inventory.source.region == "eu-central-1" and inventory.source.account == "111122223333"
    endpoint = inventory.get("BedrockRuntimeEndpoint", VpcEndpoint)
    assert (
        endpoint is not None
        and endpoint.service_name == "com.amazonaws.eu-central-1.bedrock-runtime"
    )
    assert endpoint.region == "eu-central-1"
    assert inventory.get("DebugBastion", Resource) is not None
    bucket = inventory.get("InvocationLogBucket", S3Bucket)
    assert bucket is not None and bucket.bucket_name == "dev-bedrock-invocation-logs"


def test_leaky_json_fixture() -> None:
    inventory = load(LEAKY)
    routes = inventory.get("Routes", RouteTable)
    assert routes is not None
    assert any(r.target_kind is RouteTarget.INTERNET_GATEWAY for r in routes.routes)
    assert inventory.get("Nat", NatGateway) is not None
    assert inventory.get("Ghost", NatGateway) is None
    fn = inventory.get("Fn", LambdaFunction)
    assert fn is not None and fn.in_vpc is False
    endpoint = inventory.get("Endpoint", VpcEndpoint)
    assert endpoint is not None and isinstance(endpoint.vpc, Unresolved)
    assert "parameter SharedVpcId has no default" in endpoint.vpc.reason
    assert endpoint.service_name == "com.amazonaws.${AWS::Region}.bedrock-runtime"
    assert endpoint.private_dns_enabled is False
    data = json.loads(Path(LEAKY).read_text())
    lines = Path(LEAKY).read_text().splitlines()
    for logical_id in data["Resources"]:
        resource = next((r for r in inventory if r.id == logical_id), None)
        if resource is not None:
            assert resource.location is not None
            assert resource.location.line is not None
            assert lines[resource.location.line - 1].strip().startswith(f'"{logical_id}"')
    scopes = {g.scope: g.reason for g in inventory.gaps}
    assert "AWS::CloudFormation::Stack (Nested)" in scopes["unmodelled-types"]
    assert "AWS::EC2::EIP" not in scopes["unmodelled-types"]
    assert "AWS::SQS::Queue" not in scopes["unmodelled-types"]
    assert "TemplateURL" in scopes["Nested"]


def test_dispatch_through_sources() -> None:
    assert len(load_source(SourceKind.CLOUDFORMATION, PRIVATE)) == len(load(PRIVATE))


def test_unresolvable_conditions_keep_the_resource_with_a_gap(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Parameters:
          Mode: {Type: String, AllowedValues: [open, closed]}
        Conditions:
          Open: !Equals [!Ref Mode, open]
          InUs: !Equals [!Select [0, !Split ["-", !Ref "AWS::Region"]], us]
        Resources:
          Nat:
            Type: AWS::EC2::NatGateway
            Condition: Open
            Properties: {SubnetId: subnet-1}
          UsOnly:
            Type: AWS::S3::Bucket
            Condition: InUs
          Missing:
            Type: AWS::S3::Bucket
            Condition: NotDeclared
          CDKMetadata:
            Type: AWS::CDK::Metadata
            Condition: InUs
            Properties: {Analytics: v2:deflate64:abc}
        """
    )
    assert inventory.get("Nat", NatGateway) is not None
    gaps = {g.resource_id: g.reason for g in inventory.gaps}
    assert gaps["Nat"].startswith("judged as if created, but it exists only if its condition Open")
    assert "CDKMetadata" not in gaps  # a type no finding depends on is not worth a gap
    assert "condition Open cannot be evaluated: parameter Mode has no default" in gaps["Nat"]
    assert "AWS::Region" in gaps["UsOnly"]
    assert "condition NotDeclared is not defined" in gaps["Missing"]
    pinned = load_yaml(
        """\
        Conditions:
          InUs: !Equals [!Select [0, !Split ["-", !Ref "AWS::Region"]], us]
        Resources:
          UsOnly: {Type: AWS::S3::Bucket, Condition: InUs}
          Other: {Type: AWS::S3::Bucket}
        """,
        name="pinned.yaml",
        region="eu-west-1",
    )
    assert [r.id for r in pinned] == ["Other"]


def test_refs_to_excluded_resources_are_unresolved(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Conditions:
          Never: !Equals [a, b]
        Resources:
          Key: {Type: AWS::KMS::Key, Condition: Never}
          Logs:
            Type: AWS::Logs::LogGroup
            Properties: {KmsKeyId: !If [Never, !GetAtt Key.Arn, !Ref AWS::NoValue]}
          Logs2:
            Type: AWS::Logs::LogGroup
            Properties: {KmsKeyId: !GetAtt Key.Arn}
        """
    )
    logs = inventory.get("Logs", LogGroup)
    assert logs is not None and logs.kms_key is None
    logs2 = inventory.get("Logs2", LogGroup)
    assert logs2 is not None and isinstance(logs2.kms_key, Unresolved)
    assert "not created" in logs2.kms_key.reason


def test_transforms_and_loops_are_reported(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Transform: [AWS::LanguageExtensions, AWS::Include, MyMacro]
        Resources:
          Fn::ForEach::Buckets:
            - Name
            - [a, b]
            - ${Name}Bucket: {Type: AWS::S3::Bucket}
          Plain: {Type: AWS::S3::Bucket}
        """
    )
    reasons = [g.reason for g in inventory.gaps if g.scope == "transform"]
    assert any("AWS::Include" in r for r in reasons) and any("MyMacro" in r for r in reasons)
    # the loop is expanded (see test_cfn_foreach.py), so it is no gap
    assert not any("Fn::ForEach::Buckets" in r for r in reasons)
    assert not any("LanguageExtensions" in r for r in reasons)
    assert {"aBucket", "bBucket", "Plain"} <= {r.id for r in inventory}


def test_bad_overrides_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="declares no parameter named Typo"):
        load(PRIVATE, parameters={"Typo": "x"})
    with pytest.raises(UsageError, match="not an AWS region"):
        load(PRIVATE, region="Europe")
    with pytest.raises(UsageError, match="12-digit"):
        load(PRIVATE, account="12")


def test_every_pseudo_parameter_can_be_overridden(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Logs:
          Type: AWS::Logs::LogGroup
          Properties: {LogGroupName: !Sub "/${AWS::StackName}/${AWS::Region}/${AWS::AccountId}"}
        """),
        parameters={
            "AWS::StackName": "airlock",
            "AWS::Region": "eu-west-1",
            "AWS::AccountId": "111122223333",
        },
    )
    logs = inventory.get("Logs", LogGroup)
    assert logs is not None and logs.name == "/airlock/eu-west-1/111122223333"
    assert (
        logs.arn
        == "arn:aws:logs:eu-west-1:111122223333:log-group:/airlock/eu-west-1/111122223333:*"
    )

"""``Fn::ForEach`` loops (AWS::LanguageExtensions) are expanded as CloudFormation expands them."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from airlock.controls.catalog.network_endpoints import INTERFACE_ENDPOINTS
from airlock.controls.engine import run
from airlock.controls.model import Settings, Status
from airlock.errors import InputError
from airlock.inventory.compute import LambdaFunction
from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Inventory
from airlock.inventory.network import Subnet, VpcEndpoint
from airlock.sources.cloudformation import load
from airlock.sources.cloudformation.foreach import MAX_NESTING, MAX_NODES, Expander

from .conftest import Loader

HEADER = "Transform: AWS::LanguageExtensions\n"


def _load(load_yaml: Loader, text: str, **kwargs: Any) -> Inventory:
    """Load ``text`` (dedented) as a template that declares the transform."""
    return load_yaml(HEADER + textwrap.dedent(text), **kwargs)


def _ids(inventory: Inventory, kind: type = VpcEndpoint) -> set[str]:
    return {r.id for r in inventory if isinstance(r, kind)}


def _loop_gaps(inventory: Inventory) -> list[str]:
    return [g.reason for g in inventory.gaps if "Fn::ForEach" in g.reason]


def test_literal_list_makes_one_resource_per_item_at_the_loop_line(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Resources:
          Plain: {Type: AWS::S3::Bucket}
          Fn::ForEach::Buckets:
            - Name
            - [Logs, Data]
            - ${Name}Bucket:
                Type: AWS::S3::Bucket
                Properties:
                  BucketName: !Sub "acme-${Name}-${AWS::AccountId}"
                  Tags: [{Key: kind, Value: !Ref Name}]
        """,
        account="111122223333",
    )
    assert _ids(inventory, S3Bucket) == {"Plain", "LogsBucket", "DataBucket"}
    logs = inventory.get("LogsBucket", S3Bucket)
    assert logs is not None and logs.bucket_name == "acme-Logs-111122223333"
    assert logs.location is not None and logs.location.line == 4  # the loop key
    assert _loop_gaps(inventory) == []


ENDPOINTS = """\
    Parameters:
      Services: {Type: CommaDelimitedList, Default: "kms, sts"}
    Resources:
      Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
      Fn::ForEach::Endpoints:
        - Svc
        - !Ref Services
        - Vpce${Svc}:
            Type: AWS::EC2::VPCEndpoint
            Properties:
              VpcId: !Ref Vpc
              ServiceName: !Sub "com.amazonaws.${AWS::Region}.${Svc}"
              VpcEndpointType: Interface
    """


def test_parameter_list_uses_its_default(load_yaml: Loader) -> None:
    inventory = _load(load_yaml, ENDPOINTS, region="eu-central-1")
    assert _ids(inventory) == {"Vpcekms", "Vpcests"}  # members are trimmed, as CloudFormation does
    endpoint = inventory.get("Vpcests", VpcEndpoint)
    assert endpoint is not None and endpoint.service_name == "com.amazonaws.eu-central-1.sts"
    assert endpoint.vpc == "Vpc"


def test_parameter_list_uses_the_callers_value(load_yaml: Loader) -> None:
    inventory = _load(load_yaml, ENDPOINTS, parameters={"Services": "logs,secretsmanager"})
    assert _ids(inventory) == {"Vpcelogs", "Vpcesecretsmanager"}


def test_collection_without_value_keeps_the_gap_naming_loop_and_why(load_yaml: Loader) -> None:
    inventory = _load(load_yaml, ENDPOINTS.replace(', Default: "kms, sts"', ""))
    assert _ids(inventory) == set()
    [reason] = _loop_gaps(inventory)
    assert reason.startswith("Fn::ForEach::Endpoints is not expanded")
    assert "parameter Services has no default" in reason
    assert [g.scope for g in inventory.gaps if g.reason == reason] == ["transform"]


def test_inner_loop_left_unexpanded_is_one_gap_of_the_section(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Parameters:
          Names: {Type: "AWS::SSM::Parameter::Value<List<String>>", Default: /team/names}
        Resources:
          Fn::ForEach::Outer:
            - Outer
            - [a, b]
            - ${Outer}Bucket: {Type: AWS::S3::Bucket}
              Fn::ForEach::Inner:
                - Inner
                - !Ref Names
                - ${Outer}${Inner}: {Type: AWS::S3::Bucket}
        """,
    )
    assert _ids(inventory, S3Bucket) == {"aBucket", "bBucket"}
    [gap] = [g for g in inventory.gaps if "Fn::ForEach" in g.reason]
    assert gap.scope == "transform" and gap.resource_id is None
    assert gap.reason.startswith("Fn::ForEach::Inner is not expanded")
    assert gap.reason.endswith("parameter Names is read from SSM Parameter Store at deploy time")


def test_region_keyed_map_is_expanded_once_the_region_is_pinned(load_yaml: Loader) -> None:
    text = textwrap.dedent(
        """\
        Mappings:
          Regions:
            eu-central-1: {Services: [kms, sts]}
            eu-west-1: {Services: [kms]}
        Resources:
          Fn::ForEach::Endpoints:
            - Svc
            - !FindInMap [Regions, !Ref AWS::Region, Services]
            - Vpce${Svc}:
                Type: AWS::EC2::VPCEndpoint
                Properties: {VpcId: vpc-1, ServiceName: !Sub "com.amazonaws.eu-central-1.${Svc}"}
        """
    )
    [reason] = _loop_gaps(_load(load_yaml, text))
    assert "AWS::Region is chosen at deploy time (--region pins it)" in reason
    assert _ids(_load(load_yaml, text, region="eu-central-1")) == {"Vpcekms", "Vpcests"}


DEFAULTED = """\
    Mappings:
      Regions:
        eu-west-1: {Buckets: [a, b]}
        eu-central-1: {Buckets: [a, b]}
    Resources:
      Fn::ForEach::Buckets:
        - Name
        - !FindInMap [Regions, !Ref AWS::Region, Buckets, {DefaultValue: DEFAULT}]
        - ${Name}Bucket: {Type: AWS::S3::Bucket}
    """


def test_default_value_of_a_region_keyed_map_must_agree_with_its_entries(
    load_yaml: Loader,
) -> None:
    # in a region the map lacks, the default applies: unknowable unless it agrees too
    text = DEFAULTED.replace("DEFAULT", "[x, y, z]")
    [reason] = _loop_gaps(_load(load_yaml, text))
    assert "AWS::Region is chosen at deploy time (--region pins it)" in reason
    assert _ids(_load(load_yaml, text, region="eu-west-1"), S3Bucket) == {"aBucket", "bBucket"}
    assert _ids(_load(load_yaml, text, region="us-east-1"), S3Bucket) == {
        "xBucket",
        "yBucket",
        "zBucket",
    }
    agreed = _load(load_yaml, DEFAULTED.replace("DEFAULT", "[a, b]"))
    assert _ids(agreed, S3Bucket) == {"aBucket", "bBucket"}
    assert _loop_gaps(agreed) == []


@pytest.mark.parametrize(
    "collection",
    ["!FindInMap [M, K, V]", "[!FindInMap [M, K, V]]", "!FindInMap [M, !Ref AWS::Region, V]"],
)
def test_mapping_value_that_is_a_function_is_a_gap_not_a_recursion(
    load_yaml: Loader, collection: str
) -> None:
    inventory = _load(
        load_yaml,
        f"""\
        Mappings:
          M:
            K:
              V: {{"Fn::FindInMap": [M, K, V]}}
        Resources:
          Fn::ForEach::Buckets:
            - Name
            - {collection}
            - ${{Name}}Bucket: {{Type: AWS::S3::Bucket}}
        """,
    )
    assert _ids(inventory, S3Bucket) == set()
    [reason] = _loop_gaps(inventory)
    assert reason.startswith("Fn::ForEach::Buckets is not expanded")


def test_mapping_value_holding_a_function_is_named_in_the_gap(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Mappings:
          M:
            K: {V: [a, !Ref Other]}
        Resources:
          Fn::ForEach::Buckets:
            - Name
            - !FindInMap [M, K, V]
            - ${Name}Bucket: {Type: AWS::S3::Bucket}
        """,
    )
    [reason] = _loop_gaps(inventory)
    assert reason.endswith("mapping M holds a list value under V, not a value or a list of values")


def test_functions_nested_past_the_limit_are_a_gap(load_yaml: Loader) -> None:
    collection: Any = "a,b"
    for _ in range(MAX_NESTING):
        collection = {"Fn::FindInMap": ["M", "K", "Missing", {"DefaultValue": collection}]}
    template = {
        "Transform": "AWS::LanguageExtensions",
        "Mappings": {"M": {"K": {"V": "x"}}},
        "Resources": {
            "Fn::ForEach::Buckets": [
                "Name",
                {"Fn::Split": [",", collection]},
                {"${Name}Bucket": {"Type": "AWS::S3::Bucket"}},
            ]
        },
    }
    # built directly: the readers refuse documents this deep before expansion is reached
    expander = Expander({}, template["Mappings"], {})
    assert expander.section("Resources", template["Resources"]) == {}
    [gap] = expander.unexpanded
    assert gap.reason == f"its collection nests functions more than {MAX_NESTING} deep"


def test_split_and_ampersand_form_and_sub_references(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Parameters:
          Cidrs: {Type: String, Default: "10.0.1.0/24|10.0.2.0/24"}
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
          Fn::ForEach::Subnets:
            - Cidr
            - !Split ["|", !Ref Cidrs]
            - Subnet&{Cidr}:
                Type: AWS::EC2::Subnet
                Properties: {VpcId: !Ref Vpc, CidrBlock: !Ref Cidr}
              Table&{Cidr}:
                Type: AWS::EC2::RouteTable
                Properties: {VpcId: !Ref Vpc}
              Association&{Cidr}:
                Type: AWS::EC2::SubnetRouteTableAssociation
                Properties:
                  SubnetId: !Ref {Fn::Sub: "Subnet&{Cidr}"}
                  RouteTableId: !Ref {Fn::Sub: "Table&{Cidr}"}
        """,
    )
    subnet = inventory.get("Subnet1001024", Subnet)
    assert subnet is not None and subnet.cidr_block == "10.0.1.0/24" and subnet.vpc == "Vpc"
    assert _ids(inventory, Subnet) == {"Subnet1001024", "Subnet1002024"}
    # the association joined: Ref !Sub "Subnet&{Cidr}" became Ref Subnet1002024
    assert not any("Association" in g.scope for g in inventory.gaps)


def test_nested_loops_see_the_outer_identifier(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Mappings:
          Tiers: {App: {Zones: [A, B]}, Data: {Zones: [A]}}
        Resources:
          Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
          Fn::ForEach::Tiers:
            - Tier
            - [App, Data]
            - Fn::ForEach::Zones:
                - Zone
                - !FindInMap [Tiers, !Ref Tier, Zones]
                - ${Tier}${Zone}:
                    Type: AWS::EC2::Subnet
                    Properties:
                      VpcId: !Ref Vpc
                      Tags: [{Key: Name, Value: "${Tier}-${Zone}"}]
        """,
    )
    assert _ids(inventory, Subnet) == {"AppA", "AppB", "DataA"}


def test_properties_loop_is_expanded(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Resources:
          Fn::ForEach::Functions:
            - Fn
            - [Ingest]
            - ${Fn}Function:
                Type: AWS::Lambda::Function
                Properties:
                  Role: arn:aws:iam::111122223333:role/fn
                  Environment:
                    Variables:
                      STAGE: prod
                      Fn::ForEach::Vars:
                        - Var
                        - [TABLE, QUEUE]
                        - ${Var}_NAME: !Sub "${Fn}-${Var}"
        """,
    )
    function = inventory.get("IngestFunction", LambdaFunction)
    assert function is not None
    assert function.environment == {
        "STAGE": "prod",
        "TABLE_NAME": "Ingest-TABLE",
        "QUEUE_NAME": "Ingest-QUEUE",
    }


def test_unexpanded_properties_loop_is_a_gap_of_its_resource(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Resources:
          Function:
            Type: AWS::Lambda::Function
            Properties:
              Role: arn:aws:iam::111122223333:role/fn
              Environment:
                Variables:
                  Fn::ForEach::Vars: [Var, !GetAZs "", {"${Var}": x}]
        """,
    )
    [gap] = [g for g in inventory.gaps if "Fn::ForEach::Vars" in g.reason]
    assert gap.scope == gap.resource_id == "Function"
    assert "Fn::GetAZs, which Airlock does not evaluate" in gap.reason


def test_conditions_loop_is_expanded(load_yaml: Loader) -> None:
    inventory = _load(
        load_yaml,
        """\
        Parameters:
          Env: {Type: String, Default: prod}
        Conditions:
          Fn::ForEach::Envs:
            - Name
            - [prod, dev]
            - Is${Name}: !Equals [!Ref Env, "${Name}"]
        Resources:
          Kept: {Type: AWS::S3::Bucket, Condition: Isprod}
          Dropped: {Type: AWS::S3::Bucket, Condition: Isdev}
        """,
    )
    assert _ids(inventory, S3Bucket) == {"Kept"}
    assert inventory.gaps == []


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        (
            """\
            Fn::ForEach::Twice:
              - Name
              - [a, a]
              - ${Name}Bucket: {Type: AWS::S3::Bucket}
            """,
            "duplicate logical id 'aBucket' in Resources after expanding Fn::ForEach::Twice",
            3,
        ),
        (
            """\
            aBucket: {Type: AWS::S3::Bucket}
            Fn::ForEach::Clash:
              - Name
              - [a]
              - ${Name}Bucket: {Type: AWS::S3::Bucket}
            """,
            "duplicate logical id 'aBucket' in Resources after expanding Fn::ForEach::Clash",
            4,
        ),
        (
            """\
            Fn::ForEach::Slash:
              - Cidr
              - [10.0.0.0/16]
              - Vpc${Cidr}: {Type: AWS::EC2::VPC}
            """,
            "generates the logical id 'Vpc10.0.0.0/16', which is not alphanumeric",
            3,
        ),
        (
            """\
            Fn::ForEach::Short: [Name, [a]]
            """,
            "Fn::ForEach::Short must be [identifier, collection, {output key: output value}]",
            3,
        ),
    ],
)
def test_loops_cloudformation_refuses_are_input_errors(
    load_yaml: Loader, body: str, message: str, line: int
) -> None:
    text = HEADER + "Resources:\n" + textwrap.indent(textwrap.dedent(body), "  ")
    with pytest.raises(InputError) as raised:
        load_yaml(text)
    assert message in raised.value.message
    assert raised.value.line == line
    assert "\n" not in raised.value.diagnostics()


def _nested_copies(inner_collection: str) -> str:
    """5 KB of template: 300 buckets, each copying a 300-item list 300 times (27M nodes)."""
    items = "[" + ", ".join(f"i{n}" for n in range(300)) + "]"
    return f"""\
        Parameters:
          Items: {{Type: CommaDelimitedList, Default: "{items[1:-1]}"}}
        Resources:
          Fn::ForEach::Outer:
            - O
            - {items}
            - ${{O}}Bucket:
                Type: AWS::S3::Bucket
                Metadata:
                  Fn::ForEach::Inner:
                    - I
                    - {inner_collection}
                    - k${{I}}: {items}
        """


@pytest.mark.parametrize(
    ("inner_collection", "loop"),
    [
        # charged whole before any copy is made
        ("ITEMS", "Fn::ForEach::Outer"),
        # known only once expanded: charged copy by copy, refused within the budget
        ("!Ref Items", "Fn::ForEach::Inner"),
    ],
)
def test_expansion_past_the_node_budget_is_refused_naming_the_loop(
    load_yaml: Loader, inner_collection: str, loop: str
) -> None:
    text = _nested_copies(inner_collection)
    text = text.replace("ITEMS", "[" + ", ".join(f"i{n}" for n in range(300)) + "]")
    started = time.perf_counter()
    with pytest.raises(InputError) as raised:
        _load(load_yaml, text)
    assert time.perf_counter() - started < 2  # not the minutes and gigabytes of copying
    assert raised.value.message == (
        f"{loop} expands to more than {MAX_NODES:,} nodes (refused as a possible expansion bomb)"
    )
    assert raised.value.line == 5  # the loop's section entry
    assert "\n" not in raised.value.diagnostics()


def test_a_stack_of_the_largest_size_is_within_the_budget(load_yaml: Loader) -> None:
    # 500 resources, the CloudFormation quota, each with copies of its own
    names = "[" + ", ".join(f"b{n}" for n in range(500)) + "]"
    tags = "[" + ", ".join(f"t{n}" for n in range(20)) + "]"
    inventory = _load(
        load_yaml,
        f"""\
        Resources:
          Fn::ForEach::Buckets:
            - Name
            - {names}
            - ${{Name}}Bucket:
                Type: AWS::S3::Bucket
                Metadata:
                  Fn::ForEach::Tags:
                    - Tag
                    - {tags}
                    - ${{Tag}}: {{Key: "${{Tag}}", Value: "${{Name}}"}}
        """,
    )
    assert len(_ids(inventory, S3Bucket)) == 500


def test_without_the_transform_loops_stay_a_gap(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Resources:
          Plain: {Type: AWS::S3::Bucket}
          Fn::ForEach::Buckets: [Name, [a], {"${Name}Bucket": {Type: AWS::S3::Bucket}}]
        """
    )
    assert _ids(inventory, S3Bucket) == {"Plain"}
    [reason] = _loop_gaps(inventory)
    assert "does not declare the AWS::LanguageExtensions transform" in reason


# A reduced copy of a compliant team template whose plain endpoints come from a loop over a
# CommaDelimitedList parameter: AL-NET-004 failed it ("missing kms, secretsmanager").
REPRO = {
    "Transform": "AWS::LanguageExtensions",
    "Parameters": {
        "PlainEndpointServices": {
            "Type": "CommaDelimitedList",
            "Default": "kms,secretsmanager,logs,sts",
        }
    },
    "Resources": {
        "WorkloadVpc": {
            "Type": "AWS::EC2::VPC",
            "Properties": {
                "CidrBlock": "10.120.0.0/22",
                "EnableDnsSupport": True,
                "EnableDnsHostnames": True,
            },
        },
        "PrivateSubnetA": {
            "Type": "AWS::EC2::Subnet",
            "Properties": {"VpcId": {"Ref": "WorkloadVpc"}, "CidrBlock": "10.120.0.0/25"},
        },
        "PrivateRouteTable": {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": "WorkloadVpc"}},
        },
        "PrivateSubnetARouteAssoc": {
            "Type": "AWS::EC2::SubnetRouteTableAssociation",
            "Properties": {
                "SubnetId": {"Ref": "PrivateSubnetA"},
                "RouteTableId": {"Ref": "PrivateRouteTable"},
            },
        },
        "PrivateLinkSg": {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {"GroupDescription": "endpoints", "VpcId": {"Ref": "WorkloadVpc"}},
        },
        "Key": {"Type": "AWS::KMS::Key", "Properties": {"EnableKeyRotation": True}},
        "Secret": {
            "Type": "AWS::SecretsManager::Secret",
            "Properties": {"KmsKeyId": {"Ref": "Key"}},
        },
        "Invoker": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Role": "arn:aws:iam::111122223333:role/invoker",
                "VpcConfig": {
                    "SubnetIds": [{"Ref": "PrivateSubnetA"}],
                    "SecurityGroupIds": [{"Ref": "PrivateLinkSg"}],
                },
            },
        },
        "VpceBedrockRuntime": {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "VpcId": {"Ref": "WorkloadVpc"},
                "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.bedrock-runtime"},
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": True,
                "SubnetIds": [{"Ref": "PrivateSubnetA"}],
                "SecurityGroupIds": [{"Ref": "PrivateLinkSg"}],
            },
        },
        "Fn::ForEach::PlainEndpoints": [
            "Svc",
            {"Ref": "PlainEndpointServices"},
            {
                "Vpce${Svc}": {
                    "Type": "AWS::EC2::VPCEndpoint",
                    "Properties": {
                        "VpcId": {"Ref": "WorkloadVpc"},
                        "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.${Svc}"},
                        "VpcEndpointType": "Interface",
                        "PrivateDnsEnabled": True,
                        "SubnetIds": [{"Ref": "PrivateSubnetA"}],
                        "SecurityGroupIds": [{"Ref": "PrivateLinkSg"}],
                    },
                }
            },
        ],
    },
}


def test_endpoints_made_by_a_loop_satisfy_al_net_004(tmp_path: Path) -> None:
    path = tmp_path / "foreach.json"
    path.write_text(json.dumps(REPRO, indent=2), encoding="utf-8")
    inventory = load(str(path), region="eu-central-1", account="111122223333")
    assert {"Vpcekms", "Vpcesecretsmanager"} <= _ids(inventory)
    endpoint = inventory.get("Vpcekms", VpcEndpoint)
    loop_line = path.read_text().splitlines().index('    "Fn::ForEach::PlainEndpoints": [') + 1
    assert endpoint is not None and endpoint.location is not None
    assert endpoint.location.line == loop_line
    report = run([INTERFACE_ENDPOINTS], inventory, Settings())
    statuses = {f.resource.id: f.status for f in report.findings}
    assert statuses == {"WorkloadVpc": Status.PASS}

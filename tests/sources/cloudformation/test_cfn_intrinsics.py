"""Intrinsic functions, parameters and pseudo parameters: a resolution table."""

from __future__ import annotations

import base64
import textwrap
from typing import Any

import pytest

from airlock.inventory.model import Unresolved, has_deploy_token
from airlock.sources.cloudformation.functions import FUNCTIONS
from airlock.sources.cloudformation.resolver import Resolver
from airlock.sources.cloudformation.template import build_template
from airlock.sources.cloudformation.values import NO_VALUE, Symbol
from airlock.sources.cloudformation.yaml_reader import parse_yaml

BASE = """\
Parameters:
  Env: {Type: String, Default: prod}
  Port: {Type: Number, Default: 443}
  Subnets: {Type: CommaDelimitedList, Default: "subnet-a,subnet-b"}
  NoDefault: {Type: String}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /airlock/ami}
Mappings:
  Regions:
    eu-west-1: {Ami: ami-eu, Logs: central}
    us-east-1: {Ami: ami-us, Logs: central}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  InIreland: !Equals [!Ref "AWS::Region", eu-west-1]
  ProdAndIreland: !And [!Condition IsProd, !Condition InIreland]
  ProdOrIreland: !Or [!Condition IsProd, !Condition InIreland]
Resources:
  Key:
    Type: AWS::KMS::Key
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${Env}-audit"
  Unnamed:
    Type: AWS::S3::Bucket
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.1.0.0/16
  Role:
    Type: AWS::IAM::Role
    Properties:
      Path: /service/
      RoleName: runner
  Guardrail:
    Type: AWS::Bedrock::Guardrail
  Probe:
    Type: AWS::CloudFormation::WaitConditionHandle
    Properties:
      Value: VALUE
"""


def resolve(
    expression: str,
    region: str | None = None,
    account: str | None = None,
    parameters: dict[str, str] | None = None,
) -> Any:
    text = BASE.replace("VALUE", textwrap.dedent(expression).strip())
    template = build_template(parse_yaml(text), "t.yaml")
    resolver = Resolver(template, parameters or {}, region, account, FUNCTIONS)
    probe = resolver.declared["Probe"]
    return resolver.resolve(probe.properties["Value"])


class Unknown:
    """Expect an Unresolved whose reason contains ``fragment``."""

    def __init__(self, fragment: str) -> None:
        self.fragment = fragment

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Unresolved) and self.fragment in other.reason

    def __repr__(self) -> str:
        return f"Unknown({self.fragment!r})"


def sym(text: str, target: str | None = None) -> Any:
    class _Match:
        def __eq__(self, other: object) -> bool:
            return isinstance(other, Symbol) and other.text == text and other.target == target

        def __repr__(self) -> str:
            return f"Symbol({text!r}, target={target!r})"

    return _Match()


TABLE: list[tuple[str, Any]] = [
    # Ref: parameters
    ("!Ref Env", "prod"),
    ("!Ref Port", "443"),
    ("!Ref Subnets", ["subnet-a", "subnet-b"]),
    ("!Ref NoDefault", Unknown("parameter NoDefault has no default")),
    ("!Ref FromSsm", Unknown("read from SSM Parameter Store")),
    ("!Ref Nothing", Unknown("no parameter or resource of that name")),
    # Ref: pseudo parameters
    ("!Ref AWS::Region", sym("${AWS::Region}")),
    ("!Ref AWS::AccountId", sym("${AWS::AccountId}")),
    ("!Ref AWS::Partition", "aws"),
    ("!Ref AWS::URLSuffix", "amazonaws.com"),
    ("!Ref AWS::StackName", sym("${AWS::StackName}")),
    ("!Ref AWS::NotificationARNs", Unknown("set at deploy time")),
    ("!Ref AWS::NoValue", NO_VALUE),
    # Ref: resources
    ("!Ref Key", sym("${Key}", "Key")),
    ("!Ref Bucket", sym("prod-audit", "Bucket")),
    ("!Ref Unnamed", sym("${Unnamed}", "Unnamed")),
    ("!Ref Role", sym("runner", "Role")),
    (
        "!Ref Guardrail",
        sym(
            "arn:aws:bedrock:${AWS::Region}:${AWS::AccountId}:guardrail/${Guardrail.GuardrailId}",
            "Guardrail",
        ),
    ),
    # GetAtt: identity attributes, mirrored properties, others
    ("!GetAtt Key.Arn", sym("arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}", "Key")),
    ("!GetAtt [Key, KeyId]", sym("${Key}", "Key")),
    ("!GetAtt Bucket.Arn", sym("arn:aws:s3:::prod-audit", "Bucket")),
    ("!GetAtt Role.Arn", sym("arn:aws:iam::${AWS::AccountId}:role/service/runner", "Role")),
    ("!GetAtt Role.RoleId", sym("${Role.RoleId}", "Role")),
    ("!GetAtt Guardrail.GuardrailId", sym("${Guardrail.GuardrailId}", "Guardrail")),
    ("!GetAtt Vpc.CidrBlock", "10.1.0.0/16"),
    ("!GetAtt Vpc.DefaultSecurityGroup", sym("${Vpc.DefaultSecurityGroup}", "Vpc#default-security-group")),
    ("!GetAtt Bucket.DomainName", sym("${Bucket.DomainName}")),
    ("!GetAtt Missing.Arn", Unknown("no resource Missing")),
    # Sub
    (
        "!Sub 'com.amazonaws.${AWS::Region}.bedrock-runtime'",
        "com.amazonaws.${AWS::Region}.bedrock-runtime",
    ),
    ("!Sub 'arn:${AWS::Partition}:s3:::${Bucket}/*'", "arn:aws:s3:::prod-audit/*"),
    ("!Sub '${Key.Arn}'", "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}"),
    ("!Sub ['${Name}-${Env}', {Name: !Ref Role}]", "runner-prod"),
    ("!Sub '${!Literal} ${!aws:username}'", "${Literal} ${aws:username}"),
    (
        "!Sub 'x-${NoDefault}'",
        Unknown("Fn::Sub 'x-${NoDefault}': parameter NoDefault has no default"),
    ),
    ("!Sub 'arn:aws:s3:::${Unnamed}'", "arn:aws:s3:::${Unnamed}"),
    # Join / Select / Split
    ("!Join ['-', [a, !Ref Env, 3, true]]", "a-prod-3-true"),
    ("!Join [',', !Ref Subnets]", "subnet-a,subnet-b"),
    ("!Join ['', [!ImportValue shared-vpc]]", Unknown("Fn::ImportValue shared-vpc")),
    ("!Select [1, !Ref Subnets]", "subnet-b"),
    ("!Select ['0', [x, y]]", "x"),
    ("!Select [5, [x]]", Unknown("past the end")),
    ("!Select [0, !GetAZs '']", Unknown("availability zones are known at deploy time")),
    ("!Split [',', 'a,b,,c']", ["a", "b", "", "c"]),
    (
        "!Split [':', !Sub 'arn:aws:kms:${AWS::Region}:1:key/x']",
        Unknown("${AWS::Region} is chosen"),
    ),
    ("!Split ['/', !Sub 'a/${AWS::Region}']", ["a", "${AWS::Region}"]),
    # If / conditions
    ("!If [IsProd, yes-prod, not-prod]", "yes-prod"),
    ("!If [InIreland, a, b]", Unknown("Fn::If picks on condition InIreland cannot be evaluated")),
    ("!If [InIreland, same, same]", "same"),
    ("!If [ProdOrIreland, a, b]", "a"),
    ("!If [ProdAndIreland, a, b]", Unknown("AWS::Region is chosen at deploy time")),
    ("!If [Undefined, a, b]", Unknown("condition Undefined is not defined")),
    ("!Equals [!Ref Port, 443]", True),
    ("!Equals [!Ref AWS::Region, !Ref AWS::Region]", True),
    ("!Not [!Equals [a, b]]", True),
    # FindInMap
    ("!FindInMap [Regions, eu-west-1, Ami]", "ami-eu"),
    ("!FindInMap [Regions, !Ref AWS::Region, Ami]", Unknown("the key is chosen at deploy time")),
    ("!FindInMap [Regions, !Ref AWS::Region, Logs]", "central"),
    ("!FindInMap [Regions, ap-south-1, Ami, {DefaultValue: ami-default}]", "ami-default"),
    ("!FindInMap [Regions, ap-south-1, Ami]", Unknown("no such entry")),
    ("!FindInMap [Nope, a, b]", Unknown("no such mapping")),
    # others
    ("!Base64 'echo hi'", base64.b64encode(b"echo hi").decode()),
    ("!Cidr [10.0.0.0/16, 3, 8]", ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]),
    ("!Cidr [!GetAtt Vpc.CidrBlock, 2, 12]", ["10.1.0.0/20", "10.1.16.0/20"]),
    ("!Cidr [!ImportValue net, 2, 8]", Unknown("address block that is not known")),
    ("!ToJsonString {a: !Ref Env, b: [1, !Ref Key]}", '{"a":"prod","b":[1,"${Key}"]}'),
    ("!Length [a, b, c]", 3),
    ("!ImportValue shared-vpc", Unknown("exported by another stack")),
    ("{'Fn::Transform': {Name: AWS::Include}}", Unknown("a macro that runs at deploy time")),
    ("{'Fn::Madeup': x}", Unknown("Fn::Madeup is not a supported intrinsic function")),
    # NoValue removes properties and list items
    ("{a: !Ref AWS::NoValue, b: 1}", {"b": 1}),
    ("[x, !If [IsProd, !Ref AWS::NoValue, y]]", ["x"]),
]


@pytest.mark.parametrize(("expression", "expected"), TABLE, ids=[row[0] for row in TABLE])
def test_resolution(expression: str, expected: Any) -> None:
    assert resolve(expression) == expected


def test_region_and_account_replace_the_tokens() -> None:
    arn = resolve("!GetAtt Key.Arn", region="eu-west-1", account="111122223333")
    assert arn.text == "arn:aws:kms:eu-west-1:111122223333:key/${Key}"
    assert resolve("!If [InIreland, a, b]", region="eu-west-1") == "a"
    assert resolve("!FindInMap [Regions, !Ref AWS::Region, Ami]", region="us-east-1") == "ami-us"


def test_partition_follows_a_pinned_region() -> None:
    assert resolve("!Ref AWS::Partition", region="cn-north-1") == "aws-cn"
    assert resolve("!Ref AWS::URLSuffix", region="cn-north-1") == "amazonaws.com.cn"
    assert resolve("!Ref AWS::Partition", region="us-gov-west-1") == "aws-us-gov"


def test_parameter_overrides() -> None:
    assert resolve("!Ref NoDefault", parameters={"NoDefault": "given"}) == "given"
    assert resolve("!If [IsProd, a, b]", parameters={"Env": "dev"}) == "b"
    assert resolve("!Ref AWS::StackName", parameters={"AWS::StackName": "s1"}) == "s1"


def test_deploy_tokens_are_not_iam_variables() -> None:
    assert has_deploy_token("arn:aws:kms:${AWS::Region}:x")
    assert has_deploy_token("${Bucket}/*") and has_deploy_token("${Guardrail.GuardrailId}")
    assert not has_deploy_token("arn:aws:s3:::b/${aws:username}/*")
    assert not has_deploy_token("${aws:PrincipalTag/team}")

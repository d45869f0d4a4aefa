"""Unresolved endpoint ids in role policies: which ones are known to be exactly one value.

Only an unresolved value that is certainly one scalar (an ``Fn::ImportValue``, a parameter of
a scalar type without default) may stand for "one id of our own network" under an exact-match
condition; a list parameter or an ``Fn::If`` that may drop the key stays unknown.
"""

from __future__ import annotations

import pytest

from airlock.controls.catalog import identity
from airlock.controls.model import ScanContext, Settings, Status
from airlock.inventory.identity import Role
from airlock.inventory.model import Unresolved

from .conftest import Loader

TEMPLATE = """\
Parameters:
  Lockdown: {{Type: String, AllowedValues: ["yes", "no"]}}
  VpceId: {{Type: "{kind}"}}
Conditions:
  Locked: !Equals [!Ref Lockdown, "yes"]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {{Service: lambda.amazonaws.com}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: invoke
          PolicyDocument:
            Version: "2012-10-17"
            Statement:
              - Effect: Allow
                Action: bedrock:InvokeModel
                Resource: arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3
                Condition:
                  StringEquals:
                    aws:SourceVpce: {value}
"""


def _load(load_yaml: Loader, value: str, kind: str = "String", **kwargs: object) -> Role:
    role = load_yaml(TEMPLATE.format(value=value, kind=kind), **kwargs).get("Role", Role)
    assert role is not None
    return role


def _iam_006(load_yaml: Loader, value: str, kind: str = "String", **kwargs: object) -> Status:
    inventory = load_yaml(TEMPLATE.format(value=value, kind=kind), **kwargs)
    (control,) = [c for c in identity.CONTROLS if c.id == "AL-IAM-006"]
    (found,) = [
        v for v in control.check(ScanContext(inventory, Settings())) if v.subject.id == "Role"
    ]
    return found.status


def _vpce(role: Role) -> object:
    (policy,) = role.inline_policies
    assert isinstance(policy.document, dict)
    return policy.document["Statement"][0]["Condition"]["StringEquals"]["aws:SourceVpce"]


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("!ImportValue network-RuntimeEndpoint", "String"),
        ("!Ref VpceId", "String"),
        ("!Ref VpceId", "AWS::EC2::VPC::Id"),
        ("!Ref VpceId", "AWS::SSM::Parameter::Value<String>"),
        # the condition is unknown, but both branches are the same one value
        (
            "!If [Locked, !ImportValue network-RuntimeEndpoint, !ImportValue network-RuntimeEndpoint]",
            "String",
        ),
    ],
)
def test_a_value_known_to_be_one_id_is_one_of_ours(
    load_yaml: Loader, value: str, kind: str
) -> None:
    found = _vpce(_load(load_yaml, value, kind))
    assert isinstance(found, Unresolved) and found.single
    assert _iam_006(load_yaml, value, kind) is Status.PASS


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        # may drop the key: without it the Allow is open to requests from anywhere
        ("!If [Locked, !Ref VpceId, !Ref AWS::NoValue]", "String"),
        # may be any number of ids
        ("!Ref VpceId", "CommaDelimitedList"),
        ("!Ref VpceId", "List<AWS::EC2::VPC::Id>"),
        ("!Ref VpceId", "AWS::SSM::Parameter::Value<List<String>>"),
        ("!Split [',', !ImportValue network-Endpoints]", "String"),
    ],
)
def test_a_value_that_may_be_absent_or_a_list_stays_unknown(
    load_yaml: Loader, value: str, kind: str
) -> None:
    found = _vpce(_load(load_yaml, value, kind))
    assert isinstance(found, Unresolved) and not found.single
    assert _iam_006(load_yaml, value, kind) is Status.UNKNOWN


def test_a_pinned_condition_decides(load_yaml: Loader) -> None:
    value = "!If [Locked, !Ref VpceId, !Ref AWS::NoValue]"
    assert _iam_006(load_yaml, value, parameters={"Lockdown": "no"}) is Status.FAIL
    assert _iam_006(load_yaml, value, parameters={"Lockdown": "yes"}) is Status.PASS

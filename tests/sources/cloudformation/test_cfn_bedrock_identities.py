"""Ref and GetAtt of the Bedrock resources that live under another (aliases, versions).

Ref returns the CloudFormation schema's primary identifier (``AgentId|AgentAliasId`` for an
agent alias); GetAtt of an ARN attribute writes the ARN with the parent's id in it, so a
policy naming ``!GetAtt Alias.AgentAliasArn`` is an ARN the evaluator can match.
"""

from __future__ import annotations

import textwrap
from typing import Any

import pytest

from airlock.sources.cloudformation.functions import FUNCTIONS
from airlock.sources.cloudformation.resolver import Resolver
from airlock.sources.cloudformation.template import build_template
from airlock.sources.cloudformation.values import Symbol
from airlock.sources.cloudformation.yaml_reader import parse_yaml

TEMPLATE = """\
Parameters:
  AgentId: {Type: String}
Resources:
  Agent:
    Type: AWS::Bedrock::Agent
  Alias:
    Type: AWS::Bedrock::AgentAlias
    Properties:
      AgentId: !GetAtt Agent.AgentId
      AgentAliasName: live
  FixedAlias:
    Type: AWS::Bedrock::AgentAlias
    Properties:
      AgentId: ABCDEFGHIJ
      AgentAliasName: live
  LostAlias:
    Type: AWS::Bedrock::AgentAlias
    Properties:
      AgentId: !Ref AgentId
      AgentAliasName: live
  Flow:
    Type: AWS::Bedrock::Flow
  FlowAlias:
    Type: AWS::Bedrock::FlowAlias
    Properties:
      FlowArn: !GetAtt Flow.Arn
  FlowVersion:
    Type: AWS::Bedrock::FlowVersion
    Properties:
      FlowArn: !GetAtt Flow.Arn
  Prompt:
    Type: AWS::Bedrock::Prompt
  PromptVersion:
    Type: AWS::Bedrock::PromptVersion
    Properties:
      PromptArn: !Ref Prompt
  GuardrailVersion:
    Type: AWS::Bedrock::GuardrailVersion
  Router:
    Type: AWS::Bedrock::IntelligentPromptRouter
  Source:
    Type: AWS::Bedrock::DataSource
  Probe:
    Type: AWS::CloudFormation::WaitConditionHandle
    Properties:
      Value: VALUE
"""
BEDROCK = "arn:aws:bedrock:${AWS::Region}:${AWS::AccountId}"


def resolve(expression: str) -> Any:
    text = TEMPLATE.replace("VALUE", textwrap.dedent(expression).strip())
    resolver = Resolver(build_template(parse_yaml(text), "t.yaml"), {}, None, None, FUNCTIONS)
    return resolver.resolve(resolver.declared["Probe"].properties["Value"])


@pytest.mark.parametrize(
    ("expression", "text", "target"),
    [
        ("!GetAtt Alias.AgentAliasArn", f"{BEDROCK}:agent-alias/${{Agent}}/${{Alias.AgentAliasId}}", "Alias"),
        ("!GetAtt FixedAlias.AgentAliasArn", f"{BEDROCK}:agent-alias/ABCDEFGHIJ/${{FixedAlias.AgentAliasId}}", "FixedAlias"),
        ("!GetAtt Alias.AgentAliasId", "${Alias.AgentAliasId}", "Alias"),
        # the agent is a parameter without a default: the ARN is not written (see deploy_tokens)
        ("!GetAtt LostAlias.AgentAliasArn", "${LostAlias.AgentAliasArn}", "LostAlias"),
        ("!Ref Alias", "${Alias}", "Alias"),  # AgentId|AgentAliasId: not an ARN
        ("!GetAtt FlowAlias.Arn", f"{BEDROCK}:flow/${{Flow.Id}}/alias/${{FlowAlias.Id}}", "FlowAlias"),
        ("!Ref FlowVersion", "${FlowVersion}", "FlowVersion"),
        ("!Ref PromptVersion", f"{BEDROCK}:prompt/${{Prompt.Id}}:${{PromptVersion.Version}}", "PromptVersion"),
        ("!GetAtt PromptVersion.Arn", f"{BEDROCK}:prompt/${{Prompt.Id}}:${{PromptVersion.Version}}", "PromptVersion"),
        ("!GetAtt Router.PromptRouterArn", "${Router.PromptRouterArn}", "Router"),
        ("!GetAtt Source.DataSourceId", "${Source.DataSourceId}", "Source"),
    ],
)  # fmt: skip
def test_references(expression: str, text: str, target: str) -> None:
    assert resolve(expression) == Symbol(text, resolve(expression).reason, target)


def test_a_flow_version_reads_its_flow_arn_from_its_properties() -> None:
    assert resolve("!GetAtt FlowVersion.FlowArn") == resolve("!GetAtt Flow.Arn")

"""What ``Ref`` and ``Fn::GetAtt`` return for each resource type, and its synthetic ARN.

A resource's physical name, id and ARN are mostly chosen at deploy time. Inside strings and
policy documents we write them the way ``Fn::Sub`` would: ``${Key}`` for what ``Ref Key``
returns, ``${Guardrail.GuardrailId}`` for a ``GetAtt``, and ARNs in their real AWS format with
those tokens where AWS fills in a value -- ``arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/${Key}``.
A literal name property (``BucketName: audit``) is used as is: ``arn:aws:s3:::audit``.
The inventory resource's ``arn`` is the same string, so a policy naming ``!GetAtt Key.Arn`` and
the key itself compare equal.

A resource that lives under another (an agent alias under its agent, a flow alias under its
flow) writes its ARN from that parent property: ``{parent}`` in the format is the property as
resolved (an ARN, or an id put into ``parent_arn``), ``{name}`` its own generated id. Types
without an entry have no ARN Airlock can write: their ARN-valued attributes stay tokens, which
the policy evaluator reads as unresolved (:mod:`airlock.controls.deploy_tokens`).

Ref and GetAtt values follow the CloudFormation resource schemas: ``Ref`` returns the
``primaryIdentifier`` (joined by ``|`` when it has several parts, as for
``AWS::Bedrock::AgentAlias``: ``AgentId|AgentAliasId``), ``GetAtt`` the read-only properties.
"""

from __future__ import annotations

from enum import Enum

from msgspec import Struct


class RefKind(Enum):
    NAME = "name"  # Ref returns the name property (generated when absent)
    ID = "id"  # Ref returns an id AWS generates
    ARN = "arn"  # Ref returns the ARN


class Identity(Struct, frozen=True):
    ref: RefKind = RefKind.ID
    #: ARN format: {partition} {region} {account} {path} {name}
    arn: str | None = None
    name_property: str | None = None
    #: when Ref returns the ARN, or a composite id (``AgentId|AgentAliasId``): the attribute
    #: holding the resource's own generated id, which ends its ARN
    id_attribute: str | None = None
    #: the property naming the resource this one lives under (``{parent}`` in ``arn``)
    parent_property: str | None = None
    #: the parent's ARN format when that property holds an id rather than an ARN
    parent_arn: str | None = None
    #: attributes equal to what Ref returns
    ref_attributes: frozenset[str] = frozenset()
    arn_attributes: frozenset[str] = frozenset({"Arn"})
    #: other attributes that identify the resource (IAM RoleId...): a token of their own
    other_attributes: frozenset[str] = frozenset()
    is_global: bool = False
    path_property: str | None = None
    #: a prefix stripped from the name property before it goes into the ARN
    strip_prefix: str | None = None

    def identifies(self, attribute: str) -> bool:
        return (
            attribute in self.arn_attributes
            or attribute in self.ref_attributes
            or attribute in self.other_attributes
            or attribute == self.id_attribute
        )


def _ids(*names: str) -> frozenset[str]:
    return frozenset(names)


def _bedrock(kind: str) -> str:
    return "arn:{partition}:bedrock:{region}:{account}:" + kind + "/{name}"


_IAM = "arn:{partition}:iam::{account}:"

IDENTITIES: dict[str, Identity] = {
    "AWS::S3::Bucket": Identity(
        ref=RefKind.NAME, arn="arn:{partition}:s3:::{name}", name_property="BucketName"
    ),
    "AWS::KMS::Key": Identity(
        arn="arn:{partition}:kms:{region}:{account}:key/{name}", ref_attributes=_ids("KeyId")
    ),
    "AWS::KMS::ReplicaKey": Identity(
        arn="arn:{partition}:kms:{region}:{account}:key/{name}", ref_attributes=_ids("KeyId")
    ),
    "AWS::KMS::Alias": Identity(
        ref=RefKind.NAME,
        arn="arn:{partition}:kms:{region}:{account}:{name}",
        name_property="AliasName",
        arn_attributes=frozenset(),
    ),
    "AWS::IAM::Role": Identity(
        ref=RefKind.NAME,
        arn=_IAM + "role{path}{name}",
        name_property="RoleName",
        other_attributes=_ids("RoleId"),
        is_global=True,
        path_property="Path",
    ),
    "AWS::IAM::User": Identity(
        ref=RefKind.NAME,
        arn=_IAM + "user{path}{name}",
        name_property="UserName",
        is_global=True,
        path_property="Path",
    ),
    "AWS::IAM::Group": Identity(
        ref=RefKind.NAME,
        arn=_IAM + "group{path}{name}",
        name_property="GroupName",
        is_global=True,
        path_property="Path",
    ),
    "AWS::IAM::ManagedPolicy": Identity(
        ref=RefKind.ARN,
        arn=_IAM + "policy{path}{name}",
        name_property="ManagedPolicyName",
        id_attribute="Name",
        arn_attributes=_ids("PolicyArn"),
        other_attributes=_ids("PolicyId"),
        is_global=True,
        path_property="Path",
    ),
    "AWS::IAM::InstanceProfile": Identity(
        ref=RefKind.NAME,
        arn=_IAM + "instance-profile{path}{name}",
        name_property="InstanceProfileName",
        is_global=True,
        path_property="Path",
    ),
    "AWS::IAM::OIDCProvider": Identity(
        ref=RefKind.ARN,
        arn=_IAM + "oidc-provider/{name}",
        name_property="Url",
        id_attribute="Url",
        is_global=True,
        strip_prefix="https://",
    ),
    "AWS::IAM::SAMLProvider": Identity(
        ref=RefKind.ARN,
        arn=_IAM + "saml-provider/{name}",
        name_property="Name",
        id_attribute="Name",
        is_global=True,
    ),
    "AWS::IAM::Policy": Identity(ref=RefKind.ID, arn_attributes=frozenset(), is_global=True),
    "AWS::IAM::AccessKey": Identity(is_global=True, arn_attributes=frozenset()),
    "AWS::Logs::LogGroup": Identity(
        ref=RefKind.NAME,
        arn="arn:{partition}:logs:{region}:{account}:log-group:{name}:*",
        name_property="LogGroupName",
    ),
    "AWS::SecretsManager::Secret": Identity(
        ref=RefKind.ARN,
        arn="arn:{partition}:secretsmanager:{region}:{account}:secret:{name}",
        name_property="Name",
        id_attribute="Name",
        ref_attributes=_ids("Id"),
    ),
    "AWS::CloudTrail::Trail": Identity(
        ref=RefKind.NAME,
        arn="arn:{partition}:cloudtrail:{region}:{account}:trail/{name}",
        name_property="TrailName",
    ),
    "AWS::Lambda::Function": Identity(
        ref=RefKind.NAME,
        arn="arn:{partition}:lambda:{region}:{account}:function:{name}",
        name_property="FunctionName",
    ),
    "AWS::Serverless::Function": Identity(
        ref=RefKind.NAME,
        arn="arn:{partition}:lambda:{region}:{account}:function:{name}",
        name_property="FunctionName",
    ),
    "AWS::Bedrock::Guardrail": Identity(
        ref=RefKind.ARN,
        arn=_bedrock("guardrail"),
        id_attribute="GuardrailId",
        arn_attributes=_ids("GuardrailArn"),
    ),
    "AWS::Bedrock::KnowledgeBase": Identity(
        arn=_bedrock("knowledge-base"),
        ref_attributes=_ids("KnowledgeBaseId"),
        arn_attributes=_ids("KnowledgeBaseArn"),
    ),
    "AWS::Bedrock::Agent": Identity(
        arn=_bedrock("agent"), ref_attributes=_ids("AgentId"), arn_attributes=_ids("AgentArn")
    ),
    "AWS::Bedrock::ApplicationInferenceProfile": Identity(
        ref=RefKind.ARN,
        arn=_bedrock("application-inference-profile"),
        id_attribute="InferenceProfileId",
        arn_attributes=_ids("InferenceProfileArn", "InferenceProfileIdentifier"),
    ),
    "AWS::Bedrock::Prompt": Identity(ref=RefKind.ARN, arn=_bedrock("prompt"), id_attribute="Id"),
    "AWS::Bedrock::Flow": Identity(ref=RefKind.ARN, arn=_bedrock("flow"), id_attribute="Id"),
    # Ref: AgentId|AgentAliasId; ARN: agent-alias/<agent id>/<alias id>
    "AWS::Bedrock::AgentAlias": Identity(
        arn=_bedrock("agent-alias/{parent}"),
        id_attribute="AgentAliasId",
        parent_property="AgentId",
        arn_attributes=_ids("AgentAliasArn"),
    ),
    # Ref: Arn|FlowArn; ARN: flow/<flow id>/alias/<alias id>
    "AWS::Bedrock::FlowAlias": Identity(
        arn="{parent}/alias/{name}",
        id_attribute="Id",
        parent_property="FlowArn",
        parent_arn=_bedrock("flow"),
    ),
    # Ref: FlowArn|Version; a flow version has no ARN of its own
    "AWS::Bedrock::FlowVersion": Identity(arn_attributes=frozenset()),
    # Ref: the ARN, prompt/<prompt id>:<version>
    "AWS::Bedrock::PromptVersion": Identity(
        ref=RefKind.ARN,
        arn="{parent}:{name}",
        id_attribute="Version",
        parent_property="PromptArn",
        parent_arn=_bedrock("prompt"),
    ),
    # Ref: GuardrailId|Version; its GuardrailArn is the guardrail's, written by the guardrail
    "AWS::Bedrock::GuardrailVersion": Identity(arn_attributes=frozenset()),
    # Ref: the ARN (PromptRouterArn), whose format Airlock does not write
    "AWS::Bedrock::IntelligentPromptRouter": Identity(
        ref=RefKind.ARN, arn_attributes=_ids("PromptRouterArn")
    ),
    # Ref: KnowledgeBaseId|DataSourceId; a data source has no ARN of its own
    "AWS::Bedrock::DataSource": Identity(
        arn_attributes=frozenset(), other_attributes=_ids("DataSourceId")
    ),
    "AWS::OpenSearchServerless::Collection": Identity(
        arn="arn:{partition}:aoss:{region}:{account}:collection/{name}", ref_attributes=_ids("Id")
    ),
    "AWS::ECR::Repository": Identity(
        ref=RefKind.NAME,
        arn="arn:{partition}:ecr:{region}:{account}:repository/{name}",
        name_property="RepositoryName",
    ),
    "AWS::CodeArtifact::Repository": Identity(ref=RefKind.ARN, id_attribute="Name"),
    "AWS::EKS::Cluster": Identity(
        ref=RefKind.NAME,
        arn="arn:{partition}:eks:{region}:{account}:cluster/{name}",
        name_property="Name",
    ),
    "AWS::ECS::TaskDefinition": Identity(
        ref=RefKind.ARN, id_attribute="Family", arn_attributes=_ids("TaskDefinitionArn")
    ),
    "AWS::ECS::Service": Identity(
        ref=RefKind.ARN, id_attribute="Name", arn_attributes=_ids("ServiceArn")
    ),
    "AWS::CloudWatch::Alarm": Identity(ref=RefKind.NAME, name_property="AlarmName"),
    "AWS::Organizations::Policy": Identity(ref_attributes=_ids("Id")),
    "AWS::EC2::VPC": Identity(ref_attributes=_ids("VpcId")),
    "AWS::EC2::Subnet": Identity(ref_attributes=_ids("SubnetId")),
    "AWS::EC2::SecurityGroup": Identity(
        ref_attributes=_ids("GroupId", "Id"), name_property="GroupName"
    ),
    "AWS::EC2::RouteTable": Identity(ref_attributes=_ids("RouteTableId")),
    "AWS::EC2::InternetGateway": Identity(ref_attributes=_ids("InternetGatewayId")),
    "AWS::EC2::NatGateway": Identity(ref_attributes=_ids("NatGatewayId")),
    "AWS::EC2::VPNGateway": Identity(ref_attributes=_ids("VPNGatewayId")),
    "AWS::EC2::VPNConnection": Identity(ref_attributes=_ids("VpnConnectionId")),
    "AWS::EC2::TransitGateway": Identity(
        ref_attributes=_ids("Id"), arn_attributes=_ids("TransitGatewayArn")
    ),
    "AWS::EC2::TransitGatewayRouteTable": Identity(
        ref_attributes=_ids("TransitGatewayRouteTableId")
    ),
    "AWS::EC2::PrefixList": Identity(ref_attributes=_ids("PrefixListId")),
    "AWS::EC2::Instance": Identity(ref_attributes=_ids("InstanceId")),
    "AWS::EC2::LaunchTemplate": Identity(ref_attributes=_ids("LaunchTemplateId")),
    "AWS::EC2::EIP": Identity(
        ref_attributes=_ids("PublicIp"), other_attributes=_ids("AllocationId")
    ),
    "AWS::Route53Resolver::ResolverRule": Identity(ref_attributes=_ids("ResolverRuleId")),
    "AWS::Route53Resolver::ResolverEndpoint": Identity(ref_attributes=_ids("ResolverEndpointId")),
}

#: Types without an entry: Ref returns a generated id; Id and Arn identify the resource.
DEFAULT_IDENTITY = Identity(ref_attributes=_ids("Id"))


def identity_of(resource_type: str) -> Identity:
    return IDENTITIES.get(resource_type, DEFAULT_IDENTITY)

"""Per-service mappings: compute, Bedrock, audit, DNS, artefact mirrors; the type registry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlock.inventory.audit import Alarm, MetricFilter, Trail, WatchedMetric
from airlock.inventory.bedrock import (
    Agent,
    CustomModel,
    DataSource,
    Guardrail,
    InferenceProfile,
    InvocationLogging,
    KnowledgeBase,
)
from airlock.inventory.compute import (
    EcsService,
    EcsTaskDefinition,
    EksCluster,
    EksNodeGroup,
    Instance,
    LambdaFunction,
)
from airlock.inventory.dns import (
    FirewallRuleGroupAssociation,
    ResolverEndpoint,
    ResolverFirewallConfig,
    ResolverRule,
    ResolverRuleAssociation,
)
from airlock.inventory.encryption import KmsGrant, OpenSearchSecurityPolicy, Secret
from airlock.inventory.model import Inventory, Resource, Unresolved
from airlock.inventory.network import (
    FlowLog,
    NatGateway,
    TransitGateway,
    TransitGatewayAttachment,
    VpcPeeringConnection,
    VpnConnection,
)
from airlock.inventory.operations import CodeArtifactRepository, EcrRepository
from airlock.sources.terraform_plan.registry import BUILDERS, JOINERS

from .plans import Plan, ref

KMS = "arn:aws:kms:eu-central-1:123456789012:key/k1"
ROLE = "arn:aws:iam::123456789012:role/r"
_BRIEF = """
aws_vpc_endpoint_policy aws_vpc_endpoint_route_table_association aws_vpc_endpoint_subnet_association
aws_vpc_endpoint_security_group_association aws_kms_key_policy aws_s3_bucket_policy
aws_s3_bucket_server_side_encryption_configuration aws_s3_bucket_object_lock_configuration aws_s3_bucket_versioning
aws_s3_bucket_public_access_block aws_s3_bucket_lifecycle_configuration aws_route aws_route_table_association
aws_main_route_table_association aws_default_route_table aws_default_security_group aws_default_network_acl
aws_network_acl_rule aws_network_acl_association aws_security_group_rule aws_vpc_security_group_ingress_rule
aws_vpc_security_group_egress_rule aws_internet_gateway_attachment aws_vpn_gateway_attachment
aws_vpn_gateway_route_propagation aws_iam_role_policy aws_iam_role_policy_attachment aws_iam_policy_attachment
aws_iam_user_policy aws_iam_user_policy_attachment aws_iam_group_policy aws_iam_group_policy_attachment
aws_iam_group_membership aws_iam_user_group_membership aws_iam_role_policies_exclusive aws_cloudwatch_log_group
aws_lambda_function aws_ec2_transit_gateway_route aws_ec2_transit_gateway_route_table_association
aws_ec2_transit_gateway_route_table_propagation aws_route53_resolver_firewall_rule
aws_route53_resolver_firewall_rule_group_association aws_route53_resolver_firewall_config aws_route53_resolver_rule
aws_route53_resolver_rule_association aws_flow_log aws_cloudtrail aws_cloudwatch_log_metric_filter
aws_cloudwatch_metric_alarm aws_bedrock_model_invocation_logging_configuration aws_bedrock_guardrail
aws_bedrockagent_knowledge_base aws_bedrockagent_data_source aws_bedrockagent_agent aws_bedrock_custom_model
aws_bedrock_inference_profile aws_secretsmanager_secret aws_opensearchserverless_collection
aws_opensearchserverless_security_policy aws_kms_key aws_kms_replica_key aws_kms_alias aws_kms_grant aws_iam_user
aws_iam_access_key aws_iam_service_specific_credential aws_iam_openid_connect_provider aws_iam_saml_provider
aws_iam_instance_profile aws_organizations_policy aws_organizations_policy_attachment aws_vpc aws_subnet
aws_internet_gateway aws_egress_only_internet_gateway aws_nat_gateway aws_ec2_transit_gateway
aws_ec2_transit_gateway_vpc_attachment aws_ec2_transit_gateway_route_table aws_vpc_peering_connection aws_vpn_gateway
aws_vpn_connection aws_vpc_endpoint aws_security_group aws_network_acl aws_network_interface aws_instance
aws_ec2_managed_prefix_list aws_ecs_task_definition aws_ecs_service aws_eks_cluster aws_eks_node_group
aws_codeartifact_repository aws_ecr_repository aws_s3_bucket aws_iam_role aws_iam_policy aws_iam_group
"""
BRIEF_TYPES = _BRIEF.split()


def test_every_type_of_the_issue_is_registered() -> None:
    missing = [t for t in BRIEF_TYPES if t not in BUILDERS and t not in JOINERS]
    assert missing == []
    assert not set(BUILDERS) & set(JOINERS)


def _one(inventory: Inventory, rid: str, kind: type[Resource]) -> Resource:
    found = inventory.get(rid, kind)
    assert found is not None, rid
    return found


@pytest.fixture
def services(tmp_path: Path) -> Inventory:
    plan = Plan()
    add = plan.resource
    ids = {"id": True, "arn": True}
    add("aws_instance.app", {"subnet_id": "subnet-1", "vpc_security_group_ids": ["sg-1"], "associate_public_ip_address": False,
        "iam_instance_profile": "prof", "enclave_options": [{"enabled": True}]},
        unknown={**ids, "public_ip": True}, expressions={})  # fmt: skip
    add(
        "aws_lambda_function.outside",
        {"function_name": "outside", "role": ROLE},
        unknown=ids,
        expressions={},
    )
    add("aws_ecs_task_definition.t", {"family": "t", "network_mode": "awsvpc", "task_role_arn": ROLE,
        "container_definitions": json.dumps([{"name": "app", "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "x"},
        {"name": "N", "value": 3}], "secrets": [{"name": "DB", "valueFrom": "arn:aws:secretsmanager:..."}]}])},
        unknown=ids, expressions={})  # fmt: skip
    add(
        "aws_ecs_task_definition.broken",
        {"family": "b", "container_definitions": "[{"},
        unknown=ids,
        expressions={},
    )
    add("aws_ecs_service.s", {"name": "s", "network_configuration": [{"subnets": ["subnet-1"], "security_groups": ["sg-1"],
        "assign_public_ip": False}]}, unknown={**ids, "task_definition": True},
        expressions={"task_definition": ref("aws_ecs_task_definition.t.arn")})  # fmt: skip
    add("aws_eks_cluster.c", {"name": "c", "vpc_config": [{"subnet_ids": ["subnet-1"], "endpoint_public_access": False}],
        "encryption_config": [{"provider": [{"key_arn": KMS}], "resources": ["secrets"]}]}, unknown=ids, expressions={})  # fmt: skip
    add(
        "aws_eks_node_group.n",
        {"cluster_name": "c", "subnet_ids": ["subnet-1"], "node_role_arn": ROLE},
        unknown=ids,
        expressions={},
    )
    add(
        "aws_nat_gateway.private",
        {"connectivity_type": "private", "subnet_id": "subnet-1"},
        unknown=ids,
        expressions={},
    )
    add("aws_ec2_transit_gateway.t", {"default_route_table_association": "enable", "default_route_table_propagation": "disable"},
        unknown=ids, expressions={})  # fmt: skip
    add("aws_ec2_transit_gateway_vpc_attachment.a", {"transit_gateway_id": "tgw-x", "vpc_id": "vpc-1", "subnet_ids": ["subnet-1"]},
        unknown=ids, expressions={})  # fmt: skip
    add("aws_vpc_peering_connection.p", {"vpc_id": "vpc-1", "peer_vpc_id": "vpc-2", "peer_owner_id": "210987654321",
        "peer_region": "us-east-1"}, unknown=ids, expressions={})  # fmt: skip
    add("aws_vpn_connection.v", {"transit_gateway_id": "tgw-x"}, unknown=ids, expressions={})
    add("aws_flow_log.f", {"vpc_id": "vpc-1", "traffic_type": "ALL", "log_destination": "arn:aws:s3:::flow-logs"},
        unknown=ids, expressions={})  # fmt: skip
    add(
        "aws_kms_grant.g",
        {"key_id": "k1", "grantee_principal": ROLE, "operations": ["Decrypt"]},
        unknown=ids,
        expressions={},
    )
    add(
        "aws_secretsmanager_secret.s", {"name": "s", "kms_key_id": KMS}, unknown=ids, expressions={}
    )
    add("aws_opensearchserverless_security_policy.net", {"name": "net", "type": "network",
        "policy": json.dumps([{"Rules": [{"ResourceType": "collection"}], "AllowFromPublic": False}])}, unknown=ids, expressions={})  # fmt: skip
    add("aws_cloudtrail.legacy", {"name": "legacy", "event_selector": [{"read_write_type": "All", "include_management_events": True,
        "data_resource": [{"type": "AWS::S3::Object", "values": ["arn:aws:s3"]}]}], "advanced_event_selector": []},
        unknown=ids, expressions={})  # fmt: skip
    add("aws_cloudtrail.later", {"name": "later"}, unknown={**ids, "event_selector": True},
        expressions={"event_selector": ref("local.selectors")})  # fmt: skip
    add("aws_cloudwatch_log_metric_filter.m", {"log_group_name": "/aws/bedrock/invocations", "pattern": "{ $.x = 1 }",
        "metric_transformation": [{"name": "GuardrailIntervened", "namespace": "Airlock"}]}, unknown=ids, expressions={})  # fmt: skip
    add("aws_cloudwatch_metric_alarm.a", {"alarm_actions": ["arn:aws:sns:eu-central-1:123456789012:ops"],
        "metric_query": [{"id": "e1", "expression": "m1*2"},
                         {"id": "m1", "metric": [{"namespace": "AWS/Bedrock", "metric_name": "Invocations"}]}]},
        unknown=ids, expressions={})  # fmt: skip
    add("aws_bedrock_model_invocation_logging_configuration.l", {"logging_config": [{"text_data_delivery_enabled": False,
        "s3_config": [{"bucket_name": "logs"}]}]}, unknown={"id": True}, expressions={})  # fmt: skip
    add("aws_bedrock_guardrail.g", {"name": "g", "kms_key_arn": KMS,
        "content_policy_config": [{"filters_config": [{"type": "HATE"}, {"type": "PROMPT_ATTACK"}]}],
        "sensitive_information_policy_config": [{"pii_entities_config": [{"type": "EMAIL"}], "regexes_config": [{"name": "iban"}]}],
        "word_policy_config": [{"managed_word_lists_config": [{"type": "PROFANITY"}]}],
        "cross_region_config": [{"guardrail_profile_identifier": "eu.guardrail.v1:0"}]}, unknown=ids, expressions={})  # fmt: skip
    add("aws_bedrockagent_knowledge_base.kb", {"name": "kb", "role_arn": ROLE, "knowledge_base_configuration": [
        {"vector_knowledge_base_configuration": [{"embedding_model_arn": "arn:aws:bedrock:eu-central-1::foundation-model/amazon.titan-embed-text-v2:0"}]}],
        "storage_configuration": [{"type": "RDS", "rds_configuration": [{"resource_arn": "arn:aws:rds:x",
        "credentials_secret_arn": "arn:aws:secretsmanager:x"}]}]}, unknown=ids, expressions={})  # fmt: skip
    add("aws_bedrockagent_data_source.d", {"knowledge_base_id": "KB1", "server_side_encryption_configuration": [{"kms_key_arn": KMS}],
        "data_source_configuration": [{"s3_configuration": [{"bucket_arn": "arn:aws:s3:::docs"}]}]}, unknown={"id": True}, expressions={})  # fmt: skip
    add("aws_bedrockagent_agent.a", {"agent_name": "a", "agent_resource_role_arn": ROLE, "foundation_model": "anthropic.claude",
        "guardrail_configuration": [{"guardrail_identifier": "gr-1"}]}, unknown={**ids, "customer_encryption_key_arn": True},
        expressions={})  # fmt: skip
    add("aws_bedrock_custom_model.m", {"custom_model_name": "m", "custom_model_kms_key_id": KMS, "role_arn": ROLE,
        "base_model_identifier": "amazon.titan"}, unknown=ids, expressions={})  # fmt: skip
    add("aws_bedrock_inference_profile.p", {"name": "p", "model_source": [{"copy_from": "arn:aws:bedrock:eu-central-1::inference-profile/eu.anthropic.claude"}]},
        unknown=ids, expressions={})  # fmt: skip
    add("aws_route53_resolver_firewall_rule_group_association.a", {"vpc_id": "vpc-1", "firewall_rule_group_id": "rslvr-frg-1",
        "priority": 101, "mutation_protection": "ENABLED"}, unknown=ids, expressions={})  # fmt: skip
    add(
        "aws_route53_resolver_firewall_config.c",
        {"resource_id": "vpc-1", "firewall_fail_open": "DISABLED"},
        unknown=ids,
        expressions={},
    )
    add("aws_route53_resolver_rule.fwd", {"rule_type": "FORWARD", "domain_name": "corp.example.", "target_ip": [{"ip": "10.0.0.2"}]},
        unknown=ids, expressions={})  # fmt: skip
    add("aws_route53_resolver_rule_association.a", {"vpc_id": "vpc-1"}, unknown={**ids, "resolver_rule_id": True},
        expressions={"resolver_rule_id": ref("aws_route53_resolver_rule.fwd.id")})  # fmt: skip
    add("aws_route53_resolver_endpoint.out", {"direction": "OUTBOUND", "ip_address": [{"subnet_id": "subnet-1"}],
        "security_group_ids": ["sg-1"]}, unknown=ids, expressions={})  # fmt: skip
    add("aws_codeartifact_repository.pypi", {"repository": "pypi-mirror", "domain": "acme",
        "external_connections": [{"external_connection_name": "public:pypi"}]}, unknown=ids, expressions={})  # fmt: skip
    add("aws_ecr_repository.r", {"name": "r", "encryption_configuration": [{"encryption_type": "KMS", "kms_key": KMS}]},
        unknown=ids, expressions={})  # fmt: skip
    return plan.load(tmp_path)


def test_compute(services: Inventory) -> None:
    instance = _one(services, "aws_instance.app", Instance)
    assert isinstance(instance, Instance)
    assert (instance.subnet, instance.security_groups, instance.public_ip) == (
        "subnet-1",
        ("sg-1",),
        None,
    )
    assert instance.enclave_enabled is True and instance.associate_public_ip is False
    outside = _one(services, "aws_lambda_function.outside", LambdaFunction)
    assert isinstance(outside, LambdaFunction) and outside.in_vpc is False and outside.subnets == ()
    task = _one(services, "aws_ecs_task_definition.t", EcsTaskDefinition)
    assert isinstance(task, EcsTaskDefinition)
    (container,) = task.containers
    assert container.environment == {
        "AWS_SECRET_ACCESS_KEY": "x",
        "N": "3",
    } and container.secrets == ("DB",)
    assert any(g.resource_id == "aws_ecs_task_definition.broken" for g in services.gaps)
    service = _one(services, "aws_ecs_service.s", EcsService)
    assert (
        isinstance(service, EcsService) and service.task_definition == "aws_ecs_task_definition.t"
    )
    cluster = _one(services, "aws_eks_cluster.c", EksCluster)
    assert (
        isinstance(cluster, EksCluster)
        and cluster.endpoint_public_access is False
        and cluster.secrets_kms_key == KMS
    )
    nodes = _one(services, "aws_eks_node_group.n", EksNodeGroup)
    assert isinstance(nodes, EksNodeGroup) and nodes.cluster == "aws_eks_cluster.c"


def test_network_primaries(services: Inventory) -> None:
    nat = _one(services, "aws_nat_gateway.private", NatGateway)
    assert isinstance(nat, NatGateway) and nat.connectivity == "private"
    tgw = _one(services, "aws_ec2_transit_gateway.t", TransitGateway)
    assert isinstance(tgw, TransitGateway)
    assert (tgw.default_route_table_association, tgw.default_route_table_propagation) == (
        True,
        False,
    )
    attachment = _one(
        services, "aws_ec2_transit_gateway_vpc_attachment.a", TransitGatewayAttachment
    )
    assert isinstance(attachment, TransitGatewayAttachment) and attachment.subnets == ("subnet-1",)
    peering = _one(services, "aws_vpc_peering_connection.p", VpcPeeringConnection)
    assert isinstance(peering, VpcPeeringConnection) and peering.peer_account == "210987654321"
    vpn = _one(services, "aws_vpn_connection.v", VpnConnection)
    assert isinstance(vpn, VpnConnection) and vpn.transit_gateway == "tgw-x"
    flow = _one(services, "aws_flow_log.f", FlowLog)
    assert isinstance(flow, FlowLog) and flow.resources == ("vpc-1",) and flow.traffic_type == "ALL"


def test_encryption_primaries(services: Inventory) -> None:
    grant = _one(services, "aws_kms_grant.g", KmsGrant)
    assert (
        isinstance(grant, KmsGrant)
        and grant.operations == ("Decrypt",)
        and grant.grantee_principal == ROLE
    )
    secret = _one(services, "aws_secretsmanager_secret.s", Secret)
    assert isinstance(secret, Secret) and secret.kms_key == KMS
    network = _one(
        services, "aws_opensearchserverless_security_policy.net", OpenSearchSecurityPolicy
    )
    assert isinstance(network, OpenSearchSecurityPolicy) and network.policy_type == "network"
    assert (
        isinstance(network.document, dict)
        and network.document["Policies"][0]["AllowFromPublic"] is False
    )


def test_audit(services: Inventory) -> None:
    legacy = _one(services, "aws_cloudtrail.legacy", Trail)
    assert isinstance(legacy, Trail) and legacy.advanced_event_selectors is None
    assert legacy.event_selectors is not None
    (selector,) = legacy.event_selectors
    assert (
        selector.data_resources[0].type == "AWS::S3::Object"
        and selector.include_management_events is True
    )
    later = _one(services, "aws_cloudtrail.later", Trail)
    assert (
        isinstance(later, Trail)
        and later.selectors_unresolved is True
        and later.event_selectors is None
    )
    metric = _one(services, "aws_cloudwatch_log_metric_filter.m", MetricFilter)
    assert isinstance(metric, MetricFilter) and metric.metric_name == "GuardrailIntervened"
    alarm = _one(services, "aws_cloudwatch_metric_alarm.a", Alarm)
    assert isinstance(alarm, Alarm) and alarm.metrics == (WatchedMetric("AWS/Bedrock", "Invocations"),)
    assert alarm.actions == ("arn:aws:sns:eu-central-1:123456789012:ops",)


def test_bedrock(services: Inventory) -> None:
    logging = _one(
        services, "aws_bedrock_model_invocation_logging_configuration.l", InvocationLogging
    )
    assert isinstance(logging, InvocationLogging)
    assert (
        logging.text_delivery is False and logging.image_delivery is True
    )  # provider default true
    assert logging.s3_bucket == "logs"
    guardrail = _one(services, "aws_bedrock_guardrail.g", Guardrail)
    assert isinstance(guardrail, Guardrail)
    assert (
        guardrail.content_filters,
        guardrail.sensitive_information_filters,
        guardrail.word_filters,
    ) == (2, 2, 1)
    assert guardrail.cross_region_profile == "eu.guardrail.v1:0"
    kb = _one(services, "aws_bedrockagent_knowledge_base.kb", KnowledgeBase)
    assert isinstance(kb, KnowledgeBase)
    assert (kb.storage_type, kb.vector_store, kb.credentials_secret) == (
        "RDS",
        "arn:aws:rds:x",
        "arn:aws:secretsmanager:x",
    )
    source = _one(services, "aws_bedrockagent_data_source.d", DataSource)
    assert (
        isinstance(source, DataSource)
        and source.kms_key == KMS
        and source.bucket == "arn:aws:s3:::docs"
    )
    agent = _one(services, "aws_bedrockagent_agent.a", Agent)
    assert isinstance(agent, Agent) and agent.guardrail == "gr-1"
    assert agent.kms_key is None  # omitted: AWS owned key
    model = _one(services, "aws_bedrock_custom_model.m", CustomModel)
    assert isinstance(model, CustomModel) and model.kms_key == KMS
    profile = _one(services, "aws_bedrock_inference_profile.p", InferenceProfile)
    assert isinstance(profile, InferenceProfile) and str(profile.model_source).endswith(
        "eu.anthropic.claude"
    )


def test_dns(services: Inventory) -> None:
    association = _one(
        services,
        "aws_route53_resolver_firewall_rule_group_association.a",
        FirewallRuleGroupAssociation,
    )
    assert isinstance(association, FirewallRuleGroupAssociation) and association.priority == 101
    config = _one(services, "aws_route53_resolver_firewall_config.c", ResolverFirewallConfig)
    assert isinstance(config, ResolverFirewallConfig) and config.fail_open is False
    rule = _one(services, "aws_route53_resolver_rule.fwd", ResolverRule)
    assert isinstance(rule, ResolverRule) and rule.target_ips == ("10.0.0.2",)
    rule_association = _one(
        services, "aws_route53_resolver_rule_association.a", ResolverRuleAssociation
    )
    assert (
        isinstance(rule_association, ResolverRuleAssociation)
        and rule_association.rule == "aws_route53_resolver_rule.fwd"
    )
    endpoint = _one(services, "aws_route53_resolver_endpoint.out", ResolverEndpoint)
    assert isinstance(endpoint, ResolverEndpoint) and endpoint.subnets == ("subnet-1",)


def test_artefact_mirrors(services: Inventory) -> None:
    mirror = _one(services, "aws_codeartifact_repository.pypi", CodeArtifactRepository)
    assert isinstance(mirror, CodeArtifactRepository) and mirror.external_connections == (
        "public:pypi",
    )
    ecr = _one(services, "aws_ecr_repository.r", EcrRepository)
    assert isinstance(ecr, EcrRepository) and (ecr.encryption_type, ecr.kms_key) == ("KMS", KMS)


def test_unknown_guardrail_policy_is_a_gap(tmp_path: Path) -> None:
    plan = Plan().resource("aws_bedrock_guardrail.g", {"name": "g"}, unknown={"id": True, "content_policy_config": True},
                           expressions={"content_policy_config": ref("local.filters")})  # fmt: skip
    inventory = plan.load(tmp_path)
    guardrail = inventory.get("aws_bedrock_guardrail.g", Guardrail)
    assert guardrail is not None and guardrail.content_filters == 0
    assert [g.resource_id for g in inventory.gaps] == ["aws_bedrock_guardrail.g"]
    assert not isinstance(guardrail.name, Unresolved)

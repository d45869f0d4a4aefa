"""The Terraform resource types a relation may point to.

A relation attribute (``vpc_id``, ``kms_key_id``...) is resolved among the types of its family,
so that a role and a bucket that share a name are never confused.
"""

from __future__ import annotations

from typing import TypeAlias

Family: TypeAlias = frozenset[str]


def family(*types: str) -> Family:
    return frozenset(types)


VPC = family("aws_vpc", "aws_default_vpc")
SUBNET = family("aws_subnet", "aws_default_subnet")
ROUTE_TABLE = family("aws_route_table", "aws_default_route_table")
SECURITY_GROUP = family("aws_security_group", "aws_default_security_group")
NETWORK_ACL = family("aws_network_acl", "aws_default_network_acl")
INTERNET_GATEWAY = family("aws_internet_gateway")
VPN_GATEWAY = family("aws_vpn_gateway")
#: ``gateway_id`` of a route or an edge association
GATEWAY = INTERNET_GATEWAY | VPN_GATEWAY
NAT_GATEWAY = family("aws_nat_gateway")
EGRESS_ONLY_GATEWAY = family("aws_egress_only_internet_gateway")
TRANSIT_GATEWAY = family("aws_ec2_transit_gateway")
TRANSIT_GATEWAY_ATTACHMENT = family(
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ec2_transit_gateway_peering_attachment",
    "aws_ec2_transit_gateway_connect",
    "aws_vpn_connection",
)
TRANSIT_GATEWAY_ROUTE_TABLE = family("aws_ec2_transit_gateway_route_table")
PEERING = family("aws_vpc_peering_connection")
VPC_ENDPOINT = family("aws_vpc_endpoint")
NETWORK_INTERFACE = family("aws_network_interface")
INSTANCE = family("aws_instance")
PREFIX_LIST = family("aws_ec2_managed_prefix_list", "aws_vpc_endpoint")
CARRIER_GATEWAY = family("aws_ec2_carrier_gateway")
LOCAL_GATEWAY = family("aws_ec2_local_gateway")
CORE_NETWORK = family("aws_networkmanager_core_network")
ELASTIC_IP = family("aws_eip")

KMS_KEY = family("aws_kms_key", "aws_kms_replica_key", "aws_kms_alias", "aws_kms_external_key")
BUCKET = family("aws_s3_bucket")
LOG_GROUP = family("aws_cloudwatch_log_group")
SECRET = family("aws_secretsmanager_secret")
COLLECTION = family("aws_opensearchserverless_collection")

ROLE = family("aws_iam_role")
USER = family("aws_iam_user")
GROUP = family("aws_iam_group")
MANAGED_POLICY = family("aws_iam_policy")
INSTANCE_PROFILE = family("aws_iam_instance_profile")
ORGANIZATION_POLICY = family("aws_organizations_policy")
ORGANIZATION_TARGET = family(
    "aws_organizations_account",
    "aws_organizations_organizational_unit",
    "aws_organizations_organization",
)

KNOWLEDGE_BASE = family("aws_bedrockagent_knowledge_base")
GUARDRAIL = family("aws_bedrock_guardrail")
FIREWALL_DOMAIN_LIST = family("aws_route53_resolver_firewall_domain_list")
FIREWALL_RULE_GROUP = family("aws_route53_resolver_firewall_rule_group")
RESOLVER_RULE = family("aws_route53_resolver_rule")
RESOLVER_ENDPOINT = family("aws_route53_resolver_endpoint")
TASK_DEFINITION = family("aws_ecs_task_definition")
EKS_CLUSTER = family("aws_eks_cluster")
#: whatever a relation names (alarm actions, flow log destinations): any managed resource
ANY: Family | None = None

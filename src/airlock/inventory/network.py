"""Network resources: VPCs, subnets, routing, gateways, endpoints, security groups, NACLs."""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct

from airlock.inventory.model import PolicyValue, Resource, Unresolved, Val


class Vpc(Resource, frozen=True, kw_only=True):
    cidr_blocks: tuple[Val[str], ...] = ()
    ipv6_cidr_blocks: tuple[Val[str], ...] = ()
    enable_dns_support: Val[bool] | None = None  # None: AWS default (true)


class Subnet(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    cidr_block: Val[str] | None = None
    ipv6_cidr_block: Val[str] | None = None
    availability_zone: Val[str] | None = None
    map_public_ip_on_launch: Val[bool] | None = None  # None: AWS default (false)
    assign_ipv6_address_on_creation: Val[bool] | None = None


class RouteTarget(StrEnum):
    LOCAL = "local"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    TRANSIT_GATEWAY = "transit-gateway"
    VPC_PEERING = "vpc-peering-connection"
    VPN_GATEWAY = "vpn-gateway"
    GATEWAY_ENDPOINT = "gateway-endpoint"  # S3/DynamoDB gateway endpoints (prefix-list routes)
    VPC_ENDPOINT = "vpc-endpoint"  # gateway load balancer endpoints
    NETWORK_INTERFACE = "network-interface"
    INSTANCE = "instance"
    CARRIER_GATEWAY = "carrier-gateway"
    LOCAL_GATEWAY = "local-gateway"
    CORE_NETWORK = "core-network"
    UNKNOWN = "unknown"


class Route(Struct, frozen=True):
    """One route. Exactly one destination is normally set."""

    target_kind: RouteTarget
    target: Val[str] | None
    destination_cidr: Val[str] | None = None
    destination_ipv6_cidr: Val[str] | None = None
    destination_prefix_list: Val[str] | None = None
    propagated: bool = False
    blackhole: bool = False
    origin: str | None = None  # id of the separate route resource, if any


class RouteTable(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    routes: tuple[Route, ...] = ()
    #: subnets explicitly associated (joined from association resources)
    subnets: tuple[Val[str], ...] = ()
    #: gateway (edge) associations: IGW/VGW ids
    gateways: tuple[Val[str], ...] = ()
    is_main: bool = False
    #: virtual private gateways whose routes propagate here
    propagating_gateways: tuple[Val[str], ...] = ()
    #: some association or route references could not be resolved
    unresolved_associations: tuple[Unresolved, ...] = ()


class InternetGateway(Resource, frozen=True, kw_only=True):
    vpcs: tuple[Val[str], ...] = ()  # attachments


class EgressOnlyInternetGateway(Resource, frozen=True, kw_only=True):
    vpc: Val[str] | None = None


class NatGateway(Resource, frozen=True, kw_only=True):
    subnet: Val[str] | None = None
    connectivity: Val[str] = "public"  # "public" | "private"


class TransitGateway(Resource, frozen=True, kw_only=True):
    default_route_table_association: Val[bool] | None = None
    default_route_table_propagation: Val[bool] | None = None


class TransitGatewayAttachment(Resource, frozen=True, kw_only=True):
    transit_gateway: Val[str]
    vpc: Val[str] | None = None
    subnets: tuple[Val[str], ...] = ()
    kind: str = "vpc"  # vpc | vpn | peering | connect | direct-connect


class TransitGatewayRoute(Struct, frozen=True):
    destination_cidr: Val[str]
    attachment: Val[str] | None  # None with blackhole
    blackhole: bool = False
    origin: str | None = None


class TransitGatewayRouteTable(Resource, frozen=True, kw_only=True):
    transit_gateway: Val[str]
    routes: tuple[TransitGatewayRoute, ...] = ()
    associations: tuple[Val[str], ...] = ()  # attachment ids
    propagations: tuple[Val[str], ...] = ()  # attachment ids


class VpcPeeringConnection(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    peer_vpc: Val[str]
    peer_account: Val[str] | None = None
    peer_region: Val[str] | None = None


class VpnGateway(Resource, frozen=True, kw_only=True):
    vpcs: tuple[Val[str], ...] = ()


class VpnConnection(Resource, frozen=True, kw_only=True):
    vpn_gateway: Val[str] | None = None
    transit_gateway: Val[str] | None = None


class EndpointType(StrEnum):
    INTERFACE = "Interface"
    GATEWAY = "Gateway"
    GATEWAY_LOAD_BALANCER = "GatewayLoadBalancer"


class VpcEndpoint(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    service_name: Val[str]
    endpoint_type: Val[EndpointType]
    #: None: not set. CloudFormation and Terraform both default to false for Interface.
    private_dns_enabled: Val[bool] | None = None
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()  # empty: the VPC's default SG is attached
    route_tables: tuple[Val[str], ...] = ()
    #: None: no policy set -- AWS applies the full-access default policy
    policy: PolicyValue = None


class SecurityGroupRule(Struct, frozen=True):
    """One ingress or egress permission. ``protocol`` "-1" means all."""

    protocol: Val[str]
    from_port: Val[int] | None = None
    to_port: Val[int] | None = None
    cidr_ipv4: Val[str] | None = None
    cidr_ipv6: Val[str] | None = None
    security_group: Val[str] | None = None  # source (ingress) / destination (egress) group
    prefix_list: Val[str] | None = None
    description: Val[str] | None = None
    origin: str | None = None  # id of the separate rule resource, if any


class SecurityGroup(Resource, frozen=True, kw_only=True):
    vpc: Val[str] | None = None
    name: Val[str] | None = None
    ingress: tuple[SecurityGroupRule, ...] = ()
    #: the effective egress rules: sources fill in the AWS default (all traffic to
    #: 0.0.0.0/0) where the IaC tool keeps it, and leave it out where the tool removes it
    egress: tuple[SecurityGroupRule, ...] = ()
    is_default: bool = False


class NetworkAclEntry(Struct, frozen=True):
    rule_number: Val[int]
    egress: bool
    protocol: Val[str]
    allow: Val[bool]
    cidr_ipv4: Val[str] | None = None
    cidr_ipv6: Val[str] | None = None
    from_port: Val[int] | None = None
    to_port: Val[int] | None = None
    origin: str | None = None


class NetworkAcl(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    subnets: tuple[Val[str], ...] = ()
    entries: tuple[NetworkAclEntry, ...] = ()
    is_default: bool = False


class FlowLog(Resource, frozen=True, kw_only=True):
    #: VPC, subnet or ENI ids the flow log covers
    resources: tuple[Val[str], ...] = ()
    traffic_type: Val[str] | None = None  # ALL | ACCEPT | REJECT
    destination: Val[str] | None = None
    kms_key: Val[str] | None = None


class PrefixList(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    entries: tuple[Val[str], ...] = ()


# Ids of the objects AWS creates with every VPC, synthesized by offline sources as
# ``<vpc id><suffix>`` when the template or plan does not declare them.
MAIN_ROUTE_TABLE_SUFFIX = "#main"
DEFAULT_NETWORK_ACL_SUFFIX = "#default-network-acl"
DEFAULT_SECURITY_GROUP_SUFFIX = "#default-security-group"

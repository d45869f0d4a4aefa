"""Route tables and everything CloudFormation declares separately and we fold into them.

``AWS::EC2::Route``, ``SubnetRouteTableAssociation``, ``GatewayRouteTableAssociation`` and
``VPNGatewayRoutePropagation`` are not inventory resources: they become the route table's
``routes``, ``subnets``, ``gateways`` and ``propagating_gateways`` (with ``origin`` /
``configured_by`` naming the declaring resource). Local routes are added once the VPC's CIDR
blocks are known (see :mod:`..implicit`).
"""

from __future__ import annotations

from airlock.inventory.model import Unresolved, Val
from airlock.inventory.network import Route, RouteTable, RouteTarget
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props
from airlock.sources.cloudformation.mapping.network import required
from airlock.sources.cloudformation.template import Declaration

_TARGETS: tuple[tuple[str, RouteTarget], ...] = (
    ("GatewayId", RouteTarget.UNKNOWN),  # internet or VPN gateway: decided below
    ("NatGatewayId", RouteTarget.NAT_GATEWAY),
    ("TransitGatewayId", RouteTarget.TRANSIT_GATEWAY),
    ("VpcPeeringConnectionId", RouteTarget.VPC_PEERING),
    ("EgressOnlyInternetGatewayId", RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY),
    ("NetworkInterfaceId", RouteTarget.NETWORK_INTERFACE),
    ("InstanceId", RouteTarget.INSTANCE),
    ("VpcEndpointId", RouteTarget.VPC_ENDPOINT),
    ("CarrierGatewayId", RouteTarget.CARRIER_GATEWAY),
    ("CoreNetworkArn", RouteTarget.CORE_NETWORK),
    ("LocalGatewayId", RouteTarget.LOCAL_GATEWAY),
    ("OdbNetworkArn", RouteTarget.UNKNOWN),
)

_GATEWAY_TYPES = {
    "AWS::EC2::InternetGateway": RouteTarget.INTERNET_GATEWAY,
    "AWS::EC2::VPNGateway": RouteTarget.VPN_GATEWAY,
}
_GATEWAY_PREFIXES = {"igw-": RouteTarget.INTERNET_GATEWAY, "vgw-": RouteTarget.VPN_GATEWAY}


def _gateway_kind(target: Val[str] | None, ctx: MapContext) -> RouteTarget:
    if not isinstance(target, str):
        return RouteTarget.UNKNOWN
    declared = ctx.type_of(target)
    if declared is not None:
        return _GATEWAY_TYPES.get(declared, RouteTarget.UNKNOWN)
    if target == "local":
        return RouteTarget.LOCAL
    for prefix, kind in _GATEWAY_PREFIXES.items():
        if target.startswith(prefix):
            return kind
    return RouteTarget.UNKNOWN


def route_target(p: Props, ctx: MapContext) -> tuple[RouteTarget, Val[str] | None]:
    """The kind and id of what a route sends traffic to."""
    present = [(key, kind) for key, kind in _TARGETS if p.has(key)]
    if not present:
        return RouteTarget.UNKNOWN, Unresolved("the route names no target")
    if len(present) > 1:
        names = ", ".join(key for key, _ in present)
        return RouteTarget.UNKNOWN, Unresolved(f"the route names several targets ({names})")
    key, kind = present[0]
    target = p.rel(key)
    if key == "GatewayId":
        kind = _gateway_kind(target, ctx)
    return kind, target


def _route_table(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(RouteTable(**ctx.common(d, p), vpc=required(p, "VpcId")))


def _route(d: Declaration, p: Props, ctx: MapContext) -> None:
    kind, target = route_target(p, ctx)
    route = Route(
        target_kind=kind,
        target=target,
        destination_cidr=p.text("DestinationCidrBlock"),
        destination_ipv6_cidr=p.text("DestinationIpv6CidrBlock"),
        destination_prefix_list=p.rel("DestinationPrefixListId"),
        origin=d.logical_id,
    )
    ctx.joins.append(p.rel("RouteTableId"), RouteTable, "routes", (route,), d.logical_id, "route")


def _subnet_association(d: Declaration, p: Props, ctx: MapContext) -> None:
    table = p.rel("RouteTableId")
    subnet = required(p, "SubnetId")
    if isinstance(table, Unresolved) and isinstance(subnet, str):
        ctx.gap(
            subnet,
            f"the route table of this subnet cannot be resolved ({table.reason}); "
            f"set by {d.logical_id}",
            resource_id=subnet,
        )
    ctx.joins.append(
        table, RouteTable, "subnets", (subnet,), d.logical_id, "route table association"
    )


def _gateway_association(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.joins.append(
        p.rel("RouteTableId"),
        RouteTable,
        "gateways",
        (required(p, "GatewayId"),),
        d.logical_id,
        "gateway route table association",
    )


def _propagation(d: Declaration, p: Props, ctx: MapContext) -> None:
    gateway = required(p, "VpnGatewayId")
    for table in p.rels("RouteTableIds"):
        ctx.joins.append(
            table,
            RouteTable,
            "propagating_gateways",
            (gateway,),
            d.logical_id,
            "route propagation",
        )


MAPPERS: dict[str, Mapper] = {
    "AWS::EC2::RouteTable": _route_table,
    "AWS::EC2::Route": _route,
    "AWS::EC2::SubnetRouteTableAssociation": _subnet_association,
    "AWS::EC2::GatewayRouteTableAssociation": _gateway_association,
    "AWS::EC2::VPNGatewayRoutePropagation": _propagation,
}

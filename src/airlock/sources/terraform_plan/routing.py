"""Route tables, routes, and what associates subnets and gateways with them.

Inline ``route`` blocks and ``aws_route`` resources end up in the same ``RouteTable.routes``.
``route`` is an attribute-as-blocks argument: omitted, it only reports the routes AWS had
(including those ``aws_route`` resources made), so those copies give way to the resources
and disappear with deleted ones; declared, it is what Terraform enforces. The local route and
gateway-endpoint routes are added after joining (:mod:`defaults`).
"""

from __future__ import annotations

from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import Route, RouteTable, RouteTarget
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView

#: target arguments of a route, in the order they are looked at
_TARGETS: tuple[tuple[str, F.Family, RouteTarget | None], ...] = (
    ("gateway_id", F.GATEWAY, None),
    ("nat_gateway_id", F.NAT_GATEWAY, RouteTarget.NAT_GATEWAY),
    ("transit_gateway_id", F.TRANSIT_GATEWAY, RouteTarget.TRANSIT_GATEWAY),
    ("vpc_peering_connection_id", F.PEERING, RouteTarget.VPC_PEERING),
    ("egress_only_gateway_id", F.EGRESS_ONLY_GATEWAY, RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY),
    ("network_interface_id", F.NETWORK_INTERFACE, RouteTarget.NETWORK_INTERFACE),
    ("vpc_endpoint_id", F.VPC_ENDPOINT, RouteTarget.VPC_ENDPOINT),
    ("carrier_gateway_id", F.CARRIER_GATEWAY, RouteTarget.CARRIER_GATEWAY),
    ("local_gateway_id", F.LOCAL_GATEWAY, RouteTarget.LOCAL_GATEWAY),
    ("core_network_arn", F.CORE_NETWORK, RouteTarget.CORE_NETWORK),
    ("instance_id", F.INSTANCE, RouteTarget.INSTANCE),
)
_GATEWAY_TYPES = {
    "aws_internet_gateway": RouteTarget.INTERNET_GATEWAY,
    "aws_vpn_gateway": RouteTarget.VPN_GATEWAY,
}
_ID_PREFIXES = (
    ("igw-", RouteTarget.INTERNET_GATEWAY),
    ("vgw-", RouteTarget.VPN_GATEWAY),
    ("vpce-", RouteTarget.GATEWAY_ENDPOINT),
    ("nat-", RouteTarget.NAT_GATEWAY),
    ("tgw-", RouteTarget.TRANSIT_GATEWAY),
    ("pcx-", RouteTarget.VPC_PEERING),
    ("eigw-", RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY),
)

_INLINE = ("cidr_block", "ipv6_cidr_block", "destination_prefix_list_id")
_RESOURCE = ("destination_cidr_block", "destination_ipv6_cidr_block", "destination_prefix_list_id")


def route_of(v: ResourceView, destinations: tuple[str, str, str], origin: str | None) -> Route:
    """One route from an inline ``route`` block or an ``aws_route`` resource."""
    kind, target = RouteTarget.UNKNOWN, None
    for attr, family, fixed in _TARGETS:
        value = v.ref(attr, family=family)
        if value is None:
            continue
        kind = fixed if fixed is not None else _gateway_kind(v, attr, value)
        target = value
        if isinstance(value, str) and value == "local":
            kind = RouteTarget.LOCAL
        break
    cidr, ipv6, prefix_list = destinations
    return Route(
        target_kind=kind,
        target=target,
        destination_cidr=v.text(cidr) or None,
        destination_ipv6_cidr=v.text(ipv6) or None,
        destination_prefix_list=v.ref(prefix_list, family=F.PREFIX_LIST) or None,
        origin=origin,
    )


def _gateway_kind(v: ResourceView, attr: str, target: Val[str]) -> RouteTarget:
    """``gateway_id`` names an internet gateway or a virtual private gateway (or ``local``)."""
    if isinstance(target, Unresolved):
        kinds = {_GATEWAY_TYPES.get(t.type) for t in v.resolution(attr).targets}
        if len(kinds) == 1:
            (only,) = kinds
            return only or RouteTarget.UNKNOWN
        return RouteTarget.UNKNOWN
    planned = v.ctx.plan.resources.get(target)
    if planned is not None:
        return _GATEWAY_TYPES.get(planned.type, RouteTarget.UNKNOWN)
    if target == "local":
        return RouteTarget.LOCAL
    for prefix, kind in _ID_PREFIXES:
        if target.startswith(prefix):
            return kind
    return RouteTarget.UNKNOWN


def inline_routes(v: ResourceView) -> tuple[Route, ...]:
    missing = v.unresolved_collection("route")
    if missing is not None:
        return (Route(RouteTarget.UNKNOWN, missing, destination_cidr=missing),)
    return tuple(route_of(block, _INLINE, None) for block in v.blocks("route"))


def route_table(v: ResourceView, out: Assembly) -> Resource:
    defaults = v.ctx.defaults
    if v.type == "aws_default_route_table":
        vpc: Val[str] = defaults.owner.get(v.address) or v.required_ref("vpc_id", family=F.VPC)
        is_main = not isinstance(vpc, str) or vpc not in defaults.main_route_table
    else:
        vpc = v.required_ref("vpc_id", family=F.VPC)
        is_main = False
    return RouteTable(
        **v.base(),
        vpc=vpc,
        routes=inline_routes(v),
        propagating_gateways=v.refs("propagating_vgws", family=F.VPN_GATEWAY),
        is_main=is_main,
    )


# -- configuring resources --------------------------------------------------------------------


def route(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "route_table_id", F.ROUTE_TABLE, RouteTable)
    if target is not None:
        out.contribute(v, target, "routes", [route_of(v, _RESOURCE, v.address)], observed="route")


def route_table_association(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "route_table_id", F.ROUTE_TABLE, RouteTable)
    subnet = v.ref("subnet_id", family=F.SUBNET)
    if target is None:
        if isinstance(subnet, str) and not v.deleted:
            reason = f"the route table {v.address} associates it with cannot be identified"
            out.gap(v.type, reason, subnet)  # so that the subnet's routing is not taken as known
        return
    gateway = v.ref("gateway_id", family=F.GATEWAY)
    if subnet is not None:
        out.contribute(v, target, "subnets", [subnet])
    if gateway is not None:
        out.contribute(v, target, "gateways", [gateway])
    if subnet is None and gateway is None and not v.deleted:
        reason = f"{v.address} associates neither a subnet nor a gateway that the plan shows"
        out.add(target, "unresolved_associations", [Unresolved(reason)], v.address)


def main_route_table_association(v: ResourceView, out: Assembly) -> None:
    """The table becomes the VPC's main one; deleting the association restores the original."""
    if v.deleted:
        return
    target = out.target(v, "route_table_id", F.ROUTE_TABLE, RouteTable)
    if target is not None:
        out.set(target, "is_main", True, v.address)


def route_propagation(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "route_table_id", F.ROUTE_TABLE, RouteTable)
    if target is not None:
        gateway = v.required_ref("vpn_gateway_id", family=F.VPN_GATEWAY)
        out.contribute(v, target, "propagating_gateways", [gateway], observed="propagating_vgws")


BUILDERS: Builders = {
    "aws_route_table": route_table,
    "aws_default_route_table": route_table,
}

JOINERS: Joiners = {
    "aws_route": route,
    "aws_route_table_association": route_table_association,
    "aws_main_route_table_association": main_route_table_association,
    "aws_vpn_gateway_route_propagation": route_propagation,
}

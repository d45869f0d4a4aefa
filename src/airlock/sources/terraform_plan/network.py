"""VPCs, subnets, gateways, transit gateways, peering, VPN, flow logs and prefix lists."""

from __future__ import annotations

from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import (
    EgressOnlyInternetGateway,
    FlowLog,
    InternetGateway,
    NatGateway,
    PrefixList,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    Vpc,
    VpcPeeringConnection,
    VpnConnection,
    VpnGateway,
)
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView


def _present(*values: Val[str] | None) -> tuple[Val[str], ...]:
    return tuple(v for v in values if v is not None and v != "")


def _cidr(v: ResourceView, attr: str, allocated_by: tuple[str, ...]) -> Val[str] | None:
    """A CIDR that is unknown because AWS or IPAM allocates it is set, not absent."""
    value = v.text(attr)
    if (
        value is None
        and v.unknown(attr)
        and any(v.known(a) not in (None, False, "") for a in allocated_by)
    ):
        return Unresolved(f"known after apply: {v.where(attr)} (allocated by AWS)")
    return value


def vpc(v: ResourceView, out: Assembly) -> Resource:
    return Vpc(
        **v.base(),
        cidr_blocks=_present(_cidr(v, "cidr_block", ("ipv4_ipam_pool_id",))),
        ipv6_cidr_blocks=_present(
            _cidr(v, "ipv6_cidr_block", ("assign_generated_ipv6_cidr_block", "ipv6_ipam_pool_id"))
        ),
        enable_dns_support=v.flag("enable_dns_support"),
    )


def subnet(v: ResourceView, out: Assembly) -> Resource:
    default = v.type == "aws_default_subnet"
    return Subnet(
        **v.base(),
        vpc=v.required_ref("vpc_id", family=F.VPC),
        cidr_block=v.text("cidr_block"),
        ipv6_cidr_block=v.text("ipv6_cidr_block") or None,
        availability_zone=v.text("availability_zone"),
        # default subnets launch with public IPs unless told otherwise
        map_public_ip_on_launch=v.flag(
            "map_public_ip_on_launch", default=True if default else None
        ),
        assign_ipv6_address_on_creation=v.flag("assign_ipv6_address_on_creation"),
    )


def internet_gateway(v: ResourceView, out: Assembly) -> Resource:
    return InternetGateway(**v.base(), vpcs=_present(v.ref("vpc_id", family=F.VPC)))


def egress_only_gateway(v: ResourceView, out: Assembly) -> Resource:
    return EgressOnlyInternetGateway(**v.base(), vpc=v.ref("vpc_id", family=F.VPC))


def nat_gateway(v: ResourceView, out: Assembly) -> Resource:
    return NatGateway(
        **v.base(),
        subnet=v.ref("subnet_id", family=F.SUBNET),
        connectivity=v.text("connectivity_type") or "public",
    )


def _enabled(v: ResourceView, attr: str) -> Val[bool] | None:
    value = v.text(attr)
    if isinstance(value, str):
        return value.lower() == "enable"
    return value


def transit_gateway(v: ResourceView, out: Assembly) -> Resource:
    return TransitGateway(
        **v.base(),
        default_route_table_association=_enabled(v, "default_route_table_association"),
        default_route_table_propagation=_enabled(v, "default_route_table_propagation"),
    )


def transit_gateway_attachment(v: ResourceView, out: Assembly) -> Resource:
    return TransitGatewayAttachment(
        **v.base(),
        transit_gateway=v.required_ref("transit_gateway_id", family=F.TRANSIT_GATEWAY),
        vpc=v.ref("vpc_id", family=F.VPC),
        subnets=v.refs("subnet_ids", family=F.SUBNET),
        kind="vpc",
    )


def transit_gateway_route_table(v: ResourceView, out: Assembly) -> Resource:
    return TransitGatewayRouteTable(
        **v.base(), transit_gateway=v.required_ref("transit_gateway_id", family=F.TRANSIT_GATEWAY)
    )


def peering(v: ResourceView, out: Assembly) -> Resource:
    return VpcPeeringConnection(
        **v.base(),
        vpc=v.required_ref("vpc_id", family=F.VPC),
        peer_vpc=v.required_ref("peer_vpc_id", family=F.VPC),
        peer_account=v.text("peer_owner_id"),
        peer_region=v.text("peer_region"),
    )


def vpn_gateway(v: ResourceView, out: Assembly) -> Resource:
    return VpnGateway(**v.base(), vpcs=_present(v.ref("vpc_id", family=F.VPC)))


def vpn_connection(v: ResourceView, out: Assembly) -> Resource:
    return VpnConnection(
        **v.base(),
        vpn_gateway=v.ref("vpn_gateway_id", family=F.VPN_GATEWAY),
        transit_gateway=v.ref("transit_gateway_id", family=F.TRANSIT_GATEWAY),
    )


def flow_log(v: ResourceView, out: Assembly) -> Resource:
    covered = _present(
        v.ref("vpc_id", family=F.VPC),
        v.ref("subnet_id", family=F.SUBNET),
        v.ref("eni_id", family=F.NETWORK_INTERFACE),
        v.ref("transit_gateway_id", family=F.TRANSIT_GATEWAY),
        v.ref("transit_gateway_attachment_id", family=F.TRANSIT_GATEWAY_ATTACHMENT),
    )
    destination = v.ref("log_destination", family=F.LOG_GROUP | F.BUCKET)
    if destination is None:
        destination = v.ref("log_group_name", family=F.LOG_GROUP)
    return FlowLog(
        **v.base(),
        resources=covered,
        traffic_type=v.text("traffic_type"),
        destination=destination,
    )


def prefix_list(v: ResourceView, out: Assembly) -> Resource:
    return PrefixList(
        **v.base(),
        name=v.text("name"),
        entries=_present(*(b.text("cidr") for b in v.blocks("entry"))),
    )


# -- configuring resources --------------------------------------------------------------------


def vpc_cidr_association(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "vpc_id", F.VPC, Vpc)
    if target is None:
        return
    ipv6 = v.type == "aws_vpc_ipv6_cidr_block_association"
    attr = "ipv6_cidr_block" if ipv6 else "cidr_block"
    cidr = v.text(attr) or Unresolved(f"known after apply: {v.where(attr)} (allocated by AWS)")
    out.contribute(v, target, "ipv6_cidr_blocks" if ipv6 else "cidr_blocks", [cidr])


def gateway_attachment(v: ResourceView, out: Assembly) -> None:
    if v.type == "aws_internet_gateway_attachment":
        target = out.target(v, "internet_gateway_id", F.INTERNET_GATEWAY, InternetGateway)
    else:
        target = out.target(v, "vpn_gateway_id", F.VPN_GATEWAY, VpnGateway)
    if target is not None:
        out.contribute(
            v, target, "vpcs", [v.required_ref("vpc_id", family=F.VPC)], observed="vpc_id"
        )


def transit_gateway_route(v: ResourceView, out: Assembly) -> None:
    target = out.target(
        v, "transit_gateway_route_table_id", F.TRANSIT_GATEWAY_ROUTE_TABLE, TransitGatewayRouteTable
    )
    if target is None:
        return
    route = TransitGatewayRoute(
        destination_cidr=v.required_text("destination_cidr_block"),
        attachment=v.ref("transit_gateway_attachment_id", family=F.TRANSIT_GATEWAY_ATTACHMENT),
        blackhole=v.flag("blackhole") is True,
        origin=v.address,
    )
    out.contribute(v, target, "routes", [route])


def transit_gateway_route_table_link(v: ResourceView, out: Assembly) -> None:
    """``_association`` and ``_propagation``: an attachment linked to a TGW route table."""
    target = out.target(
        v, "transit_gateway_route_table_id", F.TRANSIT_GATEWAY_ROUTE_TABLE, TransitGatewayRouteTable
    )
    if target is None:
        return
    name = "associations" if v.type.endswith("_association") else "propagations"
    attachment = v.required_ref(
        "transit_gateway_attachment_id", family=F.TRANSIT_GATEWAY_ATTACHMENT
    )
    out.contribute(v, target, name, [attachment])


def prefix_list_entry(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "prefix_list_id", F.PREFIX_LIST, PrefixList)
    if target is not None:
        out.contribute(v, target, "entries", [v.required_text("cidr")], observed="entry")


BUILDERS: Builders = {
    "aws_vpc": vpc,
    "aws_default_vpc": vpc,
    "aws_subnet": subnet,
    "aws_default_subnet": subnet,
    "aws_internet_gateway": internet_gateway,
    "aws_egress_only_internet_gateway": egress_only_gateway,
    "aws_nat_gateway": nat_gateway,
    "aws_ec2_transit_gateway": transit_gateway,
    "aws_ec2_transit_gateway_vpc_attachment": transit_gateway_attachment,
    "aws_ec2_transit_gateway_route_table": transit_gateway_route_table,
    "aws_vpc_peering_connection": peering,
    "aws_vpn_gateway": vpn_gateway,
    "aws_vpn_connection": vpn_connection,
    "aws_flow_log": flow_log,
    "aws_ec2_managed_prefix_list": prefix_list,
}

JOINERS: Joiners = {
    "aws_vpc_ipv4_cidr_block_association": vpc_cidr_association,
    "aws_vpc_ipv6_cidr_block_association": vpc_cidr_association,
    "aws_internet_gateway_attachment": gateway_attachment,
    "aws_vpn_gateway_attachment": gateway_attachment,
    "aws_ec2_transit_gateway_route": transit_gateway_route,
    "aws_ec2_transit_gateway_route_table_association": transit_gateway_route_table_link,
    "aws_ec2_transit_gateway_route_table_propagation": transit_gateway_route_table_link,
    "aws_ec2_managed_prefix_list_entry": prefix_list_entry,
}

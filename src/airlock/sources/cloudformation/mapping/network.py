"""VPCs, subnets, gateways, endpoints, peering, transit gateways, VPN, flow logs, prefix lists."""

from __future__ import annotations

from airlock.inventory.model import Unresolved, Val
from airlock.inventory.network import (
    EgressOnlyInternetGateway,
    EndpointType,
    FlowLog,
    InternetGateway,
    NatGateway,
    PrefixList,
    Route,
    RouteTable,
    RouteTarget,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnConnection,
    VpnGateway,
)
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, as_text, or_unresolved
from airlock.sources.cloudformation.template import Declaration


def required(props: Props, key: str) -> Val[str]:
    """A relation the type requires; missing is reported as unresolved, never guessed."""
    value = props.rel(key)
    return value if value is not None else Unresolved(f"{key} is not set")


def _vpc(d: Declaration, p: Props, ctx: MapContext) -> None:
    cidrs: tuple[Val[str], ...] = ()
    if p.has("CidrBlock"):
        cidrs = (p.text("CidrBlock") or "",)
    elif p.has("Ipv4IpamPoolId"):
        cidrs = (Unresolved("the CIDR block is allocated from an IPAM pool at deploy time"),)
    ctx.add(
        Vpc(
            **ctx.common(d, p),
            cidr_blocks=cidrs,
            enable_dns_support=p.flag("EnableDnsSupport"),
        )
    )


def _vpc_cidr_block(d: Declaration, p: Props, ctx: MapContext) -> None:
    vpc = p.rel("VpcId")
    if p.has("CidrBlock"):
        ctx.joins.append(
            vpc, Vpc, "cidr_blocks", (p.text("CidrBlock"),), d.logical_id, "CIDR block"
        )
    elif p.has("Ipv4IpamPoolId"):
        pool = Unresolved("the CIDR block is allocated from an IPAM pool at deploy time")
        ctx.joins.append(vpc, Vpc, "cidr_blocks", (pool,), d.logical_id, "CIDR block")
    if p.has("Ipv6CidrBlock"):
        ipv6: Val[str] | None = p.text("Ipv6CidrBlock")
    elif p.flag("AmazonProvidedIpv6CidrBlock") is True or p.has("Ipv6IpamPoolId"):
        ipv6 = Unresolved("the IPv6 CIDR block is assigned at deploy time")
    else:
        ipv6 = None
    if ipv6 is not None:
        ctx.joins.append(vpc, Vpc, "ipv6_cidr_blocks", (ipv6,), d.logical_id, "CIDR block")


def _subnet(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        Subnet(
            **ctx.common(d, p),
            vpc=required(p, "VpcId"),
            cidr_block=p.text("CidrBlock"),
            ipv6_cidr_block=p.text("Ipv6CidrBlock"),
            availability_zone=p.text("AvailabilityZone"),
            map_public_ip_on_launch=p.flag("MapPublicIpOnLaunch"),
            assign_ipv6_address_on_creation=p.flag("AssignIpv6AddressOnCreation"),
        )
    )


def _internet_gateway(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(InternetGateway(**ctx.common(d, p)))


def _vpn_gateway(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(VpnGateway(**ctx.common(d, p)))


def _gateway_attachment(d: Declaration, p: Props, ctx: MapContext) -> None:
    vpc = required(p, "VpcId")
    if p.has("InternetGatewayId"):
        ctx.joins.append(
            p.rel("InternetGatewayId"),
            InternetGateway,
            "vpcs",
            (vpc,),
            d.logical_id,
            "gateway attachment",
        )
    if p.has("VpnGatewayId"):
        ctx.joins.append(
            p.rel("VpnGatewayId"), VpnGateway, "vpcs", (vpc,), d.logical_id, "gateway attachment"
        )


def _egress_only_gateway(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(EgressOnlyInternetGateway(**ctx.common(d, p), vpc=p.rel("VpcId")))


def _nat_gateway(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        NatGateway(
            **ctx.common(d, p),
            subnet=p.rel("SubnetId"),
            connectivity=p.text("ConnectivityType") or "public",
        )
    )


def _enabled(value: Val[str] | None) -> Val[bool] | None:
    if value is None or isinstance(value, Unresolved):
        return value
    if value.lower() in ("enable", "disable"):
        return value.lower() == "enable"
    return Unresolved(f"expected enable or disable, found {value!r}")


def _transit_gateway(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        TransitGateway(
            **ctx.common(d, p),
            default_route_table_association=_enabled(p.text("DefaultRouteTableAssociation")),
            default_route_table_propagation=_enabled(p.text("DefaultRouteTablePropagation")),
        )
    )


def _tgw_vpc_attachment(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        TransitGatewayAttachment(
            **ctx.common(d, p),
            transit_gateway=required(p, "TransitGatewayId"),
            vpc=p.rel("VpcId"),
            subnets=p.rels("SubnetIds"),
            kind="vpc",
        )
    )


def _tgw_peering_attachment(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        TransitGatewayAttachment(
            **ctx.common(d, p), transit_gateway=required(p, "TransitGatewayId"), kind="peering"
        )
    )


def _tgw_route_table(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        TransitGatewayRouteTable(
            **ctx.common(d, p), transit_gateway=required(p, "TransitGatewayId")
        )
    )


def _tgw_route(d: Declaration, p: Props, ctx: MapContext) -> None:
    route = TransitGatewayRoute(
        destination_cidr=or_unresolved(
            p.text("DestinationCidrBlock"), "the route has no DestinationCidrBlock"
        ),
        attachment=p.rel("TransitGatewayAttachmentId"),
        blackhole=p.flag("Blackhole") is True,
        origin=d.logical_id,
    )
    ctx.joins.append(
        p.rel("TransitGatewayRouteTableId"),
        TransitGatewayRouteTable,
        "routes",
        (route,),
        d.logical_id,
        "transit gateway route",
    )


def _tgw_association(field: str, what: str) -> Mapper:
    def mapper(d: Declaration, p: Props, ctx: MapContext) -> None:
        ctx.joins.append(
            p.rel("TransitGatewayRouteTableId"),
            TransitGatewayRouteTable,
            field,
            (required(p, "TransitGatewayAttachmentId"),),
            d.logical_id,
            what,
        )

    return mapper


def _peering(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        VpcPeeringConnection(
            **ctx.common(d, p),
            vpc=required(p, "VpcId"),
            peer_vpc=required(p, "PeerVpcId"),
            peer_account=p.text("PeerOwnerId"),
            peer_region=p.text("PeerRegion"),
        )
    )


def _vpn_connection(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        VpnConnection(
            **ctx.common(d, p),
            vpn_gateway=p.rel("VpnGatewayId"),
            transit_gateway=p.rel("TransitGatewayId"),
        )
    )


def _endpoint_type(value: Val[str] | None) -> Val[EndpointType]:
    if value is None:
        return EndpointType.GATEWAY  # CloudFormation's default
    if isinstance(value, Unresolved):
        return value
    for member in EndpointType:
        if member.value.lower() == value.lower():
            return member
    return Unresolved(f"endpoint type {value} is not modelled by Airlock")


def _vpc_endpoint(d: Declaration, p: Props, ctx: MapContext) -> None:
    endpoint_type = _endpoint_type(p.text("VpcEndpointType"))
    service = or_unresolved(p.text("ServiceName"), "the endpoint names no ServiceName")
    route_tables = p.rels("RouteTableIds")
    ctx.add(
        VpcEndpoint(
            **ctx.common(d, p),
            vpc=required(p, "VpcId"),
            service_name=service,
            endpoint_type=endpoint_type,
            private_dns_enabled=p.flag("PrivateDnsEnabled"),
            subnets=p.rels("SubnetIds"),
            security_groups=p.rels("SecurityGroupIds"),
            route_tables=route_tables,
            policy=p.policy("PolicyDocument"),
        )
    )
    if endpoint_type is EndpointType.GATEWAY:
        # AWS adds a route to the service's prefix list (named after the service) to each table
        route = Route(
            target_kind=RouteTarget.GATEWAY_ENDPOINT,
            target=d.logical_id,
            destination_prefix_list=service,
            origin=d.logical_id,
        )
        for table in route_tables:
            ctx.joins.append(
                table, RouteTable, "routes", (route,), d.logical_id, "gateway endpoint"
            )


def _flow_log(d: Declaration, p: Props, ctx: MapContext) -> None:
    resources = p.rels("ResourceId") + p.rels("ResourceIds")
    destination = p.rel("LogDestination") or p.rel("LogGroupName")
    ctx.add(
        FlowLog(
            **ctx.common(d, p),
            resources=resources,
            traffic_type=p.text("TrafficType"),
            destination=destination,
        )
    )


def _prefix_list(d: Declaration, p: Props, ctx: MapContext) -> None:
    entries = p.children("Entries")
    cidrs: tuple[Val[str], ...]
    if isinstance(entries, Unresolved):
        cidrs = (entries,)
    else:
        cidrs = tuple(c for c in (as_text(e.get("Cidr")) for e in entries) if c is not None)
    ctx.add(PrefixList(**ctx.common(d, p), name=p.text("PrefixListName"), entries=cidrs))


MAPPERS: dict[str, Mapper] = {
    "AWS::EC2::VPC": _vpc,
    "AWS::EC2::VPCCidrBlock": _vpc_cidr_block,
    "AWS::EC2::Subnet": _subnet,
    "AWS::EC2::InternetGateway": _internet_gateway,
    "AWS::EC2::VPNGateway": _vpn_gateway,
    "AWS::EC2::VPCGatewayAttachment": _gateway_attachment,
    "AWS::EC2::EgressOnlyInternetGateway": _egress_only_gateway,
    "AWS::EC2::NatGateway": _nat_gateway,
    "AWS::EC2::TransitGateway": _transit_gateway,
    "AWS::EC2::TransitGatewayAttachment": _tgw_vpc_attachment,
    "AWS::EC2::TransitGatewayVpcAttachment": _tgw_vpc_attachment,
    "AWS::EC2::TransitGatewayPeeringAttachment": _tgw_peering_attachment,
    "AWS::EC2::TransitGatewayRouteTable": _tgw_route_table,
    "AWS::EC2::TransitGatewayRoute": _tgw_route,
    "AWS::EC2::TransitGatewayRouteTableAssociation": _tgw_association(
        "associations", "transit gateway route table association"
    ),
    "AWS::EC2::TransitGatewayRouteTablePropagation": _tgw_association(
        "propagations", "transit gateway route table propagation"
    ),
    "AWS::EC2::VPCPeeringConnection": _peering,
    "AWS::EC2::VPNConnection": _vpn_connection,
    "AWS::EC2::VPCEndpoint": _vpc_endpoint,
    "AWS::EC2::FlowLog": _flow_log,
    "AWS::EC2::PrefixList": _prefix_list,
}

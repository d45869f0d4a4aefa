"""The objects AWS creates with every VPC, and the routes AWS adds by itself.

Every VPC has a main route table, a default security group and a default network ACL that
no ``resource`` block creates. For each VPC of the plan:

* the main route table is the ``aws_default_route_table`` adopting it, the table an
  ``aws_main_route_table_association`` makes main, or else a synthesized ``RouteTable``
  ``<vpc address>#main`` (``is_main=True``, only the local route): subnets without an explicit
  association use it;
* the default network ACL is the ``aws_default_network_acl`` adopting it, or else a
  synthesized ``<vpc address>#default-network-acl`` allowing all traffic both ways (rule 100,
  plus 101 for IPv6 when the VPC has an IPv6 block): subnets without an association use it;
* the default security group is the ``aws_default_security_group`` adopting it, or else a
  synthesized ``<vpc address>#default-security-group`` with AWS's rules (all traffic from the
  group itself; all traffic out): endpoints and instances with no security group get it.

After joining, each route table gets its local routes (one per VPC CIDR block) and a
``GATEWAY_ENDPOINT`` route for each gateway endpoint (S3, DynamoDB) associated with it.
"""

from __future__ import annotations

from typing import Any

from msgspec.structs import replace

from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import (
    EndpointType,
    NetworkAcl,
    NetworkAclEntry,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    SecurityGroupRule,
    Vpc,
    VpcEndpoint,
)
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly
from airlock.sources.terraform_plan.context import (
    DEFAULT_NETWORK_ACL,
    DEFAULT_SECURITY_GROUP,
    MAIN_ROUTE_TABLE,
    PlanContext,
)
from airlock.sources.terraform_plan.resolver import VPC_TYPES
from airlock.sources.terraform_plan.view import ResourceView

_ADOPTERS = {
    "aws_default_route_table": ("default_route_table_id", "route_table"),
    "aws_default_security_group": ("vpc_id", "security_group"),
    "aws_default_network_acl": ("default_network_acl_id", "network_acl"),
}
_DEFAULT_OBJECTS = F.ROUTE_TABLE | F.SECURITY_GROUP | F.NETWORK_ACL


def find_defaults(ctx: PlanContext) -> None:
    """Which resources adopt each VPC's default objects; which table is made main."""
    defaults = ctx.defaults
    for resource in ctx.plan.live():
        adopted = _ADOPTERS.get(resource.type)
        if adopted is None:
            continue
        vpc = _owning_vpc(ctx.view(resource), adopted[0])
        if vpc is not None:
            defaults.owner[resource.address] = vpc
            getattr(defaults, adopted[1]).setdefault(vpc, resource.address)
    for resource in ctx.plan.live():
        if resource.type == "aws_main_route_table_association":
            v = ctx.view(resource)
            vpc_ref = v.ref("vpc_id", family=F.VPC)
            if isinstance(vpc_ref, str) and vpc_ref in ctx.plan.resources:
                defaults.main_route_table[vpc_ref] = v.required_ref(
                    "route_table_id", family=F.ROUTE_TABLE
                )


def _owning_vpc(v: ResourceView, attr: str) -> str | None:
    """The VPC whose default object ``v`` adopts (through ``aws_vpc.x.default_*_id``)."""
    for target in v.resolution(attr).targets:
        if target.type in VPC_TYPES:
            return target.address
    known = v.known(attr)
    if isinstance(known, str):
        hit = v.ctx.ids.lookup(known, _DEFAULT_OBJECTS)
        if hit is not None and hit.type in VPC_TYPES:
            return hit.address
    vpc = v.ref("vpc_id", family=F.VPC)
    return vpc if isinstance(vpc, str) and vpc in v.ctx.plan.resources else None


def synthesize(ctx: PlanContext, out: Assembly) -> None:
    defaults = ctx.defaults
    for vpc in [r for r in out.resources.values() if isinstance(r, Vpc)]:
        if vpc.id not in defaults.route_table and vpc.id not in defaults.main_route_table:
            out.add_resource(_main_table(vpc, is_main=True), synthesized=True)
        if vpc.id not in defaults.security_group:
            out.add_resource(_default_group(vpc), synthesized=True)
        if vpc.id not in defaults.network_acl:
            out.add_resource(_default_acl(vpc), synthesized=True)

    def on_demand(resource_id: str) -> Resource | None:
        """The original main table of a VPC whose main table was replaced, when targeted."""
        vpc = out.resources.get(resource_id.removesuffix(MAIN_ROUTE_TABLE))
        if resource_id.endswith(MAIN_ROUTE_TABLE) and isinstance(vpc, Vpc):
            return _main_table(vpc, is_main=False)
        return None

    out.synthesizer = on_demand


def _common(vpc: Vpc, suffix: str, native_type: str) -> dict[str, Any]:
    return {
        "id": vpc.id + suffix,
        "native_type": native_type,
        "region": vpc.region,
        "account": vpc.account,
        "location": vpc.location,
    }


def _main_table(vpc: Vpc, is_main: bool) -> RouteTable:
    return RouteTable(
        **_common(vpc, MAIN_ROUTE_TABLE, "aws_default_route_table"), vpc=vpc.id, is_main=is_main
    )


def _default_group(vpc: Vpc) -> SecurityGroup:
    group = vpc.id + DEFAULT_SECURITY_GROUP
    egress = [SecurityGroupRule(protocol="-1", cidr_ipv4="0.0.0.0/0")]
    if vpc.ipv6_cidr_blocks:
        egress.append(SecurityGroupRule(protocol="-1", cidr_ipv6="::/0"))
    return SecurityGroup(
        **_common(vpc, DEFAULT_SECURITY_GROUP, "aws_default_security_group"),
        vpc=vpc.id,
        name="default",
        ingress=(SecurityGroupRule(protocol="-1", security_group=group),),
        egress=tuple(egress),
        is_default=True,
    )


def _default_acl(vpc: Vpc) -> NetworkAcl:
    entries = [
        NetworkAclEntry(100, egress, "-1", True, cidr_ipv4="0.0.0.0/0") for egress in (False, True)
    ]
    if vpc.ipv6_cidr_blocks:
        entries += [
            NetworkAclEntry(101, egress, "-1", True, cidr_ipv6="::/0") for egress in (False, True)
        ]
    return NetworkAcl(
        **_common(vpc, DEFAULT_NETWORK_ACL, "aws_default_network_acl"),
        vpc=vpc.id,
        entries=tuple(entries),
        is_default=True,
    )


def add_implicit_routes(ctx: PlanContext, out: Assembly) -> None:
    """Local routes in every table; gateway endpoint routes in the tables they serve."""
    extra: dict[str, list[Route]] = {}
    for endpoint in [r for r in out.resources.values() if isinstance(r, VpcEndpoint)]:
        if endpoint.endpoint_type is not EndpointType.GATEWAY:
            continue
        planned = ctx.plan.resources.get(endpoint.id)
        prefix_list = ctx.view(planned).computed("prefix_list_id") if planned is not None else None
        for table_id in endpoint.route_tables:
            if isinstance(table_id, str) and isinstance(out.resources.get(table_id), RouteTable):
                route = Route(
                    RouteTarget.GATEWAY_ENDPOINT,
                    endpoint.id,
                    destination_prefix_list=prefix_list,
                    origin=endpoint.id,
                )
                extra.setdefault(table_id, []).append(route)
    for table in [r for r in out.resources.values() if isinstance(r, RouteTable)]:
        routes = [*_local_routes(table, out), *table.routes]
        known = {
            (r.destination_cidr, r.destination_ipv6_cidr, r.destination_prefix_list) for r in routes
        }
        for route in extra.get(table.id, []):
            if (
                route.destination_cidr,
                route.destination_ipv6_cidr,
                route.destination_prefix_list,
            ) not in known:
                routes.append(route)
        out.resources[table.id] = replace(table, routes=tuple(routes))


def _local_routes(table: RouteTable, out: Assembly) -> list[Route]:
    if any(r.target_kind is RouteTarget.LOCAL for r in table.routes):
        return []
    vpc = out.resources.get(table.vpc) if isinstance(table.vpc, str) else None
    if not isinstance(vpc, Vpc):
        unknown: Val[str] = Unresolved(f"the CIDR of VPC {table.vpc} is not in this plan")
        return [Route(RouteTarget.LOCAL, "local", destination_cidr=unknown)]
    routes = [Route(RouteTarget.LOCAL, "local", destination_cidr=cidr) for cidr in vpc.cidr_blocks]
    routes += [
        Route(RouteTarget.LOCAL, "local", destination_ipv6_cidr=cidr)
        for cidr in vpc.ipv6_cidr_blocks
    ]
    return routes

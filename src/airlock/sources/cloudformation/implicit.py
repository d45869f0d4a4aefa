"""What AWS creates with every VPC, made explicit so analysis need not special-case it.

For each VPC declared in the template:

* its main route table, ``RouteTable(id="<Vpc>#main", is_main=True)`` holding only the local
  routes (CloudFormation cannot add routes to it by reference). Subnets without an explicit
  association use it; like AWS, it lists no subnets itself;
* its default network ACL, ``NetworkAcl(id="<Vpc>#default-network-acl", is_default=True)``: allow all
  in and out (rules 100/101) then the deny-all ``*`` rules. Like AWS, it lists every subnet of
  the VPC that has no explicit ACL association. ``!GetAtt Vpc.DefaultNetworkAcl`` refers to it;
* its default security group, ``SecurityGroup(id="<Vpc>#default-security-group", is_default=True)``:
  ingress from members of the group itself, the default egress to everywhere. An endpoint
  with no security groups gets it; ``!GetAtt Vpc.DefaultSecurityGroup`` refers to it.

Every route table, declared or implicit, starts with one local route per CIDR block of its
VPC (``target_kind=LOCAL``, ``target="local"``).
"""

from __future__ import annotations

from msgspec.structs import replace

from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import (
    DEFAULT_NETWORK_ACL_SUFFIX,
    DEFAULT_SECURITY_GROUP_SUFFIX,
    MAIN_ROUTE_TABLE_SUFFIX,
    NetworkAcl,
    NetworkAclEntry,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    Vpc,
)
from airlock.sources.cloudformation.joins import Joins
from airlock.sources.cloudformation.mapping.firewall import DEFAULT_EGRESS, DENY_ALL

MAIN_ROUTE_TABLE = MAIN_ROUTE_TABLE_SUFFIX
DEFAULT_NACL = DEFAULT_NETWORK_ACL_SUFFIX
DEFAULT_SG = DEFAULT_SECURITY_GROUP_SUFFIX

ALLOW_ALL = tuple(
    NetworkAclEntry(
        rule_number=100 if v4 else 101,
        egress=egress,
        protocol="-1",
        allow=True,
        cidr_ipv4="0.0.0.0/0" if v4 else None,
        cidr_ipv6=None if v4 else "::/0",
    )
    for egress in (False, True)
    for v4 in (True, False)
)


def add_implicit(resources: dict[str, Resource], joins: Joins) -> None:
    associated = {
        item
        for attachment in joins.targets(NetworkAcl, "subnets")
        for item in attachment.items
        if isinstance(item, str)
    }
    unassociated: dict[str, list[str]] = {}
    for resource in resources.values():
        if (
            isinstance(resource, Subnet)
            and isinstance(resource.vpc, str)
            and resource.id not in associated
        ):
            unassociated.setdefault(resource.vpc, []).append(resource.id)
    for vpc in [r for r in resources.values() if isinstance(r, Vpc)]:
        table = RouteTable(
            id=vpc.id + MAIN_ROUTE_TABLE,
            native_type="AWS::EC2::RouteTable (main, implicit)",
            vpc=vpc.id,
            is_main=True,
            region=vpc.region,
            account=vpc.account,
            location=vpc.location,
        )
        acl = NetworkAcl(
            id=vpc.id + DEFAULT_NACL,
            native_type="AWS::EC2::NetworkAcl (default, implicit)",
            vpc=vpc.id,
            subnets=tuple(unassociated.get(vpc.id, ())),
            entries=ALLOW_ALL + DENY_ALL,
            is_default=True,
            region=vpc.region,
            account=vpc.account,
            location=vpc.location,
        )
        group_id = vpc.id + DEFAULT_SG
        group = SecurityGroup(
            id=group_id,
            native_type="AWS::EC2::SecurityGroup (default, implicit)",
            vpc=vpc.id,
            name="default",
            ingress=(
                SecurityGroupRule(
                    protocol="-1",
                    security_group=group_id,
                    description="AWS default rule: traffic from members of the group",
                ),
            ),
            egress=DEFAULT_EGRESS,
            is_default=True,
            region=vpc.region,
            account=vpc.account,
            location=vpc.location,
        )
        for resource in (table, acl, group):
            resources[resource.id] = resource


def add_local_routes(resources: dict[str, Resource]) -> None:
    for resource in list(resources.values()):
        if not isinstance(resource, RouteTable):
            continue
        vpc = resources.get(resource.vpc) if isinstance(resource.vpc, str) else None
        local: tuple[Route, ...]
        if isinstance(vpc, Vpc):
            local = tuple(
                Route(RouteTarget.LOCAL, "local", destination_cidr=cidr) for cidr in vpc.cidr_blocks
            ) + tuple(
                Route(RouteTarget.LOCAL, "local", destination_ipv6_cidr=cidr)
                for cidr in vpc.ipv6_cidr_blocks
            )
        else:
            reason: Val[str] = (
                resource.vpc
                if isinstance(resource.vpc, Unresolved)
                else Unresolved(f"the CIDR blocks of VPC {resource.vpc} are not in this template")
            )
            local = (Route(RouteTarget.LOCAL, "local", destination_cidr=reason),)
        resources[resource.id] = replace(resource, routes=local + resource.routes)

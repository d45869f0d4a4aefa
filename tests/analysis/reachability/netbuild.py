"""Build small network inventories for tests: one call per resource, ids as relations."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import msgspec.structs

from airlock.inventory.compute import (
    EcsService,
    EksCluster,
    EksNodeGroup,
    Instance,
    LambdaFunction,
    NetworkInterface,
)
from airlock.inventory.dns import (
    FirewallDomainList,
    FirewallRule,
    FirewallRuleGroup,
    FirewallRuleGroupAssociation,
    ResolverFirewallConfig,
    ResolverRule,
    ResolverRuleAssociation,
)
from airlock.inventory.model import Inventory, Resource, SourceInfo, SourceKind, Unresolved, Val
from airlock.inventory.network import (
    EgressOnlyInternetGateway,
    EndpointType,
    FlowLog,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkAclEntry,
    PrefixList,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnGateway,
)

T = RouteTarget
U = Unresolved
ALL_EGRESS = SecurityGroupRule(protocol="-1", cidr_ipv4="0.0.0.0/0")
ALL_EGRESS_V6 = SecurityGroupRule(protocol="-1", cidr_ipv6="::/0")


def route(dest: Val[str] | None, kind: RouteTarget, target: Val[str] | None, **kw: Any) -> Route:
    """A route; ``dest`` containing ':' is IPv6, starting with 'pl-' is a prefix list."""
    if isinstance(dest, str) and ":" in dest:
        return Route(kind, target, destination_ipv6_cidr=dest, **kw)
    if isinstance(dest, str) and dest.startswith("pl"):
        return Route(kind, target, destination_prefix_list=dest, **kw)
    return Route(kind, target, destination_cidr=dest, **kw)


def egress(
    protocol: str, low: int | None, high: int | None, cidr: Val[str] | None = None, **kw: Any
) -> SecurityGroupRule:
    if isinstance(cidr, str) and ":" in cidr:
        return SecurityGroupRule(protocol, low, high, cidr_ipv6=cidr, **kw)
    return SecurityGroupRule(protocol, low, high, cidr_ipv4=cidr, **kw)


def acl_rule(
    number: Val[int],
    allow: Val[bool],
    cidr: str = "0.0.0.0/0",
    protocol: str = "-1",
    ports: tuple[int, int] | None = None,
    egress: bool = True,
) -> NetworkAclEntry:
    low, high = ports if ports else (None, None)
    if ":" in cidr:
        return NetworkAclEntry(
            number, egress, protocol, allow, cidr_ipv6=cidr, from_port=low, to_port=high
        )
    return NetworkAclEntry(
        number, egress, protocol, allow, cidr_ipv4=cidr, from_port=low, to_port=high
    )


class Net:
    def __init__(self, kind: SourceKind = SourceKind.CLOUDFORMATION) -> None:
        self.kind = kind
        self.resources: list[Resource] = []

    def add(self, resource: Resource) -> Any:
        self.resources.append(resource)
        return resource

    def replace(self, id: str, **changes: Any) -> Any:
        """Swap a resource for a copy with some fields changed."""
        for index, resource in enumerate(self.resources):
            if resource.id == id:
                self.resources[index] = msgspec.structs.replace(resource, **changes)
                return self.resources[index]
        raise KeyError(id)

    def remove(self, id: str) -> None:
        self.resources = [r for r in self.resources if r.id != id]

    def inventory(self) -> Inventory:
        return Inventory(SourceInfo(self.kind, "test.yaml"), list(self.resources))

    # network ------------------------------------------------------------------------

    def vpc(self, id: str, *cidrs: str, ipv6: Iterable[str] = (), **kw: Any) -> Vpc:
        return self.add(
            Vpc(
                id=id,
                native_type="AWS::EC2::VPC",
                cidr_blocks=cidrs or ("10.0.0.0/16",),
                ipv6_cidr_blocks=tuple(ipv6),
                **kw,
            )
        )

    def subnet(
        self, id: str, vpc: Val[str], cidr: Val[str] | None = "10.0.1.0/24", **kw: Any
    ) -> Subnet:
        return self.add(
            Subnet(id=id, native_type="AWS::EC2::Subnet", vpc=vpc, cidr_block=cidr, **kw)
        )

    def table(
        self, id: str, vpc: Val[str], *routes: Route, subnets: Iterable[Val[str]] = (), **kw: Any
    ) -> RouteTable:
        return self.add(
            RouteTable(
                id=id,
                native_type="AWS::EC2::RouteTable",
                vpc=vpc,
                routes=routes,
                subnets=tuple(subnets),
                **kw,
            )
        )

    def igw(self, id: str, vpc: str) -> InternetGateway:
        return self.add(
            InternetGateway(id=id, native_type="AWS::EC2::InternetGateway", vpcs=(vpc,))
        )

    def eigw(self, id: str, vpc: str) -> EgressOnlyInternetGateway:
        return self.add(
            EgressOnlyInternetGateway(
                id=id, native_type="AWS::EC2::EgressOnlyInternetGateway", vpc=vpc
            )
        )

    def nat(self, id: str, subnet: Val[str], connectivity: Val[str] = "public") -> NatGateway:
        return self.add(
            NatGateway(
                id=id, native_type="AWS::EC2::NatGateway", subnet=subnet, connectivity=connectivity
            )
        )

    def vgw(self, id: str, vpc: str) -> VpnGateway:
        return self.add(VpnGateway(id=id, native_type="AWS::EC2::VPNGateway", vpcs=(vpc,)))

    def pcx(self, id: str, vpc: Val[str], peer: Val[str], **kw: Any) -> VpcPeeringConnection:
        return self.add(
            VpcPeeringConnection(
                id=id, native_type="AWS::EC2::VPCPeeringConnection", vpc=vpc, peer_vpc=peer, **kw
            )
        )

    def tgw(self, id: str, **kw: Any) -> TransitGateway:
        return self.add(TransitGateway(id=id, native_type="AWS::EC2::TransitGateway", **kw))

    def attachment(
        self,
        id: str,
        tgw: Val[str],
        vpc: Val[str] | None,
        subnets: Iterable[Val[str]] = (),
        kind: str = "vpc",
    ) -> TransitGatewayAttachment:
        return self.add(
            TransitGatewayAttachment(
                id=id,
                native_type="AWS::EC2::TransitGatewayAttachment",
                transit_gateway=tgw,
                vpc=vpc,
                subnets=tuple(subnets),
                kind=kind,
            )
        )

    def tgw_table(
        self,
        id: str,
        tgw: str,
        *routes: TransitGatewayRoute,
        associations: Iterable[Val[str]] = (),
        propagations: Iterable[Val[str]] = (),
    ) -> TransitGatewayRouteTable:
        return self.add(
            TransitGatewayRouteTable(
                id=id,
                native_type="AWS::EC2::TransitGatewayRouteTable",
                transit_gateway=tgw,
                routes=routes,
                associations=tuple(associations),
                propagations=tuple(propagations),
            )
        )

    def sg(
        self,
        id: str,
        vpc: str | None,
        *egress_rules: SecurityGroupRule,
        ingress: Iterable[SecurityGroupRule] = (),
        **kw: Any,
    ) -> SecurityGroup:
        return self.add(
            SecurityGroup(
                id=id,
                native_type="AWS::EC2::SecurityGroup",
                vpc=vpc,
                egress=egress_rules,
                ingress=tuple(ingress),
                **kw,
            )
        )

    def nacl(
        self, id: str, vpc: str, subnets: Iterable[Val[str]], *entries: NetworkAclEntry, **kw: Any
    ) -> NetworkAcl:
        return self.add(
            NetworkAcl(
                id=id,
                native_type="AWS::EC2::NetworkAcl",
                vpc=vpc,
                subnets=tuple(subnets),
                entries=entries,
                **kw,
            )
        )

    def prefix_list(self, id: str, *entries: Val[str]) -> PrefixList:
        return self.add(PrefixList(id=id, native_type="AWS::EC2::PrefixList", entries=entries))

    def endpoint(
        self,
        id: str,
        vpc: str,
        service: Val[str],
        kind: Val[EndpointType] = EndpointType.INTERFACE,
        **kw: Any,
    ) -> VpcEndpoint:
        if isinstance(service, str) and not service.startswith("com."):
            service = f"com.amazonaws.eu-central-1.{service}"
        return self.add(
            VpcEndpoint(
                id=id,
                native_type="AWS::EC2::VPCEndpoint",
                vpc=vpc,
                service_name=service,
                endpoint_type=kind,
                **kw,
            )
        )

    def flow_log(self, id: str, *resources: Val[str], traffic: Val[str] | None = "ALL") -> FlowLog:
        return self.add(
            FlowLog(
                id=id, native_type="AWS::EC2::FlowLog", resources=resources, traffic_type=traffic
            )
        )

    # compute ------------------------------------------------------------------------

    def lambda_fn(
        self, id: str, subnets: Iterable[Val[str]] = (), sgs: Iterable[Val[str]] = (), **kw: Any
    ) -> LambdaFunction:
        subnets = tuple(subnets)
        kw.setdefault("in_vpc", bool(subnets))
        return self.add(
            LambdaFunction(
                id=id,
                native_type="AWS::Lambda::Function",
                subnets=subnets,
                security_groups=tuple(sgs),
                **kw,
            )
        )

    def instance(
        self, id: str, subnet: Val[str] | None, sgs: Iterable[Val[str]] = (), **kw: Any
    ) -> Instance:
        return self.add(
            Instance(
                id=id,
                native_type="AWS::EC2::Instance",
                subnet=subnet,
                security_groups=tuple(sgs),
                **kw,
            )
        )

    def eni(
        self, id: str, subnet: Val[str], sgs: Iterable[Val[str]] = (), **kw: Any
    ) -> NetworkInterface:
        return self.add(
            NetworkInterface(
                id=id,
                native_type="AWS::EC2::NetworkInterface",
                subnet=subnet,
                security_groups=tuple(sgs),
                **kw,
            )
        )

    def ecs(
        self, id: str, subnets: Iterable[Val[str]], sgs: Iterable[Val[str]] = (), **kw: Any
    ) -> EcsService:
        return self.add(
            EcsService(
                id=id,
                native_type="AWS::ECS::Service",
                subnets=tuple(subnets),
                security_groups=tuple(sgs),
                **kw,
            )
        )

    def eks(self, id: str, subnets: Iterable[Val[str]], **kw: Any) -> EksCluster:
        return self.add(
            EksCluster(id=id, native_type="AWS::EKS::Cluster", subnets=tuple(subnets), **kw)
        )

    def nodegroup(self, id: str, subnets: Iterable[Val[str]], **kw: Any) -> EksNodeGroup:
        return self.add(
            EksNodeGroup(id=id, native_type="AWS::EKS::Nodegroup", subnets=tuple(subnets), **kw)
        )

    # DNS ----------------------------------------------------------------------------

    def domain_list(self, id: str, *domains: Val[str], managed: bool = False) -> FirewallDomainList:
        return self.add(
            FirewallDomainList(
                id=id,
                native_type="AWS::Route53Resolver::FirewallDomainList",
                domains=domains,
                managed=managed,
            )
        )

    def rule_group(self, id: str, *rules: FirewallRule) -> FirewallRuleGroup:
        return self.add(
            FirewallRuleGroup(
                id=id, native_type="AWS::Route53Resolver::FirewallRuleGroup", rules=rules
            )
        )

    def fw_assoc(
        self, id: str, vpc: Val[str], group: Val[str], priority: Val[int] | None = 101
    ) -> FirewallRuleGroupAssociation:
        return self.add(
            FirewallRuleGroupAssociation(
                id=id,
                native_type="AWS::Route53Resolver::FirewallRuleGroupAssociation",
                vpc=vpc,
                rule_group=group,
                priority=priority,
            )
        )

    def fw_config(self, id: str, vpc: str, fail_open: Val[bool] | None) -> ResolverFirewallConfig:
        return self.add(
            ResolverFirewallConfig(
                id=id,
                native_type="AWS::Route53Resolver::FirewallConfig",
                vpc=vpc,
                fail_open=fail_open,
            )
        )

    def forward_rule(self, id: str, vpc: str, domain: Val[str], *targets: Val[str]) -> ResolverRule:
        rule = self.add(
            ResolverRule(
                id=id,
                native_type="AWS::Route53Resolver::ResolverRule",
                rule_type="FORWARD",
                domain_name=domain,
                target_ips=targets,
            )
        )
        self.add(
            ResolverRuleAssociation(
                id=f"{id}-assoc",
                native_type="AWS::Route53Resolver::ResolverRuleAssociation",
                vpc=vpc,
                rule=id,
            )
        )
        return rule

    # canned topologies ----------------------------------------------------------------

    def private_vpc(self, vpc: str = "Vpc", cidr: str = "10.0.0.0/16") -> Subnet:
        """A VPC with one private subnet and an explicit route table with no routes."""
        self.vpc(vpc, cidr)
        subnet = self.subnet(f"{vpc}Private", vpc, cidr.replace("0.0/16", "1.0/24"))
        self.table(f"{vpc}PrivateRt", vpc, subnets=[subnet.id])
        return subnet

    def nat_vpc(self, vpc: str = "Vpc", cidr: str = "10.0.0.0/16") -> Subnet:
        """Private subnet -> NAT gateway in a public subnet -> internet gateway."""
        self.vpc(vpc, cidr)
        base = cidr.split(".0.0/")[0]
        private = self.subnet(f"{vpc}Private", vpc, f"{base}.1.0/24")
        public = self.subnet(f"{vpc}Public", vpc, f"{base}.0.0/24", map_public_ip_on_launch=True)
        self.igw(f"{vpc}Igw", vpc)
        self.nat(f"{vpc}Nat", public.id)
        self.table(
            f"{vpc}PublicRt",
            vpc,
            route("0.0.0.0/0", T.INTERNET_GATEWAY, f"{vpc}Igw"),
            subnets=[public.id],
        )
        self.table(
            f"{vpc}PrivateRt",
            vpc,
            route("0.0.0.0/0", T.NAT_GATEWAY, f"{vpc}Nat"),
            subnets=[private.id],
        )
        return private


def hops(path: Any) -> list[tuple[str, str]]:
    return [(h.kind.value, h.id) for h in path.hops]


def kinds(path: Any) -> list[str]:
    return [h.kind.value for h in path.hops]


def tags(**pairs: str) -> Mapping[str, Val[str]]:
    return dict(pairs)

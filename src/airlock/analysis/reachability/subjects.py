"""Subjects of the analysis: workload subnets and the compute that can call Bedrock.

A :class:`Profile` says where a subject's packets start (its subnets), what filters them
(its security groups), and whether it has a public IPv4 address or any IPv6 address, which
decide whether an internet gateway carries its traffic.

A *subnet* subject stands for any network interface that is or will be placed in it:
security groups are not a property of a subnet and any interface can be given an Elastic
IP, so a route to an internet gateway counts for a subnet whatever its public-IP setting.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from msgspec import Struct

from airlock.inventory.compute import (
    EcsService,
    EksCluster,
    EksNodeGroup,
    Instance,
    LambdaFunction,
    NetworkInterface,
)
from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import SecurityGroup, SecurityGroupRule, Subnet

from .filters import Guard
from .topology import Topology


class SubjectKind(StrEnum):
    SUBNET = "subnet"
    LAMBDA = "lambda-function"
    ECS_SERVICE = "ecs-service"
    EKS_NODE_GROUP = "eks-node-group"
    INSTANCE = "instance"
    NETWORK_INTERFACE = "network-interface"


class Tri(StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class Placement(Struct, frozen=True):
    subnet: Subnet
    public_ipv4: Tri
    ipv6: Tri


class Profile(Struct, frozen=True):
    resource: Resource
    kind: SubjectKind
    placements: tuple[Placement, ...]
    guard: Guard
    #: subnet references that could not be followed (unresolved, not in the inventory)
    missing: tuple[str, ...] = ()
    #: YES: a Lambda function with no VPC configuration (internet egress, always)
    outside_vpc: Tri = Tri.NO


#: ENI descriptions of network interfaces AWS creates for infrastructure, not workloads.
INFRASTRUCTURE_ENI = (
    "interface for nat gateway",
    "vpc endpoint interface",
    "network interface for transit gateway attachment",
    "route 53 resolver",
    "gateway load balancer endpoint",
    "network firewall",
    "elb ",
    "aws created network interface for directory",
)


def is_infrastructure_eni(eni: NetworkInterface) -> bool:
    if not isinstance(eni.description, str):
        return False
    return eni.description.lower().startswith(INFRASTRUCTURE_ENI)


def _tri(value: Val[bool] | None, default: bool) -> Tri:
    if value is None:
        return Tri.YES if default else Tri.NO
    if isinstance(value, Unresolved):
        return Tri.MAYBE
    return Tri.YES if value else Tri.NO


def _has_ipv6(subnet: Subnet) -> Tri:
    if subnet.ipv6_cidr_block is None:
        return Tri.NO
    return Tri.MAYBE if isinstance(subnet.ipv6_cidr_block, Unresolved) else Tri.YES


def _ipv6_for(subnet: Subnet, kind: SubjectKind) -> Tri:
    has = _has_ipv6(subnet)
    if has is not Tri.YES:
        return has
    if kind in (SubjectKind.SUBNET, SubjectKind.ECS_SERVICE):
        return Tri.YES
    if kind is SubjectKind.LAMBDA:
        return Tri.MAYBE  # Ipv6AllowedForDualStack is not in the inventory
    auto = subnet.assign_ipv6_address_on_creation
    return Tri.YES if auto is True else Tri.MAYBE


class Profiler:
    def __init__(self, topo: Topology) -> None:
        self.topo = topo

    def subnet(self, subnet: Subnet) -> Profile:
        placement = Placement(subnet, Tri.YES, _ipv6_for(subnet, SubjectKind.SUBNET))
        guard = Guard(
            (),
            (),
            allow_all="any network interface placed in the subnet, with "
            "security groups chosen at launch",
        )
        return Profile(subnet, SubjectKind.SUBNET, (placement,), guard)

    def compute(self, resource: Resource) -> Profile | None:
        if isinstance(resource, LambdaFunction):
            return self._lambda(resource)
        if isinstance(resource, EcsService):
            if not resource.subnets:
                return None  # bridge or host networking: the container instances are judged
            public = _tri(resource.assign_public_ip, default=False)
            return self._placed(
                resource,
                SubjectKind.ECS_SERVICE,
                resource.subnets,
                resource.security_groups,
                lambda _: public,
            )
        if isinstance(resource, EksNodeGroup):
            guard = Guard(
                (),
                (),
                allow_all="node security groups are not in the inventory; the "
                "EKS cluster security group allows all egress by "
                "default",
            )
            return self._placed(
                resource,
                SubjectKind.EKS_NODE_GROUP,
                resource.subnets,
                (),
                lambda s: _tri(s.map_public_ip_on_launch, False),
                guard,
            )
        if isinstance(resource, EksCluster):
            # control-plane interfaces carry no workload traffic; the cluster's subnets are
            # workload subnets and its nodes are judged
            return None
        if isinstance(resource, Instance):
            return self._instance(resource)
        if isinstance(resource, NetworkInterface) and not is_infrastructure_eni(resource):
            public = (
                Tri.YES
                if isinstance(resource.public_ip, str)
                else (Tri.NO if resource.public_ip is None else Tri.MAYBE)
            )
            return self._placed(
                resource,
                SubjectKind.NETWORK_INTERFACE,
                (resource.subnet,),
                resource.security_groups,
                lambda _: public,
            )
        return None

    def _lambda(self, fn: LambdaFunction) -> Profile:
        if fn.subnets or fn.in_vpc is True:
            return self._placed(
                fn, SubjectKind.LAMBDA, fn.subnets, fn.security_groups, lambda _: Tri.NO
            )
        outside = Tri.MAYBE if isinstance(fn.in_vpc, Unresolved) else Tri.YES
        return Profile(fn, SubjectKind.LAMBDA, (), Guard((), ()), outside_vpc=outside)

    def _instance(self, instance: Instance) -> Profile:
        def public(subnet: Subnet) -> Tri:
            if isinstance(instance.public_ip, str):
                return Tri.YES
            if instance.associate_public_ip is None:
                return _tri(subnet.map_public_ip_on_launch, default=False)
            return _tri(instance.associate_public_ip, default=False)

        refs = (instance.subnet,) if instance.subnet is not None else ()
        return self._placed(instance, SubjectKind.INSTANCE, refs, instance.security_groups, public)

    def _placed(
        self,
        resource: Resource,
        kind: SubjectKind,
        subnet_refs: tuple[Val[str], ...],
        group_refs: tuple[Val[str], ...],
        public: Callable[[Subnet], Tri],
        guard: Guard | None = None,
    ) -> Profile:
        placements: list[Placement] = []
        missing: list[str] = []
        vpcs: set[str | None] = set()
        for ref in subnet_refs:
            subnet = self.topo.get(ref, Subnet)
            if subnet is None:
                missing.append(
                    f"subnet {ref} of {resource.id} is not in the inventory"
                    if isinstance(ref, str)
                    else f"a subnet of {resource.id} is unresolved ({_reason(ref)})"
                )
                continue
            vpcs.add(self.topo.key(subnet.vpc))
            placements.append(Placement(subnet, public(subnet), _ipv6_for(subnet, kind)))
        if not subnet_refs:
            missing.append(f"{resource.id} names no subnet")
        if guard is None:
            guard = self.guard(resource.id, group_refs, vpcs)
        return Profile(resource, kind, tuple(placements), guard, tuple(missing))

    def guard(self, owner: str, refs: tuple[Val[str], ...], vpcs: set[str | None]) -> Guard:
        """The egress rules of these security groups (empty: the VPC's default group)."""
        if not refs:
            return self._default_guard(owner, vpcs)
        ids: list[str] = []
        rules: list[SecurityGroupRule] = []
        unknown: list[str] = []
        for ref in refs:
            group = self.topo.get(ref, SecurityGroup)
            if group is None:
                unknown.append(
                    f"security group {ref} of {owner} is not in the inventory"
                    if isinstance(ref, str)
                    else f"a security group of {owner} is unresolved ({_reason(ref)})"
                )
                continue
            ids.append(group.id)
            rules.extend(group.egress)
        return Guard(tuple(ids), tuple(rules), tuple(unknown))

    def _default_guard(self, owner: str, vpcs: set[str | None]) -> Guard:
        groups = [self.topo.default_sg.get(v) for v in vpcs if v is not None]
        known = [g for g in groups if g is not None]
        if known and len(known) == len(vpcs):
            rules = tuple(r for g in known for r in g.egress)
            return Guard(tuple(g.id for g in known), rules)
        return Guard(
            ("default security group",),
            (),
            allow_all=f"{owner} names no security group, so the VPC's default group "
            "applies; it allows all egress unless changed",
        )


def _reason(value: object) -> str:
    return value.reason if isinstance(value, Unresolved) else str(value)

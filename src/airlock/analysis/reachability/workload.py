"""Which subnets are workload subnets, and why.

A subnet is a workload subnet when any of these holds, and the finding says which:

1. it carries the workload tag (``Settings.workload_tag``; any value but ``false``);
2. the user declared it (``Settings.workload_subnets``: subnet ids, logical ids or addresses);
3. compute that can call Bedrock runs in it: a Lambda function, an ECS service, an EKS
   cluster or node group, an instance, or a network interface that is not AWS
   infrastructure (NAT gateway, endpoint, transit gateway, resolver, load balancer ENIs).

Subnets that only host endpoint interfaces are not workload subnets by what runs in them:
endpoint interfaces answer requests and originate nothing. A subnet tagged with the
workload tag set to ``false`` is never a workload subnet.

When nothing marks any subnet (no tag, no declaration, no compute), every subnet of a VPC
that has a Bedrock interface endpoint becomes a workload *candidate* — except subnets that
only host a NAT gateway, transit gateway attachment, Gateway Load Balancer endpoint or
resolver endpoint. A VPC with a Bedrock endpoint is where Bedrock callers are meant to run.
When even that finds nothing but subnets exist, the selection says so, and controls answer
UNKNOWN rather than PASS.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from enum import StrEnum
from typing import ClassVar

from msgspec import Struct

from airlock.inventory.compute import (
    EcsService,
    EksCluster,
    EksNodeGroup,
    Instance,
    LambdaFunction,
    NetworkInterface,
)
from airlock.inventory.dns import ResolverEndpoint
from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import (
    EndpointType,
    NatGateway,
    Subnet,
    TransitGatewayAttachment,
    VpcEndpoint,
)

from .services import endpoint_service, is_bedrock, is_interface
from .subjects import is_infrastructure_eni
from .topology import Topology


class Basis(StrEnum):
    TAG = "tag"
    SETTING = "setting"
    COMPUTE = "compute"
    BEDROCK_VPC = "bedrock-endpoint-vpc"


class WorkloadSubnet(Struct, frozen=True):
    subnet: Subnet
    bases: tuple[Basis, ...]
    reasons: tuple[str, ...]


class Unplaced(Struct, frozen=True):
    """A declared or used subnet that the inventory does not hold."""

    ref: str
    reason: str


class WorkloadSelection(Struct, frozen=True, dict=True):
    """The workload subnets and how they were chosen. The index by subnet id is not a field:
    it lives in the instance's ``__dict__`` (``ClassVar`` keeps msgspec from making it one)."""

    subnets: tuple[WorkloadSubnet, ...]
    unplaced: tuple[Unplaced, ...]
    #: subnets excluded on purpose (tag set to false), with the reason
    excluded: tuple[tuple[str, str], ...]
    fallback: bool
    #: one sentence: how the workload subnets were chosen
    note: str
    #: canonical keys of the VPCs holding workload subnets
    vpcs: tuple[str, ...]
    #: workload subnets whose VPC is unresolved
    vpcless: tuple[Subnet, ...] = ()
    _by_id: ClassVar[dict[str, WorkloadSubnet]]

    def __post_init__(self) -> None:
        self.__dict__["_by_id"] = {w.subnet.id: w for w in self.subnets}

    def get(self, subnet_id: str) -> WorkloadSubnet | None:
        return self._by_id.get(subnet_id)


def compute_resources(topo: Topology) -> list[Resource]:
    inv = topo.inventory
    found: list[Resource] = [
        *inv.of(LambdaFunction),
        *inv.of(EcsService),
        *inv.of(EksCluster),
        *inv.of(EksNodeGroup),
        *inv.of(Instance),
    ]
    found.extend(e for e in inv.of(NetworkInterface) if not is_infrastructure_eni(e))
    return found


def _subnet_refs(resource: Resource) -> tuple[Val[str], ...]:
    if isinstance(resource, LambdaFunction | EcsService | EksCluster | EksNodeGroup):
        return resource.subnets
    if isinstance(resource, Instance):
        return (resource.subnet,) if resource.subnet is not None else ()
    if isinstance(resource, NetworkInterface):
        return (resource.subnet,)
    return ()


def _what(resource: Resource) -> str:
    names = {
        LambdaFunction: "Lambda function",
        EcsService: "ECS service",
        EksCluster: "EKS cluster",
        EksNodeGroup: "EKS node group",
        Instance: "instance",
        NetworkInterface: "network interface",
    }
    return f"{names.get(type(resource), resource.native_type)} {resource.id}"


def select_workload(
    topo: Topology,
    tag: str,
    declared: frozenset[str],
    compute: list[Resource] | None = None,
) -> WorkloadSelection:
    bases: dict[str, list[Basis]] = defaultdict(list)
    reasons: dict[str, list[str]] = defaultdict(list)
    excluded: dict[str, str] = {}
    unplaced: list[Unplaced] = []

    def mark(subnet: Subnet, basis: Basis, reason: str) -> None:
        if subnet.id in excluded:
            return
        if basis not in bases[subnet.id]:
            bases[subnet.id].append(basis)
        reasons[subnet.id].append(reason)

    for subnet in topo.subnets:
        value = subnet.tags.get(tag)
        if isinstance(value, str) and value.strip().lower() == "false":
            excluded[subnet.id] = f"tag {tag}=false"
        elif isinstance(value, Unresolved):
            mark(subnet, Basis.TAG, f"tagged {tag} (value unresolved)")
        elif value is not None:
            mark(subnet, Basis.TAG, f"tagged {tag}={value}")

    for name in sorted(declared):
        found = topo.get(name, Subnet)
        if found is None:
            unplaced.append(
                Unplaced(name, f"declared workload subnet {name} is not in the inventory")
            )
        else:
            mark(found, Basis.SETTING, f"declared as a workload subnet ({name})")

    for resource in compute if compute is not None else compute_resources(topo):
        for ref in _subnet_refs(resource):
            host = topo.get(ref, Subnet)
            if host is not None:
                mark(host, Basis.COMPUTE, f"hosts {_what(resource)}")
            elif isinstance(ref, str):
                unplaced.append(
                    Unplaced(
                        ref,
                        f"{_what(resource)} runs in subnet {ref}, which is not in the inventory",
                    )
                )
            else:
                unplaced.append(
                    Unplaced(
                        str(ref), f"a subnet of {_what(resource)} is unresolved ({ref.reason})"
                    )
                )

    fallback = False
    if not bases and not unplaced:
        fallback = _fallback(topo, excluded, mark)

    chosen = [
        WorkloadSubnet(s, tuple(bases[s.id]), tuple(reasons[s.id]))
        for s in topo.subnets
        if s.id in bases
    ]
    vpcs = tuple(dict.fromkeys(k for w in chosen if (k := topo.key(w.subnet.vpc)) is not None))
    vpcless = tuple(w.subnet for w in chosen if topo.key(w.subnet.vpc) is None)
    note = _note(chosen, fallback, topo, tag)
    return WorkloadSelection(
        tuple(chosen), tuple(unplaced), tuple(excluded.items()), fallback, note, vpcs, vpcless
    )


def _fallback(
    topo: Topology, excluded: dict[str, str], mark: Callable[[Subnet, Basis, str], None]
) -> bool:
    infra = _infrastructure_subnets(topo)
    found = False
    for vpc, endpoints in topo.endpoints_by_vpc.items():
        bedrock = [e for e in endpoints if is_interface(e) and is_bedrock(endpoint_service(e))]
        if not bedrock or vpc is None:
            continue
        for subnet in topo.subnets_by_vpc.get(vpc, ()):
            if subnet.id in excluded or subnet.id in infra:
                continue
            mark(
                subnet,
                Basis.BEDROCK_VPC,
                f"candidate: nothing marks the workload subnets, and VPC {vpc} has Bedrock "
                f"interface endpoint {bedrock[0].id}",
            )
            found = True
    return found


def _infrastructure_subnets(topo: Topology) -> set[str]:
    """Subnets that host only NAT gateways, TGW attachments, GWLB or resolver endpoints."""
    hosts: set[str] = set()
    inv = topo.inventory
    refs: list[Val[str] | None] = [n.subnet for n in inv.of(NatGateway)]
    for attachment in inv.of(TransitGatewayAttachment):
        refs.extend(attachment.subnets)
    for endpoint in inv.of(VpcEndpoint):
        if endpoint.endpoint_type == EndpointType.GATEWAY_LOAD_BALANCER:
            refs.extend(endpoint.subnets)
    for resolver in inv.of(ResolverEndpoint):
        refs.extend(resolver.subnets)
    for ref in refs:
        key = topo.key(ref)
        if key is not None:
            hosts.add(key)
    interface_hosts = {
        k
        for e in inv.of(VpcEndpoint)
        if is_interface(e)
        for r in e.subnets
        if (k := topo.key(r)) is not None
    }
    return hosts - interface_hosts


def _note(chosen: list[WorkloadSubnet], fallback: bool, topo: Topology, tag: str) -> str:
    if fallback:
        return (
            f"no subnet is tagged {tag}, declared or hosting compute: every subnet of a VPC "
            "with a Bedrock interface endpoint is treated as a workload candidate"
        )
    if chosen:
        counts = {b: sum(1 for w in chosen if b in w.bases) for b in Basis}
        parts = [f"{n} by {b.value}" for b, n in counts.items() if n]
        return f"{len(chosen)} workload subnets ({', '.join(parts)})"
    if topo.subnets:
        return (
            f"no workload subnet identified: no subnet is tagged {tag} or declared, no "
            "compute runs in one, and no VPC has a Bedrock interface endpoint"
        )
    return "the inventory has no subnets"

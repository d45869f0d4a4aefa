"""Route targets that forward traffic onwards: appliances and Gateway Load Balancer endpoints.

A route to an instance, a network interface or a Gateway Load Balancer endpoint hands
packets to something that forwards them (a NAT instance, a firewall appliance, AWS Network
Firewall). The router continues from the middlebox's subnet, as the forwarded packets do.
Whether the appliance's software filters them is not visible; a path through it is a path.
"""

from __future__ import annotations

from msgspec import Struct

from airlock.inventory.compute import Instance, NetworkInterface
from airlock.inventory.model import Val
from airlock.inventory.network import RouteTarget, Subnet, VpcEndpoint

from .topology import Topology


class Middlebox(Struct, frozen=True):
    id: str
    detail: str
    subnets: tuple[Val[str], ...]
    #: True: it has a public IP (it may translate); None: unknown
    public: bool | None


def middlebox_of(topo: Topology, kind: RouteTarget, target: object) -> Middlebox | None:
    if kind is RouteTarget.VPC_ENDPOINT:
        endpoint = topo.get(target, VpcEndpoint)
        if endpoint is None:
            return None
        return Middlebox(
            endpoint.id,
            "Gateway Load Balancer endpoint (traffic inspected by "
            "appliances Airlock cannot evaluate)",
            endpoint.subnets,
            False,
        )
    if kind is RouteTarget.NETWORK_INTERFACE:
        eni = topo.get(target, NetworkInterface)
        if eni is None:
            return None
        eni_public = True if isinstance(eni.public_ip, str) else (None if eni.public_ip else False)
        return Middlebox(
            eni.id,
            "network interface of an appliance that forwards traffic",
            (eni.subnet,),
            eni_public,
        )
    instance = topo.get(target, Instance)
    if instance is None:
        return None
    public: bool | None = False
    if isinstance(instance.public_ip, str) or instance.associate_public_ip is True:
        public = True
    elif instance.associate_public_ip is None:
        public = _subnet_public(topo, instance.subnet)
    elif not isinstance(instance.associate_public_ip, bool):
        public = None
    return Middlebox(
        instance.id,
        "instance that forwards traffic (NAT instance or appliance)",
        (instance.subnet,) if instance.subnet is not None else (),
        public,
    )


def _subnet_public(topo: Topology, ref: object) -> bool | None:
    subnet = topo.get(ref, Subnet)
    if subnet is None:
        return None
    value = subnet.map_public_ip_on_launch
    if value is None:
        return False
    return value if isinstance(value, bool) else None

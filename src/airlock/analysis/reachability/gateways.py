"""Route targets inside a VPC: internet and egress-only gateways, NAT gateways, peering
connections, and middleboxes (appliances, Gateway Load Balancer endpoints).

* An internet gateway carries IPv4 only from addresses of its VPC that have a public IP
  (the subject's own, or a NAT gateway's or appliance's); IPv6 from the VPC's own addresses.
* A public NAT gateway gives traffic its Elastic IP and routing continues from its subnet; a
  private one does not translate to a public address. IPv6 reaches a NAT gateway only for
  the NAT64 prefix.
* Peering is not transitive: traffic reaches the peer VPC's own addresses and stops there;
  a peer outside the inventory is UNKNOWN.
* A middlebox forwards what it receives: routing continues from its subnet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.inventory.model import Unresolved, Val
from airlock.inventory.network import NatGateway, RouteTarget, Subnet, Vpc

from .addresses import NAT64, PUBLIC, AddressSet, Family
from .middlebox import middlebox_of
from .paths import Hop, HopKind, PathOutcome
from .walk import Assume, Collector, End, ExitKind, Source, WalkState, missing, name_of

if TYPE_CHECKING:
    from .router import Router


def follow_gateway(
    router: Router,
    kind: RouteTarget,
    target: Val[str] | None,
    family: Family,
    part: AddressSet,
    state: WalkState,
    out: Collector,
) -> None:
    igw = kind is RouteTarget.INTERNET_GATEWAY
    hop = Hop(
        HopKind.INTERNET_GATEWAY if igw else HopKind.EGRESS_ONLY_INTERNET_GATEWAY,
        name_of(target),
        "internet gateway" if igw else "egress-only internet gateway (IPv6)",
    )
    internet = Hop(HopKind.INTERNET, "internet", "public addresses")
    if family is Family.IPV4:
        if not igw:
            out.ends.append(
                End(
                    PathOutcome.CONTAINED,
                    (*state.hops, hop),
                    "an egress-only internet gateway carries IPv6 only",
                )
            )
            return
        if state.source is Source.PRIVATE:
            out.ends.append(
                End(
                    PathOutcome.CONTAINED,
                    (*state.hops, hop),
                    "the internet gateway drops traffic whose source has no public IP of this VPC",
                )
            )
            return
        out.exits.append(
            router.make_exit(
                ExitKind.INTERNET,
                family,
                part,
                PUBLIC[family],
                state,
                (hop, internet),
                needs_public=state.source is Source.ORIGINAL,
            )
        )
        return
    if state.transit:
        router.unseen(
            family,
            part,
            state,
            out,
            (hop, internet),
            "IPv6 traffic from another VPC reaches this VPC's internet gateway",
            outside=PUBLIC[family],
        )
        return
    out.exits.append(
        router.make_exit(ExitKind.INTERNET, family, part, PUBLIC[family], state, (hop, internet))
    )


def follow_nat(
    router: Router,
    target: Val[str] | None,
    family: Family,
    part: AddressSet,
    state: WalkState,
    out: Collector,
) -> None:
    nat = router.topo.get(target, NatGateway)
    if nat is None:
        hop = Hop(HopKind.NAT_GATEWAY, name_of(target), "not in the inventory")
        router.unseen(
            family,
            part,
            state,
            out,
            (hop,),
            missing("NAT gateway", target),
            outside=PUBLIC[family],
        )
        return
    connectivity = nat.connectivity
    hop = Hop(HopKind.NAT_GATEWAY, nat.id, f"{name_of(connectivity)} NAT gateway")
    if family is Family.IPV6:
        six = part.intersection(NAT64)
        if not six:
            out.ends.append(
                End(
                    PathOutcome.CONTAINED,
                    (*state.hops, hop),
                    "a NAT gateway translates only IPv6 traffic to the NAT64 prefix 64:ff9b::/96",
                )
            )
            return
        state = state.evolve(nat64=six)
        family, part = Family.IPV4, PUBLIC[Family.IPV4]
    if isinstance(connectivity, Unresolved):
        if router.assume is Assume.CLOSED:
            router.unknown_end(
                state,
                out,
                (hop,),
                f"connectivity of NAT gateway {nat.id} is unresolved ({connectivity.reason})",
            )
            return
        state = state.evolve(
            unknowns=(*state.unknowns, f"connectivity of NAT gateway {nat.id} is unresolved"),
        )
        source = Source.PUBLIC
    else:
        source = Source.PRIVATE if connectivity == "private" else Source.PUBLIC
    subnet = router.topo.get(nat.subnet, Subnet)
    if subnet is None:
        router.unseen(
            family,
            part,
            state,
            out,
            (hop,),
            missing(f"subnet of NAT gateway {nat.id}", nat.subnet),
        )
        return
    nxt = state.step(hop, Hop(HopKind.SUBNET, subnet.id, "subnet of the NAT gateway")).evolve(
        source=source,
        vpc=router.topo.key(subnet.vpc),
        acl_subnets=(*state.acl_subnets, subnet.id),
    )
    router.subnet_tables(subnet, {family: part}, nxt, out)


def follow_peering(
    router: Router,
    target: Val[str] | None,
    family: Family,
    part: AddressSet,
    state: WalkState,
    out: Collector,
) -> None:
    pcx = router.topo.peering(target)
    hop = Hop(HopKind.VPC_PEERING, pcx.id if pcx else name_of(target), "VPC peering connection")
    if state.transit:
        out.ends.append(
            End(
                PathOutcome.CONTAINED,
                (*state.hops, hop),
                "peering is not transitive: traffic that entered this VPC from a "
                "transit gateway cannot cross it",
            )
        )
        return
    if pcx is None:
        router.unseen(family, part, state, out, (hop,), missing("peering connection", target))
        return
    peer_ref = pcx.peer_vpc if router.topo.key(pcx.vpc) == state.vpc else pcx.vpc
    peer = router.topo.get(peer_ref, Vpc)
    if peer is None:
        where = ", ".join(
            f"{k} {name_of(v)}"
            for k, v in (("account", pcx.peer_account), ("region", pcx.peer_region))
            if v is not None
        )
        reason = missing("peer VPC", peer_ref) + (f" ({where})" if where else "")
        router.unseen(family, part, state, out, (hop,), reason)
        return
    vpc_hop = Hop(HopKind.VPC, peer.id, "peer VPC")
    out.ends.append(
        End(
            PathOutcome.CONTAINED,
            (*state.hops, hop, vpc_hop),
            f"reaches VPC {peer.id} only: peering is not transitive, so the peer's "
            "internet, NAT, VPN and endpoint gateways do not carry this "
            "traffic",
        )
    )


def follow_middlebox(
    router: Router,
    kind: RouteTarget,
    target: Val[str] | None,
    family: Family,
    part: AddressSet,
    state: WalkState,
    out: Collector,
) -> None:
    box = middlebox_of(router.topo, kind, target)
    if box is None:
        hop = Hop(HopKind.MIDDLEBOX, name_of(target), kind.value)
        router.unseen(family, part, state, out, (hop,), missing(kind.value, target))
        return
    hop = Hop(HopKind.MIDDLEBOX, box.id, box.detail)
    source = state.source
    if box.public is True or (box.public is None and router.assume is Assume.OPEN):
        source = Source.PUBLIC
    if not box.subnets:
        router.unseen(family, part, state, out, (hop,), f"the subnet of {box.id} is unknown")
        return
    for ref in box.subnets:
        subnet = router.topo.get(ref, Subnet)
        if subnet is None:
            router.unseen(family, part, state, out, (hop,), missing(f"subnet of {box.id}", ref))
            continue
        nxt = state.step(hop, Hop(HopKind.SUBNET, subnet.id, f"subnet of {box.id}")).evolve(
            source=source,
            acl_subnets=(*state.acl_subnets, subnet.id),
        )
        router.subnet_tables(subnet, {family: part}, nxt, out)

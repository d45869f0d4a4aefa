"""Follow packets from a subnet through route tables, gateways and transit gateways.

The router answers one question per subnet: for which destination addresses does routing
lead out of the boundary, and along which hops? It works on address *sets*: at each route
table the incoming set is split by longest-prefix match, and each part follows its route's
target. The AWS rules it models:

* an internet gateway translates only addresses of its own VPC that have a public IP; a
  public NAT gateway gives traffic that public IP; a private NAT gateway does not;
* traffic that entered a VPC from a transit gateway can leave through that VPC's NAT
  gateway (the egress/inspection VPC pattern) but not through its peering connections, VPN
  gateway or gateway endpoints (no edge-to-edge routing); transit gateways are transitive,
  peering and gateway endpoints are not;
* a VPN gateway, a Direct Connect or VPN attachment, a carrier or local gateway lead to a
  network outside the inventory: leaving the boundary;
* what Airlock cannot see (a transit gateway with no known route tables, a peer VPC in
  another account, an unresolved target) is read twice: once assuming it leads out
  (:attr:`Assume.OPEN`) and once assuming it does not (:attr:`Assume.CLOSED`). A leak that
  survives the closed reading is certain; one that appears only in the open reading is
  UNKNOWN, with the reason.
"""

from __future__ import annotations

from msgspec.structs import replace

from airlock.inventory.model import Val
from airlock.inventory.network import (
    RouteTable,
    RouteTarget,
    Subnet,
)

from .addresses import AddressSet, Family
from .gateways import follow_gateway, follow_middlebox, follow_nat, follow_peering
from .paths import Hop, HopKind, PathOutcome
from .tables import TableView, TgwView, route_table_view
from .topology import Topology
from .transit import follow_transit
from .walk import (
    Assume,
    Collector,
    End,
    Exit,
    ExitKind,
    Routing,
    WalkState,
    name_of,
)

MAX_HOPS = 48
_EVERYTHING = {family: AddressSet.everything(family) for family in Family}
_NO_HOP = Hop(HopKind.SUBNET, "", "")


def _detail(table: RouteTable | None, explicit: bool) -> str:
    if table is None:
        return "main route table of the VPC (implicit: local routes only)"
    return "explicit association" if explicit else "main route table of the VPC"


class Router:
    def __init__(self, topo: Topology, assume: Assume) -> None:
        self.topo = topo
        self.assume = assume
        self._views: dict[str, TableView] = {}
        self._memo: dict[str, Routing] = {}
        self._tops: dict[tuple[str, str | None, str], Routing] = {}
        self.tgw_views: dict[str, TgwView] = {}

    # -- entry point --------------------------------------------------------------------

    def from_subnet(self, subnet: Subnet) -> Routing:
        cached = self._memo.get(subnet.id)
        if cached is not None:
            return cached
        hop = Hop(HopKind.SUBNET, subnet.id, _subnet_detail(subnet))
        assoc = self.topo.route_tables_for(subnet)
        vpc = self.topo.key(subnet.vpc)
        if not assoc.tables or (len(assoc.tables) > 1 and self.assume is Assume.CLOSED):
            out = Collector()
            self.subnet_tables(subnet, _EVERYTHING, WalkState(vpc=vpc, hops=()), out)
            routing = Routing(hop, tuple(out.exits), tuple(out.ends), frozenset(out.benign))
        else:
            walks = [
                self._top(table, vpc, _detail(table, assoc.explicit)) for table in assoc.tables
            ]
            exits = tuple(e for w in walks for e in w.exits)
            if len(walks) > 1 and assoc.ambiguity:
                exits = tuple(replace(e, unknowns=(*e.unknowns, assoc.ambiguity)) for e in exits)
            ends = tuple(e for w in walks for e in w.ends)
            benign = frozenset(b for w in walks for b in w.benign_prefix_lists)
            routing = Routing(hop, exits, ends, benign)
        self._memo[subnet.id] = routing
        return routing

    def _top(self, table: RouteTable | None, vpc: str | None, detail: str) -> Routing:
        """The walk from one route table, shared by every subnet associated with it."""
        key = (table.id if table is not None else "", vpc, detail)
        cached = self._tops.get(key)
        if cached is None:
            out = Collector()
            self._table(table, vpc, _EVERYTHING, WalkState(vpc=vpc, hops=()), out, detail, True)
            cached = Routing(_NO_HOP, tuple(out.exits), tuple(out.ends), frozenset(out.benign))
            self._tops[key] = cached
        return cached

    # -- route tables -------------------------------------------------------------------

    def subnet_tables(
        self,
        subnet: Subnet,
        spaces: dict[Family, AddressSet],
        state: WalkState,
        out: Collector,
        first: bool = False,
    ) -> None:
        assoc = self.topo.route_tables_for(subnet)
        if not assoc.tables or (len(assoc.tables) > 1 and self.assume is Assume.CLOSED):
            reason = assoc.ambiguity or f"no route table is known for subnet {subnet.id}"
            for family, space in spaces.items():
                self.unseen(family, space, state, out, (), reason)
            return
        vpc = self.topo.key(subnet.vpc)
        if len(assoc.tables) > 1 and assoc.ambiguity:
            state = state.evolve(unknowns=(*state.unknowns, assoc.ambiguity))
        for table in assoc.tables:
            self._table(table, vpc, spaces, state, out, _detail(table, assoc.explicit), first)

    def _view(self, table: RouteTable | None, vpc: str | None) -> TableView:
        key = table.id if table is not None else f"implicit-main:{vpc}"
        view = self._views.get(key)
        if view is None:
            view = route_table_view(self.topo, table, vpc)
            self._views[key] = view
        return view

    def _table(
        self,
        table: RouteTable | None,
        vpc: str | None,
        spaces: dict[Family, AddressSet],
        state: WalkState,
        out: Collector,
        detail: str,
        first: bool,
    ) -> None:
        view = self._view(table, vpc)
        hop = Hop(HopKind.ROUTE_TABLE, view.table_id, detail)
        if view.table_id in state.visited:
            out.ends.append(End(PathOutcome.CONTAINED, (*state.hops, hop), "routing loop"))
            return
        if len(state.hops) > MAX_HOPS:
            self.unknown_end(state, out, (hop,), f"path longer than {MAX_HOPS} hops")
            return
        state = state.step(hop).evolve(visited=state.visited | {view.table_id})
        for family, space in spaces.items():
            if not space:
                continue
            local = AddressSet.empty(family)
            for entry in view.entries[family]:
                if entry.kind is RouteTarget.LOCAL:
                    local = local.union(entry.dest)
                    continue
                part = entry.dest.intersection(space)
                if not part:
                    continue
                route = Hop(
                    HopKind.ROUTE,
                    entry.origin,
                    f"{entry.label} -> {entry.kind.value} {name_of(entry.target)}",
                )
                nxt = state.step(route).evolve(
                    shadow=state.shadow + view.shadow(family, entry.prefix)
                )
                self._follow(entry.kind, entry.target, entry.blackhole, family, part, nxt, out)
            rest = space.difference(local)
            for pending in (*view.unresolved, *view.opaque):
                if pending.family not in (None, family):
                    continue
                benign = pending.blackhole or pending.kind in (
                    RouteTarget.GATEWAY_ENDPOINT,
                    RouteTarget.LOCAL,
                )
                if benign:
                    if first and pending in view.opaque:
                        out.benign.add(pending.label)
                    continue
                if self.assume is Assume.CLOSED or not rest:
                    continue
                route = Hop(
                    HopKind.ROUTE,
                    pending.origin,
                    f"{pending.label} -> {pending.kind.value} {name_of(pending.target)}",
                )
                nxt = state.step(route).evolve(unknowns=(*state.unknowns, pending.reason))
                self._follow(pending.kind, pending.target, False, family, rest, nxt, out)
            if view.propagation and not state.transit and rest and self.assume is Assume.OPEN:
                for gateway in view.propagation:
                    reason = (
                        f"routes propagated from VPN gateway {gateway} are not in the inventory"
                    )
                    hops = (
                        Hop(HopKind.ROUTE, f"{view.table_id}[propagated]", reason),
                        Hop(HopKind.VPN_GATEWAY, gateway, "routes learned over BGP"),
                        Hop(HopKind.EXTERNAL_NETWORK, gateway, "network beyond the VPN"),
                    )
                    out.exits.append(
                        self.make_exit(
                            ExitKind.EXTERNAL, family, rest, rest, state, hops, unknown=reason
                        )
                    )

    # -- targets ------------------------------------------------------------------------

    def _follow(
        self,
        kind: RouteTarget,
        target: Val[str] | None,
        blackhole: bool,
        family: Family,
        part: AddressSet,
        state: WalkState,
        out: Collector,
    ) -> None:
        if blackhole:
            out.ends.append(End(PathOutcome.CONTAINED, state.hops, "blackhole route: dropped"))
            return
        if kind in (RouteTarget.INTERNET_GATEWAY, RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY):
            follow_gateway(self, kind, target, family, part, state, out)
        elif kind is RouteTarget.NAT_GATEWAY:
            follow_nat(self, target, family, part, state, out)
        elif kind is RouteTarget.TRANSIT_GATEWAY:
            follow_transit(self, target, family, part, state, out)
        elif kind is RouteTarget.VPC_PEERING:
            follow_peering(self, target, family, part, state, out)
        elif kind is RouteTarget.VPN_GATEWAY:
            hop = Hop(HopKind.VPN_GATEWAY, name_of(target), "virtual private gateway")
            if state.transit:
                out.ends.append(
                    End(
                        PathOutcome.CONTAINED,
                        (*state.hops, hop),
                        "traffic from another VPC cannot use this VPC's VPN gateway "
                        "(no edge-to-edge routing)",
                    )
                )
                return
            ext = Hop(HopKind.EXTERNAL_NETWORK, name_of(target), "on-premises or another network")
            out.exits.append(
                self.make_exit(ExitKind.EXTERNAL, family, part, part, state, (hop, ext))
            )
        elif kind in (RouteTarget.CARRIER_GATEWAY, RouteTarget.LOCAL_GATEWAY):
            hop = Hop(
                HopKind.EXTERNAL_NETWORK, name_of(target), f"{kind.value}: a network outside AWS"
            )
            out.exits.append(self.make_exit(ExitKind.EXTERNAL, family, part, part, state, (hop,)))
        elif kind is RouteTarget.GATEWAY_ENDPOINT:
            hop = Hop(HopKind.GATEWAY_ENDPOINT, name_of(target), "AWS service (S3/DynamoDB)")
            out.ends.append(
                End(
                    PathOutcome.CONTAINED,
                    (*state.hops, hop),
                    "reaches an AWS service through a gateway endpoint, which is not transitive",
                )
            )
        elif kind in (
            RouteTarget.VPC_ENDPOINT,
            RouteTarget.NETWORK_INTERFACE,
            RouteTarget.INSTANCE,
        ):
            follow_middlebox(self, kind, target, family, part, state, out)
        elif kind is RouteTarget.LOCAL:
            return
        else:
            hop = Hop(HopKind.UNSEEN, name_of(target), kind.value)
            self.unseen(
                family,
                part,
                state,
                out,
                (hop,),
                f"route target {kind.value} {name_of(target)} is not followed",
            )

    # -- results ------------------------------------------------------------------------

    def make_exit(
        self,
        kind: ExitKind,
        family: Family,
        space: AddressSet,
        outside: AddressSet,
        state: WalkState,
        hops: tuple[Hop, ...],
        needs_public: bool = False,
        unknown: str | None = None,
    ) -> Exit:
        unknowns = state.unknowns + ((unknown,) if unknown else ())
        translated = state.nat64 is not None and family is Family.IPV4
        if state.nat64 is not None and translated:
            space, outside, family = state.nat64, state.nat64, Family.IPV6
        return Exit(
            kind,
            family,
            space,
            outside,
            state.hops + hops,
            needs_public,
            state.shadow,
            state.acl_subnets,
            unknowns,
            translated,
        )

    def unseen(
        self,
        family: Family,
        part: AddressSet,
        state: WalkState,
        out: Collector,
        hops: tuple[Hop, ...],
        reason: str,
        outside: AddressSet | None = None,
    ) -> None:
        if not part:
            return
        if self.assume is Assume.CLOSED:
            self.unknown_end(state, out, hops, reason)
            return
        out.exits.append(
            self.make_exit(
                ExitKind.UNSEEN,
                family,
                part,
                outside if outside is not None else part,
                state,
                (*hops, Hop(HopKind.UNSEEN, "unknown", reason)),
                unknown=reason,
            )
        )

    @staticmethod
    def unknown_end(state: WalkState, out: Collector, hops: tuple[Hop, ...], reason: str) -> None:
        out.ends.append(End(PathOutcome.UNKNOWN, state.hops + hops, reason))


def _subnet_detail(subnet: Subnet) -> str:
    parts = [f"{name_of(subnet.cidr_block)}"] if subnet.cidr_block is not None else []
    if subnet.ipv6_cidr_block is not None:
        parts.append(name_of(subnet.ipv6_cidr_block))
    parts.append(f"VPC {name_of(subnet.vpc)}")
    return ", ".join(parts)

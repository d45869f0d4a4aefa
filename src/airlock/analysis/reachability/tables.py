"""Route tables seen through longest-prefix match.

A :class:`TableView` holds, per address family, the *effective* destination set of every
route: the addresses for which that route is the longest match (a /1 split route takes half
the space from the default route; the local route keeps the VPC's own addresses). Routes
whose destination cannot be known are kept aside, with what they could take away from the
others (their *shadow*), so that a leak is only called certain when no reading of the
unknowns could close it.

Ties at one prefix length: local, then static CIDR routes, then prefix-list routes, then
routes propagated from a virtual private gateway.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum

from msgspec import Struct, field

from airlock.inventory.model import Unresolved, Val
from airlock.inventory.network import (
    RouteTable,
    RouteTarget,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
)

from .addresses import AddressSet, Family, parse_cidr, prefix_length
from .topology import Topology


class Priority(IntEnum):
    LOCAL = 0
    STATIC = 1
    PREFIX_LIST = 2
    PROPAGATED = 3


class Entry(Struct, frozen=True):
    """One route with the destinations it wins."""

    family: Family
    dest: AddressSet
    prefix: int
    kind: RouteTarget
    target: Val[str] | None
    label: str  # the destination as written
    origin: str  # an id for the hop: the route resource or table[destination]
    blackhole: bool = False


class Pending(Struct, frozen=True):
    """A route whose destination is not known (unresolved, or a prefix list we cannot read)."""

    family: Family | None  # None: could be either
    kind: RouteTarget
    target: Val[str] | None
    label: str
    origin: str
    reason: str
    blackhole: bool = False


class TableView(Struct, frozen=True):
    table_id: str
    implicit: bool
    entries: dict[Family, tuple[Entry, ...]]
    unresolved: tuple[Pending, ...] = ()
    opaque: tuple[Pending, ...] = ()  # prefix lists that are not in the inventory
    unknown_locals: int = 0
    #: VPN gateways whose propagated routes are not in the inventory
    propagation: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def shadow(self, family: Family, prefix: int) -> int:
        """How many addresses of a route with this prefix the unknown routes could take."""
        bits = family.bits
        block = 1 << (bits - (16 if family is Family.IPV4 else 44))  # the largest VPC CIDR
        listed = 1 << (bits - 6)  # what a prefix list Airlock cannot read is taken to hold
        count = total = 0
        for p in self.unresolved:
            if p.family not in (None, family):
                continue
            if p.kind is RouteTarget.LOCAL:
                # a local route's destination is a CIDR block of the VPC, never more
                total += block
            elif p.kind is RouteTarget.GATEWAY_ENDPOINT and p.family is None:
                # the endpoint's AWS-managed prefix list (S3 or DynamoDB addresses)
                total += listed
            else:
                count += 1
        total += count * (1 << (bits - prefix - 1)) if prefix < bits else 0
        total += self.unknown_locals * block
        total += len(self.opaque) * listed
        return total


class _Candidate(Struct, frozen=True):
    family: Family
    block: AddressSet
    prefix: int
    priority: Priority
    kind: RouteTarget
    target: Val[str] | None
    label: str
    origin: str
    blackhole: bool


def longest_match(candidates: Iterable[_Candidate]) -> dict[Family, tuple[Entry, ...]]:
    ordered = sorted(candidates, key=lambda c: (c.family.value, -c.prefix, c.priority))
    covered = {f: AddressSet.empty(f) for f in Family}
    out: dict[Family, list[Entry]] = {f: [] for f in Family}
    for cand in ordered:
        won = cand.block.difference(covered[cand.family])
        covered[cand.family] = covered[cand.family].union(cand.block)
        if won:
            out[cand.family].append(
                Entry(
                    cand.family,
                    won,
                    cand.prefix,
                    cand.kind,
                    cand.target,
                    cand.label,
                    cand.origin,
                    cand.blackhole,
                )
            )
    return {f: tuple(entries) for f, entries in out.items()}


def _cidr(value: Val[str] | None) -> tuple[AddressSet, int] | None:
    if not isinstance(value, str):
        return None
    block = parse_cidr(value)
    length = prefix_length(value)
    if block is None or length is None:
        return None
    return block, length


def _locals(topo: Topology, vpc_key: str | None) -> tuple[list[_Candidate], int]:
    space = topo.vpc_space(vpc_key)
    out: list[_Candidate] = []
    for text in space.literal_cidrs:
        parsed = _cidr(text)
        if parsed is not None:
            block, length = parsed
            out.append(
                _Candidate(
                    block.family,
                    block,
                    length,
                    Priority.LOCAL,
                    RouteTarget.LOCAL,
                    "local",
                    text,
                    f"{vpc_key}:local",
                    False,
                )
            )
    return out, space.unknown


def route_table_view(topo: Topology, table: RouteTable | None, vpc_key: str | None) -> TableView:
    """The view of a route table; ``table`` None is the implicit main table (local only)."""
    candidates, unknown_locals = _locals(topo, vpc_key)
    if table is None:
        return TableView(
            f"{vpc_key or '<unresolved vpc>'}:main",
            True,
            longest_match(candidates),
            unknown_locals=unknown_locals,
        )
    unresolved: list[Pending] = []
    opaque: list[Pending] = []
    notes: list[str] = []
    has_propagated = False
    for index, route in enumerate(table.routes):
        has_propagated = has_propagated or route.propagated
        priority = Priority.PROPAGATED if route.propagated else Priority.STATIC
        dest_value: Val[str] | None = route.destination_cidr
        family: Family | None = Family.IPV4
        if dest_value is None and route.destination_ipv6_cidr is not None:
            dest_value, family = route.destination_ipv6_cidr, Family.IPV6
        label = dest_value if isinstance(dest_value, str) else None
        origin = route.origin or f"{table.id}[{label or index}]"
        if route.target_kind is RouteTarget.LOCAL and label is not None:
            origin = route.origin or f"{table.id}[local {label}]"
        if dest_value is None and route.destination_prefix_list is not None:
            plist = route.destination_prefix_list
            resolved = topo.prefix_list_entries(plist)
            name = plist if isinstance(plist, str) else str(plist)
            origin = route.origin or f"{table.id}[{name}]"
            if resolved is None:
                reason = (
                    f"prefix list {name} is not in the inventory"
                    if isinstance(plist, str)
                    else f"prefix list is unresolved ({plist.reason})"
                )
                pending = Pending(
                    None, route.target_kind, route.target, name, origin, reason, route.blackhole
                )
                (opaque if isinstance(plist, str) else unresolved).append(pending)
                continue
            texts, unknown_entries = resolved
            if unknown_entries:
                unresolved.append(
                    Pending(
                        None,
                        route.target_kind,
                        route.target,
                        name,
                        origin,
                        f"{unknown_entries} entries of prefix list {name} are unresolved",
                        route.blackhole,
                    )
                )
            for text in texts:
                parsed = _cidr(text)
                if parsed is not None:
                    candidates.append(
                        _Candidate(
                            parsed[0].family,
                            parsed[0],
                            parsed[1],
                            Priority.PREFIX_LIST,
                            route.target_kind,
                            route.target,
                            name,
                            origin,
                            route.blackhole,
                        )
                    )
            continue
        parsed = _cidr(dest_value)
        if parsed is None:
            if dest_value is None:
                notes.append(f"route {origin} has no destination and is ignored")
                continue
            reason = (
                f"destination of route {origin} is unresolved ({dest_value.reason})"
                if isinstance(dest_value, Unresolved)
                else f"destination {dest_value!r} of route {origin} is not a CIDR"
            )
            unresolved.append(
                Pending(
                    family,
                    route.target_kind,
                    route.target,
                    str(dest_value),
                    origin,
                    reason,
                    route.blackhole,
                )
            )
            continue
        block, length = parsed
        if route.target_kind is RouteTarget.LOCAL:
            priority = Priority.LOCAL
        candidates.append(
            _Candidate(
                block.family,
                block,
                length,
                priority,
                route.target_kind,
                route.target,
                str(dest_value),
                origin,
                route.blackhole,
            )
        )
    propagation: tuple[str, ...] = ()
    if table.propagating_gateways and not has_propagated:
        propagation = tuple(str(g) for g in table.propagating_gateways)
    return TableView(
        table.id,
        False,
        longest_match(candidates),
        tuple(unresolved),
        tuple(opaque),
        unknown_locals,
        propagation,
        tuple(notes),
    )


class TgwPropagation(Struct, frozen=True):
    """Routes a VPN, Direct Connect, Connect or peering attachment learns: not known."""

    attachment: str
    kind: str


class TgwView(Struct, frozen=True):
    table_id: str
    implicit: bool
    entries: dict[Family, tuple[Entry, ...]]
    unresolved: tuple[Pending, ...]
    unknown_locals: int
    learned: tuple[TgwPropagation, ...]

    def shadow(self, family: Family, prefix: int) -> int:
        bits = family.bits
        count = sum(1 for p in self.unresolved if p.family in (None, family))
        total = count * (1 << (bits - prefix - 1)) if prefix < bits else 0
        return total + self.unknown_locals * (1 << (bits - (16 if family is Family.IPV4 else 44)))


def tgw_view(
    topo: Topology,
    table: TransitGatewayRouteTable | None,
    tgw_key: str,
    propagating: Iterable[Val[str]],
) -> TgwView:
    """A transit gateway route table (None: the TGW's implicit default route table)."""
    candidates: list[_Candidate] = []
    unresolved: list[Pending] = []
    learned: list[TgwPropagation] = []
    unknown_locals = 0
    table_id = table.id if table is not None else f"{tgw_key}:default-route-table"
    routes: tuple[TransitGatewayRoute, ...] = table.routes if table is not None else ()
    for index, route in enumerate(routes):
        origin = route.origin or f"{table_id}[{route.destination_cidr}]"
        parsed = _cidr(route.destination_cidr)
        if parsed is None:
            dest = route.destination_cidr
            reason = (
                f"destination of transit gateway route {origin} is unresolved ({dest.reason})"
                if isinstance(dest, Unresolved)
                else f"destination {dest!r} of transit gateway route {origin} is not a CIDR"
            )
            unresolved.append(
                Pending(
                    None,
                    RouteTarget.TRANSIT_GATEWAY,
                    route.attachment,
                    str(dest),
                    origin or str(index),
                    reason,
                    route.blackhole,
                )
            )
            continue
        block, length = parsed
        candidates.append(
            _Candidate(
                block.family,
                block,
                length,
                Priority.STATIC,
                RouteTarget.TRANSIT_GATEWAY,
                route.attachment,
                str(route.destination_cidr),
                origin,
                route.blackhole,
            )
        )
    for ref in propagating:
        attachment = topo.get(ref, TransitGatewayAttachment)
        key = topo.key(ref)
        if attachment is None or key is None:
            unknown_locals += 1
            continue
        if attachment.kind != "vpc":
            learned.append(TgwPropagation(attachment.id, attachment.kind))
            continue
        vpc_key = topo.key(attachment.vpc)
        space = topo.vpc_space(vpc_key)
        unknown_locals += space.unknown
        for text in space.literal_cidrs:
            parsed = _cidr(text)
            if parsed is not None:
                candidates.append(
                    _Candidate(
                        parsed[0].family,
                        parsed[0],
                        parsed[1],
                        Priority.PROPAGATED,
                        RouteTarget.TRANSIT_GATEWAY,
                        attachment.id,
                        text,
                        f"{table_id}[{text} propagated]",
                        False,
                    )
                )
    return TgwView(
        table_id,
        table is None,
        longest_match(candidates),
        tuple(unresolved),
        unknown_locals,
        tuple(learned),
    )

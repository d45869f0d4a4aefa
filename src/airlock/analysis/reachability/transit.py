"""Transit gateways: attachments, their route tables, and the VPCs behind them.

Transit gateways are transitive: traffic that reaches a VPC through one is routed again by
the route table of the attachment's subnet there, and can leave through that VPC's NAT
gateway (the central egress and inspection VPC patterns). A transit gateway whose route
tables are not in the inventory, or one in another account, is UNKNOWN.

For a template or plan, an attachment with no explicit association uses the transit
gateway's default route table (unless default association is disabled), which holds the
routes every attachment propagates (unless default propagation is disabled): VPC
attachments their VPC CIDRs, VPN and Direct Connect attachments routes learned over BGP,
which are unknown. A live inventory lists the default route table itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airlock.inventory.model import SourceKind, Unresolved, Val
from airlock.inventory.network import Subnet, TransitGateway, TransitGatewayAttachment

from .addresses import AddressSet, Family
from .paths import Hop, HopKind, PathOutcome
from .tables import TgwView, tgw_view
from .walk import Assume, Collector, End, ExitKind, Source, WalkState, missing, name_of

if TYPE_CHECKING:
    from .router import Router

_EXTERNAL_ATTACHMENTS = frozenset({"vpn", "direct-connect", "connect"})


def follow_transit(
    router: Router,
    target: Val[str] | None,
    family: Family,
    part: AddressSet,
    state: WalkState,
    out: Collector,
) -> None:
    tgw_key = router.topo.key(target)
    tgw = router.topo.transit_gateway(target)
    hop = Hop(HopKind.TRANSIT_GATEWAY, tgw_key or name_of(target), "transit gateway")
    if tgw_key is None:
        router.unseen(family, part, state, out, (hop,), missing("transit gateway", target))
        return
    attachments = [
        a
        for a in router.topo.tgw_attachments.get(tgw_key, ())
        if a.kind == "vpc" and router.topo.key(a.vpc) == state.vpc
    ]
    if not attachments:
        reason = (
            missing("transit gateway", target)
            if tgw is None
            else f"no attachment of transit gateway {tgw_key} to VPC {state.vpc} is in "
            "the inventory"
        )
        router.unseen(family, part, state, out, (hop,), reason)
        return
    for attachment in attachments:
        att_hop = Hop(HopKind.TRANSIT_GATEWAY_ATTACHMENT, attachment.id, "attachment of this VPC")
        views, why = _tgw_views(router, tgw, tgw_key, attachment)
        if why is not None and not views:
            router.unseen(family, part, state, out, (hop, att_hop), why)
            continue
        if not views:
            out.ends.append(
                End(
                    PathOutcome.CONTAINED,
                    (*state.hops, hop, att_hop),
                    "the attachment is associated with no transit gateway route table: dropped",
                )
            )
            continue
        for view in views:
            _tgw_table(router, view, family, part, state.step(hop, att_hop), out)


def _tgw_views(
    router: Router, tgw: TransitGateway | None, tgw_key: str, attachment: TransitGatewayAttachment
) -> tuple[list[TgwView], str | None]:
    explicit = router.topo.tgw_association.get(attachment.id, [])
    if explicit:
        views: list[TgwView] = []
        for table in explicit:
            view = router.tgw_views.get(table.id)
            if view is None:
                view = tgw_view(router.topo, table, tgw_key, table.propagations)
                router.tgw_views[table.id] = view
            views.append(view)
        return views, None
    if router.topo.tgw_ambiguous_tables.get(tgw_key):
        return [], f"associations of transit gateway {tgw_key} route tables are unresolved"
    if tgw is None:
        return [], f"transit gateway {tgw_key} is not in the inventory"
    if router.topo.inventory.source.kind in (SourceKind.AWS, SourceKind.SNAPSHOT):
        return [], (
            f"no route table of transit gateway {tgw_key} is associated with "
            f"attachment {attachment.id} in the inventory"
        )
    association = tgw.default_route_table_association
    if association is False:
        return [], None
    if isinstance(association, Unresolved):
        return [], f"default route table association of {tgw_key} is unresolved"
    propagation = tgw.default_route_table_propagation
    propagating: list[Val[str]] = []
    if propagation is not False and (
        not isinstance(propagation, Unresolved) or router.assume is Assume.OPEN
    ):
        propagating = [a.id for a in router.topo.tgw_attachments.get(tgw_key, ())]
    key = f"{tgw_key}:default"
    view = router.tgw_views.get(key)
    if view is None:
        view = tgw_view(router.topo, None, tgw_key, propagating)
        router.tgw_views[key] = view
    return [view], None


def _tgw_table(
    router: Router,
    view: TgwView,
    family: Family,
    part: AddressSet,
    state: WalkState,
    out: Collector,
) -> None:
    detail = "default route table (implicit: propagated routes)" if view.implicit else ""
    hop = Hop(HopKind.TRANSIT_GATEWAY_ROUTE_TABLE, view.table_id, detail or "associated")
    if view.table_id in state.visited:
        out.ends.append(End(PathOutcome.CONTAINED, (*state.hops, hop), "routing loop"))
        return
    state = state.step(hop).evolve(visited=state.visited | {view.table_id})
    for entry in view.entries[family]:
        sub = entry.dest.intersection(part)
        if not sub:
            continue
        route = Hop(
            HopKind.TRANSIT_GATEWAY_ROUTE,
            entry.origin,
            f"{entry.label} -> attachment {name_of(entry.target)}",
        )
        nxt = state.step(route).evolve(shadow=state.shadow + view.shadow(family, entry.prefix))
        if entry.blackhole:
            out.ends.append(End(PathOutcome.CONTAINED, nxt.hops, "blackhole route: dropped"))
            continue
        _attachment(router, entry.target, family, sub, nxt, out)
    if router.assume is Assume.CLOSED:
        return
    for pending in view.unresolved:
        route = Hop(HopKind.TRANSIT_GATEWAY_ROUTE, pending.origin, pending.reason)
        nxt = state.step(route).evolve(unknowns=(*state.unknowns, pending.reason))
        if not pending.blackhole:
            _attachment(router, pending.target, family, part, nxt, out)
    for learned in view.learned:
        reason = f"routes learned from {learned.kind} attachment {learned.attachment} are unknown"
        hops = (
            Hop(HopKind.TRANSIT_GATEWAY_ROUTE, f"{view.table_id}[propagated]", reason),
            Hop(HopKind.TRANSIT_GATEWAY_ATTACHMENT, learned.attachment, learned.kind),
            Hop(HopKind.EXTERNAL_NETWORK, learned.attachment, "network beyond the attachment"),
        )
        out.exits.append(
            router.make_exit(ExitKind.EXTERNAL, family, part, part, state, hops, unknown=reason)
        )


def _attachment(
    router: Router,
    ref: Val[str] | None,
    family: Family,
    part: AddressSet,
    state: WalkState,
    out: Collector,
) -> None:
    attachment = router.topo.get(ref, TransitGatewayAttachment)
    if attachment is None:
        hop = Hop(HopKind.TRANSIT_GATEWAY_ATTACHMENT, name_of(ref), "not in the inventory")
        router.unseen(family, part, state, out, (hop,), missing("attachment", ref))
        return
    hop = Hop(HopKind.TRANSIT_GATEWAY_ATTACHMENT, attachment.id, f"{attachment.kind} attachment")
    if attachment.kind in _EXTERNAL_ATTACHMENTS:
        ext = Hop(HopKind.EXTERNAL_NETWORK, attachment.id, "network beyond the attachment")
        out.exits.append(router.make_exit(ExitKind.EXTERNAL, family, part, part, state, (hop, ext)))
        return
    if attachment.kind != "vpc":
        router.unseen(
            family,
            part,
            state,
            out,
            (hop,),
            f"{attachment.kind} attachment {attachment.id}: the routing beyond it is not followed",
        )
        return
    vpc = router.topo.key(attachment.vpc)
    if vpc is None:
        router.unseen(
            family, part, state, out, (hop,), missing("VPC of the attachment", attachment.vpc)
        )
        return
    vpc_hop = Hop(HopKind.VPC, vpc, "VPC behind the attachment")
    space = router.topo.vpc_space(vpc).blocks[family]
    inside = part.intersection(space)
    if inside:
        out.ends.append(
            End(PathOutcome.CONTAINED, (*state.hops, hop, vpc_hop), f"delivered to VPC {vpc}")
        )
    rest = part.difference(space)
    if not rest:
        return
    nxt = state.step(hop, vpc_hop).evolve(vpc=vpc, transit=True, source=Source.PRIVATE)
    if not attachment.subnets:
        router.unseen(
            family, rest, nxt, out, (), f"subnets of attachment {attachment.id} are not known"
        )
    for sref in attachment.subnets:
        subnet = router.topo.get(sref, Subnet)
        if subnet is None:
            router.unseen(
                family,
                rest,
                nxt,
                out,
                (),
                missing(f"subnet of attachment {attachment.id}", sref),
            )
            continue
        sub_hop = Hop(HopKind.SUBNET, subnet.id, "subnet of the attachment")
        router.subnet_tables(subnet, {family: rest}, nxt.step(sub_hop), out)

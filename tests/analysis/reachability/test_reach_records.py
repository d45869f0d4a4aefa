"""The walk's records are msgspec Structs: cached values and lookup indexes stay out of their
fields, and copies made with ``msgspec.structs.replace`` start without them."""

from __future__ import annotations

from msgspec.structs import replace
from netbuild import Net

from airlock.analysis.reachability import analyse
from airlock.analysis.reachability.addresses import AddressSet, Family
from airlock.analysis.reachability.paths import Hop, HopKind
from airlock.analysis.reachability.walk import Exit, ExitKind, Source, WalkState


def test_exit_caches_what_leaves_outside_its_fields() -> None:
    exit_ = Exit(
        ExitKind.INTERNET,
        Family.IPV4,
        AddressSet.everything(Family.IPV4),
        AddressSet.of("8.8.8.0/24"),
        (Hop(HopKind.INTERNET_GATEWAY, "igw-1"),),
    )
    assert exit_.leaving == AddressSet.of("8.8.8.0/24")
    assert exit_.leaving is exit_.leaving
    assert "leaving" not in repr(exit_)
    twin = replace(exit_, unknowns=("ambiguous",))
    assert "leaving" not in twin.__dict__ and twin != exit_
    assert replace(twin, unknowns=()) == exit_ and hash(replace(twin, unknowns=())) == hash(exit_)


def test_walk_state_evolves_into_a_changed_copy() -> None:
    start = WalkState(vpc="vpc-1", hops=())
    hop = Hop(HopKind.ROUTE_TABLE, "rtb-1")
    moved = start.step(hop).evolve(source=Source.PUBLIC, transit=True)
    assert moved == WalkState("vpc-1", (hop,), Source.PUBLIC, True)
    assert start == WalkState(vpc="vpc-1", hops=())


def test_lookup_indexes_are_not_fields() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("A", "Vpc", tags={"airlock:workload": "true"})
    result = analyse(net.inventory())
    selection = result.workload
    assert selection.get("A") is not None and result.subject("A") is not None
    assert "_by_id" not in repr(selection) and "_by_id" not in repr(result)
    copy = replace(selection, note="again")
    assert copy.get("A") == selection.get("A") and copy != selection
    assert replace(copy, note=selection.note) == selection

"""Judge one routing exit for one subject: public IP, IPv6, security groups, network ACLs.

Results are cached by everything they depend on (the exit, the subnet's network ACLs, the
security groups, the source subnet when ACLs of NAT or appliance subnets are crossed), so
subjects with the same placement share the work. Messages name the subject as :data:`WHO`;
the evaluator puts the subject's id in its place.
"""

from __future__ import annotations

from airlock.inventory.network import Subnet

from .addresses import AddressSet, Family, parse_cidr
from .filters import (
    AclChoice,
    Guard,
    Segment,
    acl_decision,
    acl_matches,
    acl_uncertainties,
    acls_for,
    choice_allowed,
    gateway_lists,
    guard_allowed,
    segments,
)
from .paths import PathOutcome
from .subjects import Placement, Profile, Tri
from .topology import Topology
from .walk import Assume, Exit, Routing

#: stands for the subject in messages computed once for many subjects
WHO = "\u2063subject\u2063"

Judgement = tuple[PathOutcome, str, str | None, tuple[str, ...]]


class ExitJudge:
    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self._acls: dict[str, AclChoice] = {}
        self._shared_acls: dict[tuple[object, ...], AclChoice] = {}
        self._segment_cache: dict[tuple[object, ...], tuple[Segment, ...]] = {}
        self._cache: dict[tuple[object, ...], AddressSet] = {}
        self._verdicts: dict[tuple[object, ...], Judgement] = {}
        self._benign: dict[tuple[object, ...], frozenset[str]] = {}

    def acl_choice(self, subnet: Subnet) -> AclChoice:
        choice = self._acls.get(subnet.id)
        if choice is None:
            found = acls_for(self.topo, subnet.id, self.topo.key(subnet.vpc))
            # one shared object per distinct choice, so that judgments cache across subnets
            key = (tuple(id(a) for a in found.acls), found.ambiguity)
            choice = self._shared_acls.setdefault(key, found)
            self._acls[subnet.id] = choice
        return choice

    def judge(
        self,
        profile: Profile,
        placement: Placement,
        routing: Routing,
        acls: AclChoice,
        exit_: Exit,
        assume: Assume,
    ) -> Judgement:
        """Outcome, reason, example and unknowns of one exit for one subject."""
        if not exit_.leaving:
            return PathOutcome.CONTAINED, "no destination on this route is outside", None, ()
        notes = list(exit_.unknowns)
        gate = self._gate(profile, placement, exit_, assume, notes)
        if gate is not None:
            return PathOutcome.BLOCKED, gate, None, ()
        guard = profile.guard
        benign = self.benign_lists(guard, placement.subnet, routing)
        source_key = placement.subnet.id if exit_.acl_subnets else None
        key = (
            "exit",
            id(exit_),
            id(acls),
            guard.ids,
            guard.allow_all is None,
            guard.unknown,
            source_key,
            assume,
            benign,
        )
        found = self._verdicts.get(key)
        if found is None:
            found = self._filter(profile, placement, benign, acls, exit_, assume)
            self._verdicts[key] = found
        outcome, reason, example, extra = found
        return outcome, reason, example, tuple(dict.fromkeys([*notes, *extra]))

    def benign_lists(self, guard: Guard, subnet: Subnet, routing: Routing) -> frozenset[str]:
        """Prefix lists whose traffic the subnet's own route table keeps inside: lists it
        routes to a gateway endpoint, blackhole or local target, and the lists of its
        gateway endpoints that the security groups name (by id or by endpoint)."""
        key = (subnet.id, guard.ids, routing.benign_prefix_lists)
        found = self._benign.get(key)
        if found is None:
            found = routing.benign_prefix_lists | gateway_lists(self.topo, guard, subnet)
            self._benign[key] = found
        return found

    def _filter(
        self,
        profile: Profile,
        placement: Placement,
        benign: frozenset[str],
        acls: AclChoice,
        exit_: Exit,
        assume: Assume,
    ) -> Judgement:
        family = exit_.family
        leaving = exit_.leaving
        crossed = [self.acl_choice_by_id(s) for s in exit_.acl_subnets]
        if exit_.translated:
            crossed = []  # NAT64: the NAT gateway's subnet sees IPv4; not evaluated
        guard = profile.guard
        if not leaving.intersection(self._reach(guard, family, assume, benign)):
            return (
                PathOutcome.BLOCKED,
                "blocked: the security groups allow no egress to these destinations",
                None,
                (),
            )
        source = self._source(placement.subnet, family, assume)
        blockers: list[str] = []
        for seg in self._segments(guard, (acls, *crossed)):
            allowed = leaving.intersection(self._guard(profile.guard, seg, family, assume, benign))
            if not allowed:
                continue
            passed = allowed.intersection(self._acl(acls, True, seg, family, assume))
            if not passed:
                blockers.append(self._acl_blocker(acls, True, seg, family, allowed.first()))
                continue
            for choice in crossed:
                inbound = source.intersection(self._acl(choice, False, seg, family, assume))
                if not inbound:
                    blockers.append(self._acl_blocker(choice, False, seg, family, source.first()))
                    passed = AddressSet.empty(family)
                    break
                passed = passed.intersection(self._acl(choice, True, seg, family, assume))
                if not passed:
                    blockers.append(self._acl_blocker(choice, True, seg, family, allowed.first()))
                    break
            if not passed:
                continue
            if assume is Assume.CLOSED and passed.size() <= exit_.shadow:
                blockers.append(
                    "routes with unresolved destinations could take every "
                    "destination this path still allows"
                )
                continue
            example = f"{seg.describe()} to {passed.first()}"
            extra: list[str] = []
            if assume is Assume.OPEN:
                extra.extend(profile.guard.uncertainties(self.topo, benign))
                for choice in (acls, *crossed):
                    extra.extend(acl_uncertainties(choice))
            return PathOutcome.OPEN, _exit_reason(exit_), example, tuple(extra)
        if blockers:
            return PathOutcome.BLOCKED, f"blocked: {blockers[0]}", None, ()
        return (
            PathOutcome.BLOCKED,
            "blocked: the security groups allow no egress to these destinations",
            None,
            (),
        )

    def _gate(
        self, profile: Profile, placement: Placement, exit_: Exit, assume: Assume, notes: list[str]
    ) -> str | None:
        """Why the subject cannot use this exit at all (no IPv6 address, no public IP)."""
        who = WHO
        if exit_.family is Family.IPV6:
            if placement.ipv6 is Tri.NO:
                return f"blocked: {who} has no IPv6 address in subnet {placement.subnet.id}"
            if placement.ipv6 is Tri.MAYBE:
                if assume is Assume.CLOSED:
                    return f"blocked unless {who} has an IPv6 address (not known)"
                notes.append(f"whether {who} has an IPv6 address is not known")
        if exit_.needs_public_source:
            if placement.public_ipv4 is Tri.NO:
                return (
                    f"blocked: the internet gateway only carries traffic from public IPs, "
                    f"and {who} has none"
                )
            if placement.public_ipv4 is Tri.MAYBE:
                if assume is Assume.CLOSED:
                    return f"blocked unless {who} has a public IP (not known)"
                notes.append(f"whether {who} has a public IP is not known")
        return None

    def acl_choice_by_id(self, subnet_id: str) -> AclChoice:
        subnet = self.topo.get(subnet_id, Subnet)
        if subnet is None:
            return AclChoice((None,))
        return self.acl_choice(subnet)

    def _source(self, subnet: Subnet, family: Family, assume: Assume) -> AddressSet:
        value = subnet.cidr_block if family is Family.IPV4 else subnet.ipv6_cidr_block
        block = parse_cidr(value) if isinstance(value, str) else None
        if block is not None and block.family is family:
            return block
        return AddressSet.everything(family) if assume is Assume.OPEN else AddressSet.empty(family)

    def _segments(self, guard: Guard, choices: tuple[AclChoice, ...]) -> tuple[Segment, ...]:
        key = ("segments", guard.ids, guard.allow_all is None, tuple(id(c) for c in choices))
        found = self._segment_cache.get(key)
        if found is None:
            matches = guard.matches() + [m for c in choices for a in c.acls for m in acl_matches(a)]
            found = segments(matches)
            self._segment_cache[key] = found
        return found

    def _reach(
        self, guard: Guard, family: Family, assume: Assume, benign: frozenset[str]
    ) -> AddressSet:
        """Every destination the security groups allow, whatever the traffic."""
        key = (
            "reach",
            guard.ids,
            guard.allow_all is None,
            bool(guard.unknown),
            family,
            assume,
            benign,
        )
        found = self._cache.get(key)
        if found is None:
            found = AddressSet.empty(family)
            for seg in self._segments(guard, ()):
                found = found.union(self._guard(guard, seg, family, assume, benign))
            self._cache[key] = found
        return found

    def _guard(
        self, guard: Guard, seg: Segment, family: Family, assume: Assume, benign: frozenset[str]
    ) -> AddressSet:
        key = (
            "sg",
            guard.ids,
            guard.allow_all is None,
            bool(guard.unknown),
            seg,
            family,
            assume,
            benign,
        )
        found = self._cache.get(key)
        if found is None:
            found = guard_allowed(guard, seg, family, assume, self.topo, benign)
            self._cache[key] = found
        return found

    def _acl(
        self, choice: AclChoice, egress: bool, seg: Segment, family: Family, assume: Assume
    ) -> AddressSet:
        key = ("acl", tuple(id(a) for a in choice.acls), egress, seg, family, assume)
        found = self._cache.get(key)
        if found is None:
            found = choice_allowed(choice, egress, seg, family, assume)
            self._cache[key] = found
        return found

    @staticmethod
    def _acl_blocker(
        choice: AclChoice, egress: bool, seg: Segment, family: Family, address: str | None
    ) -> str:
        acl = next((a for a in choice.acls if a is not None), None)
        if acl is None or address is None:
            return f"network ACL {', '.join(choice.ids())} stops {seg.describe()}"
        return f"network ACL {acl.id}: {acl_decision(acl, egress, seg, family, address)}"


def _exit_reason(exit_: Exit) -> str:
    kind = exit_.kind.value
    if kind == "internet":
        return "packets reach the internet"
    if kind == "external":
        return "packets reach a network outside the inventory (VPN, Direct Connect, carrier)"
    return "packets reach something Airlock cannot see"

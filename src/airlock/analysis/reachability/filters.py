"""Security groups and network ACLs as functions from traffic to allowed destinations.

Traffic is cut into :class:`Segment` s (a protocol and, for TCP/UDP, a port range) so small
that every rule either covers a segment or misses it; for each segment a filter gives the
destination (or, for inbound ACL rules, source) addresses it lets through. A path is open
when routing, the source subnet's ACL, the ACLs of the NAT or appliance subnets crossed and
the security groups all let some segment through to some outside address.

Network ACLs are evaluated in rule-number order, first match wins, with the implicit final
deny. Return traffic is not required: one-way UDP is enough to carry data out.

Unknown parts of a rule are read in the direction of :class:`~.router.Assume`: OPEN lets an
unknown allow match and an unknown deny miss; CLOSED does the reverse.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from msgspec import Struct

from airlock.inventory.model import Unresolved, Val
from airlock.inventory.network import (
    NetworkAcl,
    NetworkAclEntry,
    RouteTarget,
    SecurityGroupRule,
    Subnet,
    VpcEndpoint,
)

from .addresses import AddressSet, Family, parse_cidr
from .services import endpoint_service, is_gateway
from .topology import Topology
from .walk import Assume

ALL = -1
TCP, UDP, ICMP, ICMPV6 = 6, 17, 1, 58
_NAMES = {
    "-1": ALL,
    "all": ALL,
    "tcp": TCP,
    "udp": UDP,
    "icmp": ICMP,
    "icmpv6": ICMPV6,
    "icmp6": ICMPV6,
    "ipv6-icmp": ICMPV6,
}
_LABELS = {TCP: "tcp", UDP: "udp", ICMP: "icmp", ICMPV6: "icmpv6"}
#: examples in evidence read best as TCP, then UDP
_PREFERRED = {TCP: 0, UDP: 1, ICMP: 2, ICMPV6: 3}


def protocol_number(value: object) -> int | None:
    """``-1`` for all, the IP protocol number, or None when unknown."""
    if not isinstance(value, str | int) or isinstance(value, bool):
        return None
    text = str(value).strip().lower()
    if text in _NAMES:
        return _NAMES[text]
    try:
        number = int(text)
    except ValueError:
        return None
    return number if 0 <= number <= 255 else None


class Segment(Struct, frozen=True, order=True):
    protocol: int
    low: int = 0
    high: int = 65535

    def describe(self) -> str:
        name = _LABELS.get(self.protocol, f"protocol {self.protocol}")
        if self.protocol not in (TCP, UDP):
            return name
        if self.low == 0 and self.high == 65535:
            return f"{name}/any port"
        port = str(self.low) if self.low == self.high else f"{self.low}-{self.high}"
        return f"{name}/{port}"


class _Match(Struct, frozen=True):
    protocol: int | None  # None: unknown
    ports: tuple[int, int] | None  # None: unknown


def _ports(
    protocol: int | None, low: Val[int] | None, high: Val[int] | None
) -> tuple[int, int] | None:
    if protocol not in (TCP, UDP):
        return (0, 65535)
    if isinstance(low, Unresolved) or isinstance(high, Unresolved):
        return None
    lo = 0 if low is None or low < 0 else low
    hi = 65535 if high is None or high < 0 else high
    return (lo, hi)


@lru_cache(maxsize=4096)
def _rule_match(protocol: Val[str], low: Val[int] | None, high: Val[int] | None) -> _Match:
    number = protocol_number(protocol)
    return _Match(number, _ports(number, low, high) if number is not None else None)


def _matches(rule: _Match, seg: Segment) -> bool | None:
    if rule.protocol is None:
        return None
    if rule.protocol not in (ALL, seg.protocol):
        return False
    if seg.protocol not in (TCP, UDP) or rule.protocol == ALL:
        return True
    if rule.ports is None:
        return None
    return rule.ports[0] <= seg.low and seg.high <= rule.ports[1]


def segments(matches: Iterable[_Match]) -> tuple[Segment, ...]:
    protocols = {TCP, UDP, ICMP, ICMPV6}
    cuts = {0, 65536}
    for rule in matches:
        if rule.protocol is not None and rule.protocol != ALL:
            protocols.add(rule.protocol)
        if rule.protocol in (TCP, UDP) and rule.ports is not None:
            cuts.add(rule.ports[0])
            cuts.add(min(rule.ports[1] + 1, 65536))
    other = next(p for p in (47, 50, 132, *range(2, 256)) if p not in protocols)
    protocols.add(other)
    bounds = sorted(c for c in cuts if 0 <= c <= 65536)
    out: list[Segment] = []
    for proto in sorted(protocols, key=lambda p: (_PREFERRED.get(p, 9), p)):
        if proto in (TCP, UDP):
            out.extend(Segment(proto, a, b - 1) for a, b in itertools.pairwise(bounds))
        else:
            out.append(Segment(proto))
    return tuple(out)


def _block(value: Val[str] | None, family: Family, generous: bool) -> AddressSet | None:
    """The CIDR as a set; an unknown CIDR is everything (``generous``) or nothing."""
    if value is None:
        return None
    block = parse_cidr(value) if isinstance(value, str) else None
    if block is None:
        return AddressSet.everything(family) if generous else AddressSet.empty(family)
    return block if block.family is family else None


# -- security groups ---------------------------------------------------------------------


class Guard(Struct, frozen=True):
    """The security groups on a subject, as far as they are known."""

    ids: tuple[str, ...]
    rules: tuple[SecurityGroupRule, ...]
    #: why some egress rules are unknown (a group not in the inventory, unresolved ids)
    unknown: tuple[str, ...] = ()
    #: why every destination is allowed regardless of rules (None: the rules decide)
    allow_all: str | None = None

    def matches(self) -> list[_Match]:
        return [_rule_match(r.protocol, r.from_port, r.to_port) for r in self.rules]

    def uncertainties(self, topo: Topology, benign_lists: frozenset[str]) -> list[str]:
        """What is not known about these egress rules (lists in ``benign_lists`` are known
        to stay inside, whatever they hold)."""
        out = list(self.unknown)
        for rule in self.rules:
            for name in ("protocol", "from_port", "to_port", "cidr_ipv4", "cidr_ipv6"):
                value = getattr(rule, name)
                if isinstance(value, Unresolved):
                    out.append(
                        f"a security group egress rule has an unresolved {name} ({value.reason})"
                    )
            plist = rule.prefix_list
            if isinstance(plist, Unresolved):
                out.append(
                    f"a security group egress rule names an unresolved prefix list ({plist.reason})"
                )
            elif (
                plist is not None
                and plist not in benign_lists
                and topo.prefix_list_entries(plist) is None
            ):
                out.append(
                    f"the prefix list of endpoint {plist} in a security group egress rule is "
                    "not in the inventory, and the subnet's route table does not send it there"
                    if topo.get(plist, VpcEndpoint) is not None
                    else f"prefix list {plist} in a security group egress rule is not in the "
                    "inventory"
                )
        return out


#: AWS-managed prefix lists have 8 hex digits (pl-6ea54007); customer-managed ones 17
_AWS_MANAGED_LIST = re.compile(r"pl-[0-9a-f]{8}")


def gateway_list_endpoint(
    topo: Topology, ref: str, endpoints: Iterable[VpcEndpoint], *, bare_ids: bool
) -> VpcEndpoint | None:
    """The gateway endpoint among ``endpoints`` whose prefix list ``ref`` (not in the
    inventory) is, or None when that cannot be shown. AL-NET-001 and AL-NET-008 both ask.

    ``ref`` names the endpoint itself when a Terraform rule references its
    ``prefix_list_id`` (unknown until apply), or is the id that the routes to a gateway
    endpoint carry; the list is per service and region, so another gateway endpoint of the
    same service names the same list. With ``bare_ids``, a bare AWS-managed id is taken for
    the list of an S3 or DynamoDB gateway endpoint whose own id is not known (CloudFormation
    never shows it): that trusts the template's author, as other AWS-managed lists
    (CloudFront's) are not told apart from it, so only the security-group hygiene control
    (AL-NET-008) does it, and says so; the path analysis never does. A known id that differs
    is never taken.
    """
    gateways = [e for e in endpoints if is_gateway(e)]
    named = topo.get(ref, VpcEndpoint) or topo.gateway_of_list(ref)
    if named is not None:
        if not is_gateway(named):
            return None
        return next(
            (
                e
                for e in gateways
                if e.id == named.id
                or (isinstance(named.service_name, str) and e.service_name == named.service_name)
            ),
            None,
        )
    if not bare_ids or not _AWS_MANAGED_LIST.fullmatch(ref):
        return None
    return next(
        (
            e
            for e in gateways
            if endpoint_service(e) in ("s3", "dynamodb") and not topo.gateway_list_ids(e)
        ),
        None,
    )


def routed_gateway_endpoints(topo: Topology, subnet: Subnet) -> list[VpcEndpoint]:
    """The gateway endpoints that every route table the subnet may use routes to."""
    found: list[VpcEndpoint] | None = None
    for table in topo.route_tables_for(subnet).tables:
        if table is None:
            return []  # the implicit main table has only the local route
        routed = [
            e
            for e in topo.endpoints
            if is_gateway(e)
            and (
                any(topo.same(t, table) for t in e.route_tables)
                or any(
                    r.target_kind is RouteTarget.GATEWAY_ENDPOINT and topo.same(r.target, e)
                    for r in table.routes
                )
            )
        ]
        found = routed if found is None else [e for e in found if e in routed]
    return found or []


def gateway_lists(topo: Topology, guard: Guard, subnet: Subnet) -> frozenset[str]:
    """The prefix lists in the egress rules that are lists of gateway endpoints the subnet
    routes to: the endpoint's route beats a default route, so traffic to the list ends at
    the endpoint instead of a NAT or internet gateway."""
    refs = {
        r.prefix_list
        for r in guard.rules
        if isinstance(r.prefix_list, str) and topo.prefix_list_entries(r.prefix_list) is None
    }
    if not refs:
        return frozenset()
    endpoints = routed_gateway_endpoints(topo, subnet)
    return frozenset(
        ref for ref in refs if gateway_list_endpoint(topo, ref, endpoints, bare_ids=False)
    )


def guard_allowed(
    guard: Guard,
    seg: Segment,
    family: Family,
    assume: Assume,
    topo: Topology,
    benign_lists: frozenset[str],
) -> AddressSet:
    if guard.allow_all is not None or (guard.unknown and assume is Assume.OPEN):
        return AddressSet.everything(family)
    open_ = assume is Assume.OPEN
    out = AddressSet.empty(family)
    for rule in guard.rules:
        hit = _matches(_rule_match(rule.protocol, rule.from_port, rule.to_port), seg)
        if hit is False or (hit is None and not open_):
            continue
        cidr = rule.cidr_ipv4 if family is Family.IPV4 else rule.cidr_ipv6
        block = _block(cidr, family, open_)
        if block is not None:
            out = out.union(block)
        if rule.prefix_list is not None:
            out = out.union(_prefix_list(rule.prefix_list, family, open_, topo, benign_lists))
    return out


def _prefix_list(
    ref: Val[str], family: Family, open_: bool, topo: Topology, benign_lists: frozenset[str]
) -> AddressSet:
    found = topo.prefix_list_entries(ref)
    if found is None:
        if isinstance(ref, str) and ref in benign_lists:
            return AddressSet.empty(family)  # routed to a gateway endpoint before any exit
        return AddressSet.everything(family) if open_ else AddressSet.empty(family)
    texts, unknown = found
    if unknown and open_:
        return AddressSet.everything(family)
    out = AddressSet.empty(family)
    for text in texts:
        block = parse_cidr(text)
        if block is not None and block.family is family:
            out = out.union(block)
    return out


# -- network ACLs ------------------------------------------------------------------------


def acl_matches(acl: NetworkAcl | None) -> list[_Match]:
    if acl is None:
        return []
    return [_rule_match(e.protocol, e.from_port, e.to_port) for e in acl.entries]


def _order(entry: NetworkAclEntry, allow: bool, open_: bool) -> float:
    if isinstance(entry.rule_number, int) and not isinstance(entry.rule_number, bool):
        return float(entry.rule_number)
    first = allow if open_ else not allow
    return float("-inf") if first else float("inf")


def _ordered(acl: NetworkAcl, egress: bool, open_: bool) -> list[tuple[NetworkAclEntry, bool]]:
    rows: list[tuple[NetworkAclEntry, bool]] = []
    for entry in acl.entries:
        if entry.egress != egress:
            continue
        allow = entry.allow if isinstance(entry.allow, bool) else open_
        rows.append((entry, allow))
    rows.sort(key=lambda row: _order(row[0], row[1], open_))
    return rows


def acl_allowed(
    acl: NetworkAcl | None, egress: bool, seg: Segment, family: Family, assume: Assume
) -> AddressSet:
    """Addresses (destinations for egress, sources for ingress) the ACL lets through."""
    if acl is None:
        return AddressSet.everything(family)  # the AWS default network ACL allows all
    open_ = assume is Assume.OPEN
    decided = AddressSet.empty(family)
    allowed = AddressSet.empty(family)
    for entry, allow in _ordered(acl, egress, open_):
        hit = _matches(_rule_match(entry.protocol, entry.from_port, entry.to_port), seg)
        if hit is False or (hit is None and allow != open_):
            continue
        cidr = entry.cidr_ipv4 if family is Family.IPV4 else entry.cidr_ipv6
        block = _block(cidr, family, generous=allow == open_)
        if block is None:
            continue
        if allow:
            allowed = allowed.union(block.difference(decided))
        decided = decided.union(block)
    return allowed


def acl_decision(acl: NetworkAcl, egress: bool, seg: Segment, family: Family, address: str) -> str:
    """Which rule decides this traffic (for evidence)."""
    point = parse_cidr(address)
    for entry, allow in _ordered(acl, egress, open_=False):
        if _matches(_rule_match(entry.protocol, entry.from_port, entry.to_port), seg) is not True:
            continue
        cidr = entry.cidr_ipv4 if family is Family.IPV4 else entry.cidr_ipv6
        block = _block(cidr, family, generous=False)
        if block is None or point is None or not block.covers(point):
            continue
        verb = "allows" if allow else "denies"
        return f"rule {entry.rule_number} {verb} {seg.describe()} {_where(egress)} {cidr}"
    return f"the implicit final rule (*) denies {seg.describe()} {_where(egress)} {address}"


def _where(egress: bool) -> str:
    return "to" if egress else "from"


class AclChoice(Struct, frozen=True):
    """The network ACLs that may apply to a subnet (more than one: association unresolved)."""

    acls: tuple[NetworkAcl | None, ...]
    ambiguity: str | None = None

    def ids(self) -> list[str]:
        return [a.id if a is not None else "default network ACL (allows all)" for a in self.acls]


def acls_for(topo: Topology, subnet_id: str, vpc_key: str | None) -> AclChoice:
    explicit = topo.nacl_by_subnet.get(subnet_id)
    if explicit:
        if len(explicit) == 1:
            return AclChoice((explicit[0],))
        return AclChoice(tuple(explicit), f"subnet {subnet_id} is in several network ACLs")
    default: NetworkAcl | None = topo.default_nacl.get(vpc_key) if vpc_key else None
    others: Sequence[NetworkAcl] = [
        *topo.ambiguous_nacls.get(vpc_key, ()),
        *topo.ambiguous_nacls.get(None, ()),
    ]
    if not others:
        return AclChoice((default,))
    names = ", ".join(a.id for a in others)
    return AclChoice(
        (default, *others), f"network ACLs {names} have subnet associations that cannot be resolved"
    )


def acl_uncertainties(choice: AclChoice) -> list[str]:
    out = [choice.ambiguity] if choice.ambiguity else []
    for acl in choice.acls:
        if acl is None:
            continue
        for entry in acl.entries:
            for name in (
                "rule_number",
                "protocol",
                "allow",
                "cidr_ipv4",
                "cidr_ipv6",
                "from_port",
                "to_port",
            ):
                value = getattr(entry, name)
                if isinstance(value, Unresolved):
                    out.append(
                        f"network ACL {acl.id} has a rule with an unresolved {name} "
                        f"({value.reason})"
                    )
    return out


def source_blind(choice: AclChoice) -> bool:
    """True when the inbound rules never look at the source address (every CIDR is the
    whole address space), so any source is judged alike."""
    for acl in choice.acls:
        if acl is None:
            continue
        for entry in acl.entries:
            if entry.egress:
                continue
            for value in (entry.cidr_ipv4, entry.cidr_ipv6):
                if value is not None and value not in ("0.0.0.0/0", "::/0"):
                    return False
    return True


def choice_allowed(
    choice: AclChoice, egress: bool, seg: Segment, family: Family, assume: Assume
) -> AddressSet:
    sets = [acl_allowed(acl, egress, seg, family, assume) for acl in choice.acls]
    out = sets[0]
    for other in sets[1:]:
        out = out.union(other) if assume is Assume.OPEN else out.intersection(other)
    return out

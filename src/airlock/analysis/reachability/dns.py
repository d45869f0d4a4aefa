"""DNS paths out of a VPC.

The VPC resolver (AmazonProvidedDNS) answers public names even in a VPC with no internet
gateway, so a workload can carry data out in the names it looks up (``<data>.attacker.tld``).
That channel is closed only when one of these holds:

* the resolver is disabled for the VPC (``enableDnsSupport`` false);
* a Route 53 Resolver DNS Firewall rule group associated with the VPC blocks, in evaluation
  order (associations by priority, rules by priority, first ALLOW or BLOCK wins), any
  domain an attacker could register, and the firewall does not fail open;
* the user declares an equivalent control with the VPC tag :data:`DECLARED_TAG` (reported as
  declared, not verified).

Resolver rules that forward a domain to servers outside every VPC in the inventory are a
path of their own for names under that domain, unless the firewall blocks those names.
"""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct

from airlock.inventory.dns import (
    FirewallDomainList,
    FirewallRule,
    FirewallRuleGroup,
    FirewallRuleGroupAssociation,
    ResolverFirewallConfig,
    ResolverRule,
    ResolverRuleAssociation,
)
from airlock.inventory.model import Unresolved
from airlock.inventory.network import Vpc

from .addresses import parse_cidr
from .paths import Hop, HopKind, Path, PathOutcome, Reach
from .topology import Topology
from .walk import Assume

DECLARED_TAG = "airlock:dns-egress-control"
#: second-level labels under which anyone can register a domain (*.com.ng, *.co.uk)
_OPEN_SECOND_LEVEL = frozenset(
    {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "ltd", "plc", "sch"}
)
_ATTACKER = "exfil.attacker.example"
_AWS_NAME = "bedrock-runtime.region.amazonaws.com"


class Decision(StrEnum):
    BLOCK = "block"
    ALLOW = "allow"
    NONE = "none"  # no rule decides


class DnsResult(Struct, frozen=True):
    vpc_id: str
    vpc: Vpc | None
    reach: Reach
    reason: str
    paths: tuple[Path, ...]
    #: the firewall rules in evaluation order, as evidence
    rules: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    declared: str | None = None


#: top-level domains whose registry registers names only for Amazon itself
_BRAND_TLDS = frozenset({"aws", "amazon"})


def attacker_can_register(entry: str) -> bool:
    """Does this domain-list entry match names under a domain anyone can register?"""
    text = entry.strip().lower().rstrip(".")
    if text in ("*", ""):
        return True
    if not text.startswith("*."):
        return False
    labels = text[2:].split(".")
    if len(labels) == 1:
        return labels[0] not in _BRAND_TLDS
    return len(labels) == 2 and labels[0] in _OPEN_SECOND_LEVEL and len(labels[1]) == 2


def entry_matches(entry: str, name: str) -> bool:
    text = entry.strip().lower().rstrip(".")
    if text == "*":
        return True
    if text.startswith("*."):
        base = text[2:]
        return name == base or name.endswith("." + base)
    return name == text


class _Rule(Struct, frozen=True):
    order: tuple[float, float]
    association: str
    group: str
    rule: FirewallRule | None  # None: the rule group itself is unknown
    why_unknown: str | None = None


def _priority(value: object) -> float | None:
    return float(value) if isinstance(value, int) and not isinstance(value, bool) else None


class _Firewall:
    def __init__(self, topo: Topology, vpc_key: str) -> None:
        self.topo = topo
        self.unknowns: list[str] = []
        rows: list[_Rule] = []
        associations = 0
        unordered: list[str] = []
        for assoc in topo.inventory.of(FirewallRuleGroupAssociation):
            key = topo.key(assoc.vpc)
            if key is None:
                # it may be this VPC's, and come first
                why = f"the VPC of DNS Firewall association {assoc.id} is unresolved"
                rows.append(_Rule((float("-inf"), 0.0), assoc.id, str(assoc.rule_group), None, why))
                continue
            if key != vpc_key:
                continue
            associations += 1
            first = _priority(assoc.priority)
            if first is None and assoc.priority is not None:
                unordered.append(f"priority of DNS Firewall association {assoc.id} is unresolved")
            group = topo.get(assoc.rule_group, FirewallRuleGroup)
            if group is None:
                why = f"rule group {assoc.rule_group} of association {assoc.id} is not in the inventory"
                rows.append(_Rule((first or 0.0, 0.0), assoc.id, str(assoc.rule_group), None, why))
                continue
            if len(group.rules) > 1 and any(_priority(r.priority) is None for r in group.rules):
                self.unknowns.append(f"the priority of a rule in {group.id} is unresolved")
            for rule in group.rules:
                second = _priority(rule.priority) or 0.0
                rows.append(_Rule((first or 0.0, second), assoc.id, group.id, rule))
        if associations > 1:
            self.unknowns.extend(unordered)
        self.rows = sorted(rows, key=lambda r: r.order)

    @property
    def associated(self) -> bool:
        return bool(self.rows)

    def decide(self, name: str | None, assume: Assume) -> tuple[Decision, str]:
        """The first decisive rule for a name (None: an arbitrary attacker's domain).

        Unknowns (a rule group, domain list or action that cannot be read) are read as
        blocking under ``Assume.CLOSED`` and as allowing under ``Assume.OPEN``.
        """
        unknown_reads = Decision.ALLOW if assume is Assume.OPEN else Decision.BLOCK
        for row in self.rows:
            if row.rule is None:
                return unknown_reads, f"{row.why_unknown} (read as {unknown_reads.value})"
            action = row.rule.action.upper() if isinstance(row.rule.action, str) else None
            if action == "ALERT":
                continue
            hit = self._hit(row.rule, name)
            if hit is False:
                continue
            if action not in ("ALLOW", "BLOCK"):
                return (
                    unknown_reads,
                    f"{_describe(row)} (action unknown, read as {unknown_reads.value})",
                )
            decision = Decision.BLOCK if action == "BLOCK" else Decision.ALLOW
            if hit is None:
                if decision is not unknown_reads:
                    continue
                return decision, f"{_describe(row)} (domain list unknown)"
            return decision, _describe(row)
        return Decision.NONE, "no rule decides"

    def _hit(self, rule: FirewallRule, name: str | None) -> bool | None:
        dlist = self.topo.get(rule.domain_list, FirewallDomainList)
        if dlist is None:
            return None
        if dlist.managed:
            return False  # AWS-managed threat lists match known-bad domains only
        unknown = False
        for entry in dlist.domains:
            if not isinstance(entry, str):
                unknown = True
                continue
            if attacker_can_register(entry) if name is None else entry_matches(entry, name):
                return True
        return None if unknown else False

    def describe(self) -> tuple[str, ...]:
        return tuple(_describe(r) for r in self.rows)


def _describe(row: _Rule) -> str:
    if row.rule is None:
        return f"{row.association}: {row.why_unknown}"
    rule = row.rule
    name = rule.name if isinstance(rule.name, str) else "rule"
    return (
        f"{row.group} {name} (priority {rule.priority}): {rule.action} domain list "
        f"{rule.domain_list}"
    )


def analyse_dns(topo: Topology, vpc_key: str) -> DnsResult:
    vpc = topo.get(vpc_key, Vpc)
    resolver = Hop(HopKind.RESOLVER, f"{vpc_key}:resolver", "VPC resolver (AmazonProvidedDNS)")
    if vpc is not None and vpc.enable_dns_support is False:
        reason = f"the VPC resolver of {vpc_key} is disabled (enableDnsSupport is false)"
        return DnsResult(vpc_key, vpc, Reach.CLOSED, reason, ())
    declared = vpc.tags.get(DECLARED_TAG) if vpc is not None else None
    if isinstance(declared, str) and declared.strip():
        reason = f"declared by the user (tag {DECLARED_TAG}): {declared.strip()}"
        return DnsResult(vpc_key, vpc, Reach.CLOSED, reason, (), declared=declared.strip())
    firewall = _Firewall(topo, vpc_key)
    certain, certain_why = firewall.decide(None, Assume.CLOSED)
    possible, possible_why = firewall.decide(None, Assume.OPEN)
    paths: list[Path] = []
    unknowns = list(firewall.unknowns)
    fw_hop = Hop(
        HopKind.DNS_FIREWALL,
        ", ".join(sorted({r.association for r in firewall.rows})) or "none",
        certain_why if firewall.associated else "no rule group associated",
    )
    out = Hop(
        HopKind.INTERNET, "public-dns", f"authoritative servers of any domain, e.g. {_ATTACKER}"
    )
    if not firewall.associated:
        reason = (
            f"no DNS Firewall rule group is associated with {vpc_key}: the VPC resolver "
            "answers any public name, so queries can carry data out"
        )
        paths.append(Path(PathOutcome.OPEN, (resolver, fw_hop, out), reason, _ATTACKER))
    elif certain is not Decision.BLOCK:
        reason = f"DNS Firewall on {vpc_key} does not block all other domains: {certain_why}"
        paths.append(Path(PathOutcome.OPEN, (resolver, fw_hop, out), reason, _ATTACKER))
    elif possible is not Decision.BLOCK:
        unknowns.append(f"whether DNS Firewall blocks other domains depends on {possible_why}")
    fail_open = _fail_open(topo, vpc_key)
    if fail_open is True:
        cfg = Hop(HopKind.DNS_FIREWALL, vpc_key, "FirewallFailOpen enabled")
        paths.append(
            Path(
                PathOutcome.OPEN,
                (resolver, cfg, out),
                "DNS Firewall fails open: while it is impaired, queries pass unfiltered",
            )
        )
    elif isinstance(fail_open, str):
        unknowns.append(fail_open)
    paths.extend(_forwarding(topo, vpc_key, firewall, resolver, unknowns))
    warnings = _warnings(firewall, certain)
    rules = firewall.describe()
    opened = [p for p in paths if p.outcome is PathOutcome.OPEN]
    if opened:
        return DnsResult(vpc_key, vpc, Reach.OPEN, opened[0].reason, tuple(paths), rules, warnings)
    if unknowns:
        return DnsResult(
            vpc_key,
            vpc,
            Reach.UNKNOWN,
            f"cannot prove that DNS queries from {vpc_key} stay inside: {unknowns[0]}",
            tuple(paths),
            rules,
            warnings,
        )
    reason = f"DNS Firewall on {vpc_key} blocks every other domain ({certain_why})"
    return DnsResult(vpc_key, vpc, Reach.CLOSED, reason, tuple(paths), rules, warnings)


def _fail_open(topo: Topology, vpc_key: str) -> bool | str | None:
    for config in topo.inventory.of(ResolverFirewallConfig):
        if topo.key(config.vpc) != vpc_key:
            continue
        if isinstance(config.fail_open, Unresolved):
            return f"FirewallFailOpen of {config.id} is unresolved ({config.fail_open.reason})"
        if config.fail_open is True:
            return True
    return None


def _warnings(firewall: _Firewall, certain: Decision) -> tuple[str, ...]:
    if certain is not Decision.BLOCK:
        return ()
    decision, _ = firewall.decide(_AWS_NAME, Assume.OPEN)
    if decision is Decision.ALLOW:
        return ()
    return (
        "no ALLOW rule for amazonaws.com comes before the blocking rule: interface "
        "endpoint names will not resolve and the workload cannot reach Bedrock",
    )


def _forwarding(
    topo: Topology, vpc_key: str, firewall: _Firewall, resolver: Hop, unknowns: list[str]
) -> list[Path]:
    paths: list[Path] = []
    for assoc in topo.inventory.of(ResolverRuleAssociation):
        key = topo.key(assoc.vpc)
        if key is None:
            unknowns.append(f"the VPC of resolver rule association {assoc.id} is unresolved")
            continue
        if key != vpc_key:
            continue
        rule = topo.get(assoc.rule, ResolverRule)
        if rule is None:
            unknowns.append(
                f"resolver rule {assoc.rule} of association {assoc.id} is not in the inventory"
            )
            continue
        if not isinstance(rule.rule_type, str):
            unknowns.append(f"the type of resolver rule {rule.id} is unresolved")
            continue
        if rule.rule_type.upper() != "FORWARD":
            continue
        paths.extend(_forward_path(topo, rule, firewall, resolver, unknowns))
    return paths


def _forward_path(
    topo: Topology, rule: ResolverRule, firewall: _Firewall, resolver: Hop, unknowns: list[str]
) -> list[Path]:
    domain = rule.domain_name
    if not isinstance(domain, str):
        unknowns.append(f"the domain of resolver rule {rule.id} is unresolved")
        return []
    root = domain.strip().rstrip(".") in ("", "*")
    name = _ATTACKER if root else f"q.{domain.strip().rstrip('.').lower()}"
    hop = Hop(HopKind.RESOLVER_RULE, rule.id, f"forwards {domain} to {_targets(rule)}")
    certain, why = firewall.decide(None if root else name, Assume.CLOSED)
    possible, _ = firewall.decide(None if root else name, Assume.OPEN)
    if certain is Decision.BLOCK and possible is Decision.BLOCK:
        return [Path(PathOutcome.BLOCKED, (resolver, hop), f"blocked by DNS Firewall: {why}")]
    outside, missing = _outside_targets(topo, rule)
    if outside:
        reason = (
            f"resolver rule {rule.id} forwards queries for {domain} to {', '.join(outside)}, "
            "outside every VPC in the inventory"
        )
        ext = Hop(HopKind.EXTERNAL_NETWORK, outside[0], "DNS server outside the boundary")
        if certain is not Decision.BLOCK:
            return [Path(PathOutcome.OPEN, (resolver, hop, ext), reason, name)]
        unknowns.append(f"{reason}, unless the DNS Firewall blocks them")
        return []
    if missing:
        unknowns.append(f"targets of resolver rule {rule.id} are unresolved")
        return []
    return [
        Path(
            PathOutcome.CONTAINED,
            (resolver, hop),
            f"forwards {domain} to servers inside VPCs of the inventory",
        )
    ]


def _targets(rule: ResolverRule) -> str:
    return ", ".join(str(t) for t in rule.target_ips) or "no targets"


def _outside_targets(topo: Topology, rule: ResolverRule) -> tuple[list[str], bool]:
    outside: list[str] = []
    missing = not rule.target_ips
    for target in rule.target_ips:
        if not isinstance(target, str):
            missing = True
            continue
        ip = target.split(":")[0] if target.count(":") == 1 else target
        point = parse_cidr(ip)
        if point is None:
            missing = True
            continue
        inside = any(topo.vpc_space(v.id).blocks[point.family].covers(point) for v in topo.vpcs)
        if not inside:
            outside.append(target)
    return outside, missing

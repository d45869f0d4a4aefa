"""Judge a subject: combine routing with network ACLs, security groups and public IPs.

Each subject is judged twice. Under :attr:`Assume.CLOSED` every unknown keeps traffic in;
an open path found there is certain (``Reach.OPEN``). Under :attr:`Assume.OPEN` every
unknown lets traffic out; an open path found only there makes the answer ``Reach.UNKNOWN``
with the reasons. When neither finds one, the answer is ``Reach.CLOSED`` and the paths that
routing offers but a filter stops are kept as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from airlock.inventory.model import Resource
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
    guard_allowed,
    segments,
)
from .paths import Hop, HopKind, Path, PathOutcome, Reach
from .router import Router
from .subjects import Placement, Profile, SubjectKind, Tri
from .topology import Topology
from .walk import Assume, Exit, Routing

MAX_PATHS = 12


@dataclass(frozen=True)
class SubjectResult:
    resource: Resource
    kind: SubjectKind
    reach: Reach
    reason: str
    paths: tuple[Path, ...]
    unknowns: tuple[str, ...] = ()

    @property
    def open_paths(self) -> tuple[Path, ...]:
        return tuple(p for p in self.paths if p.outcome is PathOutcome.OPEN)


def summary(path: Path) -> str:
    """The path in one line: each route taken, then where it ends."""
    steps = [h.detail for h in path.hops if h.kind in _ROUTES]
    if path.hops and path.hops[-1].kind in _ENDS:
        steps.append(path.hops[-1].kind.value)
    text = " > ".join(steps) if steps else path.reason
    return f"{text} (e.g. {path.example})" if path.example else text


_ROUTES = frozenset({HopKind.ROUTE, HopKind.TRANSIT_GATEWAY_ROUTE})
_ENDS = frozenset(
    {HopKind.INTERNET, HopKind.EXTERNAL_NETWORK, HopKind.UNSEEN, HopKind.LAMBDA_SERVICE}
)


class Evaluator:
    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.routers = {assume: Router(topo, assume) for assume in Assume}
        self._acls: dict[str, AclChoice] = {}
        self._shared_acls: dict[tuple[object, ...], AclChoice] = {}
        self._segment_cache: dict[tuple[object, ...], tuple[Segment, ...]] = {}
        self._cache: dict[tuple[object, ...], AddressSet] = {}
        self._verdicts: dict[
            tuple[object, ...], tuple[PathOutcome, str, str | None, tuple[str, ...]]
        ] = {}

    def judge(self, profile: Profile) -> SubjectResult:
        res, kind = profile.resource, profile.kind
        if profile.outside_vpc is not Tri.NO:
            hops = (
                Hop(HopKind.SUBJECT, res.id, kind.value),
                Hop(
                    HopKind.LAMBDA_SERVICE,
                    "lambda",
                    "no VPC configuration: the function runs in the Lambda service network",
                ),
                Hop(HopKind.INTERNET, "internet", "all addresses"),
            )
            if profile.outside_vpc is Tri.YES:
                reason = (
                    f"Lambda function {res.id} has no VPC configuration, so it has internet egress"
                )
                path = Path(PathOutcome.OPEN, hops, reason, "any traffic")
                return SubjectResult(res, kind, Reach.OPEN, reason, (path,))
            why = f"whether Lambda function {res.id} runs in a VPC is unresolved"
            path = Path(PathOutcome.UNKNOWN, hops, why, unknowns=(why,))
            return SubjectResult(res, kind, Reach.UNKNOWN, why, (path,), (why,))
        heads: dict[str, tuple[Hop, ...]] = {}
        certain = self._paths(profile, Assume.CLOSED, True, heads)
        if certain:
            reason = f"traffic from {res.id} leaves the boundary: {summary(certain[0])}"
            return SubjectResult(res, kind, Reach.OPEN, reason, _cap(certain))
        maybe = self._paths(profile, Assume.OPEN, True, heads)
        unknowns = list(dict.fromkeys([*profile.missing, *(u for p in maybe for u in p.unknowns)]))
        if maybe or profile.missing:
            paths = [
                Path(PathOutcome.UNKNOWN, p.hops, p.reason, p.example, p.unknowns) for p in maybe
            ]
            first = unknowns[0] if unknowns else "a path depends on values Airlock cannot see"
            reason = f"cannot prove that traffic from {res.id} stays inside: {first}"
            return SubjectResult(res, kind, Reach.UNKNOWN, reason, _cap(paths), tuple(unknowns))
        kept = self._paths(profile, Assume.OPEN, False, heads)
        blocked = [p for p in kept if p.outcome is PathOutcome.BLOCKED]
        if blocked:
            reason = f"routing from {res.id} leads out, but {blocked[0].reason}"
        elif kept:
            reason = f"no route from {res.id} leaves the boundary"
        else:
            reason = f"{res.id} has no route out of its VPC"
        rest = [p for p in kept if p.outcome is not PathOutcome.BLOCKED]
        return SubjectResult(res, kind, Reach.CLOSED, reason, _cap(blocked + rest))

    # -- paths --------------------------------------------------------------------------

    def _paths(
        self,
        profile: Profile,
        assume: Assume,
        only_open: bool,
        heads: dict[str, tuple[Hop, ...]],
    ) -> list[Path]:
        """Paths of this subject; ``only_open``: just those that leave (else at most a few)."""
        router = self.routers[assume]
        out: list[Path] = []
        for placement in profile.placements:
            routing = router.from_subnet(placement.subnet)
            acls = self._acl_choice(placement.subnet)
            head = self._head(profile, acls, routing.subnet_hop, heads)
            for exit_ in routing.exits:
                outcome, reason, example, notes = self._judge_exit(
                    profile, placement, routing, acls, exit_, assume
                )
                if only_open and outcome is not PathOutcome.OPEN:
                    continue
                out.append(Path(outcome, head + exit_.hops, reason, example, notes))
            if only_open:
                continue
            for end in routing.ends:
                if len(out) >= MAX_PATHS:
                    break
                out.append(Path(end.outcome, head + end.hops, end.reason))
        return out

    def _head(
        self,
        profile: Profile,
        acls: AclChoice,
        subnet_hop: Hop,
        heads: dict[str, tuple[Hop, ...]],
    ) -> tuple[Hop, ...]:
        """The hops before the route table: subject, security groups, subnet, network ACL."""
        found = heads.get(subnet_hop.id)
        if found is not None:
            return found
        found = self._build_head(profile, acls, subnet_hop)
        heads[subnet_hop.id] = found
        return found

    def _build_head(self, profile: Profile, acls: AclChoice, subnet_hop: Hop) -> tuple[Hop, ...]:
        acl_hop = Hop(HopKind.NETWORK_ACL, ", ".join(acls.ids()), "outbound rules of the subnet")
        if profile.kind is SubjectKind.SUBNET:
            return (subnet_hop, acl_hop)
        guard = profile.guard
        detail = guard.allow_all or "egress rules"
        sg_hop = Hop(HopKind.SECURITY_GROUPS, ", ".join(guard.ids) or "none", detail)
        subject = Hop(HopKind.SUBJECT, profile.resource.id, profile.kind.value)
        return (subject, sg_hop, subnet_hop, acl_hop)

def _cap(paths: list[Path]) -> tuple[Path, ...]:
    seen: set[tuple[object, ...]] = set()
    out: list[Path] = []
    for path in paths:
        last = path.hops[-1] if path.hops else None
        key = (path.outcome, path.reason, path.example, len(path.hops), last)
        if key in seen:
            continue
        seen.add(key)
        out.append(path)
        if len(out) == MAX_PATHS:
            break
    return tuple(out)

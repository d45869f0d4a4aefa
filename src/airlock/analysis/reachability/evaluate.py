"""Judge a subject: combine routing with network ACLs, security groups and public IPs.

Each subject is judged twice. Under :attr:`Assume.CLOSED` every unknown keeps traffic in;
an open path found there is certain (``Reach.OPEN``). Under :attr:`Assume.OPEN` every
unknown lets traffic out; an open path found only there makes the answer ``Reach.UNKNOWN``
with the reasons. When neither finds one, the answer is ``Reach.CLOSED`` and the paths that
routing offers but a filter stops are kept as evidence.

Subjects placed alike (same route tables, network ACLs, security groups, public-IP and IPv6
status) share one judgment, computed with :data:`~.exits.WHO` for the subject and rendered
for each: five thousand interfaces in a hundred VPCs need a few hundred judgments.
"""

from __future__ import annotations

from msgspec import Struct

from airlock.inventory.model import CONDITIONAL_GAP, Resource
from airlock.inventory.network import RouteTable, Subnet, Vpc

from .addresses import parse_cidr
from .exits import WHO, ExitJudge
from .filters import source_blind
from .paths import Hop, HopKind, Path, PathOutcome, Reach
from .router import Router
from .subjects import Profile, SubjectKind, Tri
from .tables import route_table_view
from .topology import Topology
from .walk import Assume, name_of

MAX_PATHS = 12


class SubjectResult(Struct, frozen=True):
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


class _Step(Struct, frozen=True):
    """A path of a shared judgment: which placement it starts from, then the hops after the
    subnet (network ACL, route table, ...)."""

    placement: int
    path: Path


class _Core(Struct, frozen=True):
    reach: Reach
    reason: str
    steps: tuple[_Step, ...]
    unknowns: tuple[str, ...]


class Evaluator:
    def __init__(self, topo: Topology) -> None:
        self.topo = topo
        self.routers = {assume: Router(topo, assume) for assume in Assume}
        self.exits = ExitJudge(topo)
        self._cores: dict[tuple[object, ...], _Core] = {}
        self._sources: dict[str, bool] = {}
        #: resource id -> "exists only if its condition C holds (why C is undecided)"
        self._conditional: dict[str, str] = {}
        for gap in topo.inventory.gaps:
            at = gap.reason.find(CONDITIONAL_GAP)
            if gap.resource_id is not None and at >= 0:
                self._conditional[gap.resource_id] = gap.reason[at:]

    def judge(self, profile: Profile) -> SubjectResult:
        if profile.outside_vpc is not Tri.NO:
            return _outside(profile)
        key = self._signature(profile)
        core = self._cores.get(key) if key is not None else None
        if core is None:
            core = self._core(profile)
            if key is not None:
                self._cores[key] = core
        return self._render(profile, core)

    # -- one judgment ---------------------------------------------------------------------

    def _core(self, profile: Profile) -> _Core:
        certain = self._steps(profile, Assume.CLOSED, only_open=True)
        # a path through a resource that exists only under an undecided condition proves
        # nothing: the deployment may not have it (an egress path kept for dev only)
        provable = [s for s in certain if self._condition(s.path) is None]
        conditional = [s for s in certain if self._condition(s.path) is not None]
        if provable:
            reason = f"traffic from {WHO} leaves the boundary: {summary(provable[0].path)}"
            return _Core(Reach.OPEN, reason, _cap(provable + conditional), ())
        opened = [*conditional, *self._steps(profile, Assume.OPEN, True)]
        maybe = [self._explained(profile, s) for s in opened]
        unknowns = tuple(
            dict.fromkeys([*profile.missing, *(u for s in maybe for u in s.path.unknowns)])
        )
        if maybe or profile.missing:
            marked = [_Step(s.placement, _with_outcome(s.path, PathOutcome.UNKNOWN)) for s in maybe]
            first = unknowns[0] if unknowns else "a path depends on values Airlock cannot see"
            reason = f"cannot prove that traffic from {WHO} stays inside: {first}"
            return _Core(Reach.UNKNOWN, reason, _cap(marked), unknowns)
        kept = self._steps(profile, Assume.OPEN, only_open=False)
        blocked = [s for s in kept if s.path.outcome is PathOutcome.BLOCKED]
        if blocked:
            reason = f"routing from {WHO} leads out, but {blocked[0].path.reason}"
        elif kept:
            reason = f"no route from {WHO} leaves the boundary"
        else:
            reason = f"{WHO} has no route out of its VPC"
        rest = [s for s in kept if s.path.outcome is not PathOutcome.BLOCKED]
        return _Core(Reach.CLOSED, reason, _cap(blocked + rest), ())

    def _steps(self, profile: Profile, assume: Assume, only_open: bool) -> list[_Step]:
        """Paths of this subject; ``only_open``: just those that leave (else at most a few)."""
        router = self.routers[assume]
        out: list[_Step] = []
        for index, placement in enumerate(profile.placements):
            routing = router.from_subnet(placement.subnet)
            acls = self.exits.acl_choice(placement.subnet)
            acl_hop = Hop(
                HopKind.NETWORK_ACL, ", ".join(acls.ids()), "outbound rules of the subnet"
            )
            for exit_ in routing.exits:
                outcome, reason, example, notes = self.exits.judge(
                    profile, placement, routing, acls, exit_, assume
                )
                if only_open and outcome is not PathOutcome.OPEN:
                    continue
                path = Path(outcome, (acl_hop, *exit_.hops), reason, example, notes)
                out.append(_Step(index, path))
            if only_open:
                continue
            for end in routing.ends:
                if len(out) >= MAX_PATHS:
                    break
                out.append(_Step(index, Path(end.outcome, (acl_hop, *end.hops), end.reason)))
        return out

    def _explained(self, profile: Profile, step: _Step) -> _Step:
        """The step with the unknowns that make it only possible, when the walk recorded none.

        The walk records the unknowns it follows (an unresolved target, a security group not
        in the inventory), not those the closed reading stops at: routes whose destinations
        are unresolved could take every destination of the path, and the network ACL of a
        NAT gateway's subnet cannot judge a source whose CIDR is unresolved. A condition the
        path's existence hangs on comes first, whatever the walk recorded.
        """
        path = step.path
        reasons = list(path.unknowns) or self._hidden(profile, step)
        condition = self._condition(path)
        if condition is not None:
            reasons.insert(0, condition)
        unknowns = tuple(dict.fromkeys(reasons))
        if unknowns == path.unknowns:
            return step
        return _Step(
            step.placement, Path(path.outcome, path.hops, path.reason, path.example, unknowns)
        )

    def _hidden(self, profile: Profile, step: _Step) -> list[str]:
        """The unknowns the closed reading of a path stopped at (see :meth:`_explained`)."""
        path = step.path
        subnet = profile.placements[step.placement].subnet
        reasons: list[str] = []
        vpc = self.topo.key(subnet.vpc)
        for hop in path.hops:
            if hop.kind is HopKind.SUBNET:
                crossed = self.topo.get(hop.id, Subnet)
                vpc = self.topo.key(crossed.vpc) if crossed is not None else None
                cidr = _unknown_cidr(subnet)
                if cidr is not None:
                    reasons.append(
                        f"the CIDR of subnet {subnet.id} is not known ({cidr}), so the network "
                        f"ACL of subnet {hop.id} cannot be judged for its traffic"
                    )
            table = self.topo.get(hop.id, RouteTable) if hop.kind is HopKind.ROUTE_TABLE else None
            if table is not None:
                reasons.extend(self._unknown_routes(table, self.topo.key(table.vpc) or vpc))
        return reasons

    def _condition(self, path: Path) -> str | None:
        """Why the path may not exist: a resource on it is created only under a condition the
        source could not decide (a CloudFormation parameter with no default). The gateway is
        named rather than the route to it, when both are conditional."""
        found = [h for h in path.hops if h.id in self._conditional]
        if not found:
            return None
        hop = min(found, key=lambda h: h.kind in _ROUTES)
        return f"the path out through {hop.kind.value} {hop.id} {self._conditional[hop.id]}"

    def _unknown_routes(self, table: RouteTable, vpc: str | None) -> list[str]:
        """What the routes of a table with unknown destinations are."""
        view = route_table_view(self.topo, table, vpc)
        reasons = [p.reason for p in (*view.unresolved, *view.opaque)]
        if view.unknown_locals:
            if vpc is None:
                reasons.append(f"the VPC of route table {table.id} is unresolved")
            elif self.topo.get(vpc, Vpc) is None:
                reasons.append(f"the CIDR blocks of VPC {vpc} are not in the inventory")
            else:
                reasons.append(f"CIDR blocks of VPC {vpc} are unresolved")
        return reasons

    def _signature(self, profile: Profile) -> tuple[object, ...] | None:
        """What a judgment depends on; subjects with equal signatures share it."""
        if profile.missing:
            return None
        parts: list[object] = []
        for placement in profile.placements:
            subnet = placement.subnet
            assoc = self.topo.route_tables_for(subnet)
            tables = tuple(t.id if t is not None else "" for t in assoc.tables)
            # messages about ambiguous routing name the subnet; the network ACLs of NAT
            # gateway and appliance subnets may judge its CIDR; an unresolved CIDR is named
            own = (
                subnet.id
                if len(tables) != 1
                or self._source_matters(subnet)
                or _unknown_cidr(subnet) is not None
                else None
            )
            parts.append(
                (
                    tables,
                    self.topo.key(subnet.vpc),
                    assoc.explicit,
                    own,
                    id(self.exits.acl_choice(subnet)),
                    placement.public_ipv4,
                    placement.ipv6,
                )
            )
        guard = profile.guard
        return (
            profile.kind is SubjectKind.SUBNET,
            tuple(parts),
            guard.ids,
            guard.allow_all,
            guard.unknown,
        )

    def _source_matters(self, subnet: Subnet) -> bool:
        """Whether a crossed network ACL (of a NAT or appliance subnet) reads the source."""
        found = self._sources.get(subnet.id)
        if found is None:
            crossed = {
                sid
                for assume in Assume
                for e in self.routers[assume].from_subnet(subnet).exits
                for sid in e.acl_subnets
            }
            found = not all(source_blind(self.exits.acl_choice_by_id(sid)) for sid in crossed)
            self._sources[subnet.id] = found
        return found

    # -- rendering ------------------------------------------------------------------------

    def _render(self, profile: Profile, core: _Core) -> SubjectResult:
        res = profile.resource
        prefix: tuple[Hop, ...] = ()
        if profile.kind is not SubjectKind.SUBNET:
            guard = profile.guard
            prefix = (
                Hop(HopKind.SUBJECT, res.id, profile.kind.value),
                Hop(
                    HopKind.SECURITY_GROUPS,
                    ", ".join(guard.ids) or "none",
                    guard.allow_all or "egress rules",
                ),
            )
        router = self.routers[Assume.OPEN]
        subnet_hops = [router.from_subnet(p.subnet).subnet_hop for p in profile.placements]

        def name(text: str) -> str:
            return text.replace(WHO, res.id) if WHO in text else text

        paths = tuple(
            Path(
                step.path.outcome,
                (*prefix, subnet_hops[step.placement], *step.path.hops),
                name(step.path.reason),
                step.path.example,
                tuple(name(u) for u in step.path.unknowns),
            )
            for step in core.steps
        )
        unknowns = tuple(name(u) for u in core.unknowns)
        return SubjectResult(res, profile.kind, core.reach, name(core.reason), paths, unknowns)


def _outside(profile: Profile) -> SubjectResult:
    """A Lambda function with no VPC configuration (or one that may have none)."""
    res, kind = profile.resource, profile.kind
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
        reason = f"Lambda function {res.id} has no VPC configuration, so it has internet egress"
        return SubjectResult(
            res, kind, Reach.OPEN, reason, (Path(PathOutcome.OPEN, hops, reason, "any traffic"),)
        )
    why = f"whether Lambda function {res.id} runs in a VPC is unresolved"
    path = Path(PathOutcome.UNKNOWN, hops, why, unknowns=(why,))
    return SubjectResult(res, kind, Reach.UNKNOWN, why, (path,), (why,))


def _unknown_cidr(subnet: Subnet) -> str | None:
    """The subnet's CIDR block that is not known, as text (a block it does not have is fine)."""
    for value in (subnet.cidr_block, subnet.ipv6_cidr_block):
        if value is not None and (not isinstance(value, str) or parse_cidr(value) is None):
            return name_of(value)
    return None


def _with_outcome(path: Path, outcome: PathOutcome) -> Path:
    return Path(outcome, path.hops, path.reason, path.example, path.unknowns)


def _cap(steps: list[_Step]) -> tuple[_Step, ...]:
    seen: set[tuple[object, ...]] = set()
    out: list[_Step] = []
    for step in steps:
        path = step.path
        last = path.hops[-1] if path.hops else None
        key = (step.placement, path.outcome, path.reason, path.example, len(path.hops), last)
        if key in seen:
            continue
        seen.add(key)
        out.append(step)
        if len(out) == MAX_PATHS:
            break
    return tuple(out)

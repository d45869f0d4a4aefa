"""The reachability analysis of one inventory: every workload subnet and every compute
resource, judged once, plus the DNS paths of every workload VPC."""

from __future__ import annotations

from dataclasses import dataclass, field

from airlock.inventory.model import Inventory

from .dns import DnsResult, analyse_dns
from .evaluate import Evaluator, SubjectResult
from .subjects import Profiler, SubjectKind
from .topology import Topology
from .workload import WorkloadSelection, compute_resources, select_workload


@dataclass(frozen=True)
class Reachability:
    topology: Topology
    workload: WorkloadSelection
    subjects: tuple[SubjectResult, ...]
    dns: tuple[DnsResult, ...]
    _by_id: dict[str, SubjectResult] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._by_id.update((s.resource.id, s) for s in self.subjects)

    def subject(self, resource_id: str) -> SubjectResult | None:
        return self._by_id.get(resource_id)

    def subnets(self) -> tuple[SubjectResult, ...]:
        return tuple(s for s in self.subjects if s.kind is SubjectKind.SUBNET)

    def compute(self) -> tuple[SubjectResult, ...]:
        return tuple(s for s in self.subjects if s.kind is not SubjectKind.SUBNET)

    def dns_for(self, vpc_key: str) -> DnsResult | None:
        return next((d for d in self.dns if d.vpc_id == vpc_key), None)


def analyse(
    inventory: Inventory,
    *,
    workload_tag: str = "airlock:workload",
    workload_subnets: frozenset[str] = frozenset(),
) -> Reachability:
    """Judge every workload subnet, every compute resource and every workload VPC's DNS."""
    topo = Topology(inventory)
    compute = compute_resources(topo)
    selection = select_workload(topo, workload_tag, workload_subnets, compute)
    profiler = Profiler(topo)
    evaluator = Evaluator(topo)
    results = [evaluator.judge(profiler.subnet(w.subnet)) for w in selection.subnets]
    for resource in compute:
        profile = profiler.compute(resource)
        if profile is not None:
            results.append(evaluator.judge(profile))
    dns = tuple(analyse_dns(topo, vpc) for vpc in selection.vpcs)
    return Reachability(topo, selection, tuple(results), dns)

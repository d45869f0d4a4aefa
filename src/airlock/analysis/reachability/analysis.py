"""The reachability analysis of one inventory: every workload subnet and every compute
resource, judged once, plus the DNS paths of every workload VPC."""

from __future__ import annotations

from typing import ClassVar

from msgspec import Struct

from airlock.inventory.model import Inventory

from .dns import DnsResult, analyse_dns
from .evaluate import Evaluator, SubjectResult
from .subjects import Profiler, SubjectKind
from .topology import Topology
from .workload import WorkloadSelection, compute_resources, select_workload


class Reachability(Struct, frozen=True, dict=True):
    """The results of one inventory. The index by resource id is not a field: it lives in the
    instance's ``__dict__`` (``ClassVar`` keeps msgspec from making it one)."""

    topology: Topology
    workload: WorkloadSelection
    subjects: tuple[SubjectResult, ...]
    dns: tuple[DnsResult, ...]
    _by_id: ClassVar[dict[str, SubjectResult]]

    def __post_init__(self) -> None:
        self.__dict__["_by_id"] = {s.resource.id: s for s in self.subjects}

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

"""What the network controls share: the reachability analysis (run once per scan), subjects
for VPCs that are only known by a literal, and the answer when no workload is found."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airlock.analysis.reachability import Path, Reachability, Topology, analyse
from airlock.controls.model import (
    ResourceRef,
    ScanContext,
    Subject,
    Verdict,
    not_applicable,
    unknown,
)
from airlock.inventory.compute import LambdaFunction
from airlock.inventory.model import Unresolved
from airlock.inventory.network import Subnet, Vpc

ANALYSIS_KEY = "reachability"


def reachability(ctx: ScanContext) -> Reachability:
    """The network path analysis of this scan, computed on first use."""
    return ctx.analysis(
        ANALYSIS_KEY,
        lambda: analyse(
            ctx.inventory,
            workload_tag=ctx.settings.workload_tag,
            workload_subnets=ctx.settings.workload_subnets,
        ),
    )


def vpc_subject(topo: Topology, vpc_key: str) -> Subject:
    """The VPC resource, or a reference when the inventory only knows its id."""
    vpc = topo.get(vpc_key, Vpc)
    if vpc is not None:
        return vpc
    return ResourceRef(type="AWS::EC2::VPC", id=vpc_key)


def vpc_elsewhere(topo: Topology, vpc_key: str, what: str) -> str | None:
    """Why a VPC's ``what`` may exist although the inventory shows none: the VPC itself is not
    in the inventory (an existing or shared VPC, whose stack may hold them). None when it is."""
    if topo.get(vpc_key, Vpc) is not None:
        return None
    return (
        f"VPC {vpc_key} is not in the inventory, so its {what} may be defined with it, "
        "outside what Airlock was given"
    )


def subnet_ref(ref: str) -> ResourceRef:
    return ResourceRef(type="AWS::EC2::Subnet", id=ref)


def no_workload(ctx: ScanContext, r: Reachability, what: str) -> Verdict:
    """The verdict when a control finds nothing to judge.

    Never a silent PASS: when the inventory has subnets but none was identified as a workload
    subnet, the answer is UNKNOWN with the reason. When workload subnets exist but hold
    nothing this control judges, or there are no subnets at all, it is NOT_APPLICABLE.
    """
    subject = ctx.account_ref()
    if r.workload.unplaced and not r.workload.subnets:
        first = r.workload.unplaced[0].reason
        return unknown(
            subject,
            f"{what}: the workload's subnets are not in the inventory ({first})",
            unplaced=[u.reason for u in r.workload.unplaced],
        )
    if r.workload.subnets:
        return not_applicable(subject, f"{what} ({r.workload.note})", selection=r.workload.note)
    if bool(r.topology.subnets) or bool(ctx.inventory.of(LambdaFunction)):
        return unknown(
            subject,
            f"{what}: {r.workload.note}; tag workload subnets with "
            f"{ctx.settings.workload_tag} or declare them (--workload-subnet)",
            selection=r.workload.note,
        )
    return not_applicable(
        subject, f"{what}: the inventory has no subnets", selection=r.workload.note
    )


def unplaced(r: Reachability) -> list[Verdict]:
    """Declared workload subnets that the inventory does not hold."""
    verdicts: list[Verdict] = []
    for item in r.workload.unplaced:
        if item.reason.startswith("declared"):
            verdicts.append(unknown(subnet_ref(item.ref), item.reason))
    return verdicts


def vpcless(r: Reachability, what: str) -> list[Verdict]:
    """UNKNOWN for each workload subnet whose VPC is unresolved: its VPC cannot be judged."""
    verdicts: list[Verdict] = []
    for subnet in r.workload.vpcless:
        why = subnet.vpc.reason if isinstance(subnet.vpc, Unresolved) else str(subnet.vpc)
        verdicts.append(
            unknown(
                subnet,
                f"the VPC of workload subnet {subnet.id} is unresolved ({why}), so "
                f"{what} cannot be checked",
            )
        )
    return verdicts


def workload_evidence(r: Reachability, subnet: Subnet) -> dict[str, Any]:
    chosen = r.workload.get(subnet.id)
    if chosen is None:
        return {}
    return {
        "basis": [b.value for b in chosen.bases],
        "reasons": list(chosen.reasons),
    }


def paths_json(paths: Iterable[Path]) -> list[Path]:
    """Paths for evidence; each renders itself as ``{outcome, reason, hops: [{kind, id,
    detail}]}`` when the finding is serialised (not before: most reports never need it)."""
    return list(paths)

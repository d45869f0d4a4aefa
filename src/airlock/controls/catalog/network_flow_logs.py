"""AL-NET-010: flow logs record all traffic of the workload VPCs (or of every workload subnet)."""

from __future__ import annotations

from collections.abc import Iterable

from airlock.analysis.reachability import Reachability
from airlock.controls.model import (
    Control,
    Layer,
    ScanContext,
    Severity,
    Verdict,
    failed,
    passed,
    unknown,
)
from airlock.inventory.model import Unresolved
from airlock.inventory.network import FlowLog
from airlock.obligations.model import Topic

from .network_common import no_workload, reachability, vpc_elsewhere, vpc_subject, vpcless


def _traffic(log: FlowLog) -> str:
    value = log.traffic_type
    if isinstance(value, Unresolved):
        return "unresolved"
    return value.upper() if isinstance(value, str) else "not set"


def _judge(
    r: Reachability,
    vpc: str,
    subnets: list[str],
    covering: dict[str, list[FlowLog]],
    loose: list[str],
) -> Verdict:
    topo = r.topology
    subject = vpc_subject(topo, vpc)
    logs = list({log.id: log for key in (vpc, *subnets) for log in covering.get(key, [])}.values())
    evidence: dict[str, object] = {
        "flow_logs": {log.id: _traffic(log) for log in logs},
        "workload_subnets": subnets,
    }

    def full(key: str) -> str:
        kinds = {_traffic(log) for log in covering.get(key, [])}
        if "ALL" in kinds:
            return "ALL"
        if kinds & {"unresolved", "not set"}:
            return "unknown"
        return ", ".join(sorted(kinds)) if kinds else "none"

    if full(vpc) == "ALL":
        return passed(subject, f"a flow log records all traffic of VPC {vpc}", **evidence)
    per_subnet = {s: full(s) for s in subnets}
    if subnets and all(v == "ALL" for v in per_subnet.values()):
        return passed(
            subject, f"flow logs record all traffic of every workload subnet of {vpc}", **evidence
        )
    states = [full(vpc), *per_subnet.values()]
    if "unknown" in states or loose:
        return unknown(
            subject, f"the traffic type or target of a flow log of {vpc} is unresolved", **evidence
        )
    elsewhere = vpc_elsewhere(topo, vpc, "flow logs")
    if elsewhere is not None:
        # a flow log of the VPC (or a second one, with ALL) may be in the VPC's own stack
        return unknown(
            subject,
            f"no flow log in the inventory records all traffic of {vpc}, but {elsewhere}",
            **evidence,
        )
    partial = [s for s in states if s not in ("none", "ALL")]
    if partial:
        return failed(
            subject,
            f"flow logs of {vpc} record only {partial[0]} traffic; an investigation needs ALL",
            **evidence,
        )
    uncovered = [s for s, v in per_subnet.items() if v != "ALL"]
    return failed(
        subject,
        f"no flow log covers VPC {vpc} or its workload subnets {', '.join(uncovered)}",
        **evidence,
    )


def check_flow_logs(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    gaps = vpcless(r, "the flow logs of its VPC")
    if not r.workload.vpcs:
        return gaps or [no_workload(ctx, r, "no workload VPC whose flow logs to check")]
    topo = r.topology
    covering: dict[str, list[FlowLog]] = {}
    loose: list[str] = []
    for log in ctx.inventory.of(FlowLog):
        for ref in log.resources:
            key = topo.key(ref)
            if key is None:
                loose.append(log.id)
            else:
                covering.setdefault(key, []).append(log)
    by_vpc: dict[str, list[str]] = {}
    for chosen in r.workload.subnets:
        key = topo.key(chosen.subnet.vpc)
        if key is not None:
            by_vpc.setdefault(key, []).append(chosen.subnet.id)
    return gaps + [_judge(r, vpc, by_vpc.get(vpc, []), covering, loose) for vpc in r.workload.vpcs]


FLOW_LOGS = Control(
    id="AL-NET-010",
    title="Flow logs record all traffic of the workload VPCs",
    layer=Layer.NETWORK,
    severity=Severity.MEDIUM,
    rationale=(
        "When something happens, the first question is which network path the data took. "
        "Flow logs with traffic type ALL on the workload VPC (or on every workload subnet) "
        "answer it, and show attempts the air gap stopped."
    ),
    remediation=(
        "Create a flow log on each workload VPC with TrafficType ALL, delivered to an "
        "encrypted log group or an S3 bucket in the audit account."
    ),
    topics=(Topic.MONITORING, Topic.AUDIT_LOGGING, Topic.INCIDENT_RESPONSE),
    check=check_flow_logs,
    references=("CKV2_AWS_11", "prowler:vpc_flow_logs_enabled", "cdk-nag:VPCFlowLogsEnabled"),
)

CONTROLS: tuple[Control, ...] = (FLOW_LOGS,)

"""Security groups on both ends: endpoints admit only 443 from the workload, and the workload
sends only to endpoints and its own network."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from msgspec import Struct

from airlock.analysis.reachability import (
    PUBLIC,
    AddressSet,
    Family,
    Reachability,
    Topology,
)
from airlock.analysis.reachability.addresses import ON_HOST, parse_cidr
from airlock.analysis.reachability.filters import gateway_list_endpoint, protocol_number
from airlock.analysis.reachability.services import is_interface
from airlock.controls.model import (
    Control,
    Layer,
    ScanContext,
    Severity,
    Verdict,
    failed,
    not_applicable,
    passed,
    unknown,
)
from airlock.inventory.compute import (
    EcsService,
    EksNodeGroup,
    Instance,
    LambdaFunction,
    NetworkInterface,
)
from airlock.inventory.model import Resource, SourceKind, Unresolved, Val
from airlock.inventory.network import SecurityGroup, SecurityGroupRule, Subnet, Vpc, VpcEndpoint
from airlock.obligations.model import Topic

from .network_common import no_workload, reachability, vpcless


class Boundary(Struct, frozen=True):
    """The address space of every VPC in the inventory; ``complete`` when the VPCs the
    subject lives in are all there with known CIDRs (else a private range that no known VPC
    holds may still be the subject's own VPC)."""

    space: dict[Family, AddressSet]
    complete: bool


def boundary(topo: Topology, vpcs: Iterable[str | None]) -> Boundary:
    keys = list(vpcs)
    complete = bool(keys) and all(
        k is not None and topo.get(k, Vpc) is not None and not topo.vpc_space(k).unknown
        for k in keys
    )
    return Boundary(topo.boundary_space(), complete)


def _cidr_verdict(value: Val[str] | None, bound: Boundary) -> tuple[str, str] | None:
    """("fail" | "unknown", why) for a CIDR that is not inside the boundary; None when fine."""
    if value is None:
        return None
    if isinstance(value, Unresolved):
        return "unknown", f"a CIDR is unresolved ({value.reason})"
    block = parse_cidr(value)
    if block is None:
        return "unknown", f"{value!r} is not a CIDR"
    if block.size() == AddressSet.everything(block.family).size():
        return "fail", f"{value} (any address)"
    if bound.space[block.family].covers(block) or ON_HOST[block.family].covers(block):
        return None
    if not bound.complete and not PUBLIC[block.family].intersection(block):
        return "unknown", f"{value} (private, and the subject's VPC is not in the inventory)"
    return "fail", f"{value} (outside every VPC in the inventory)"


def _prefix_list(
    topo: Topology, ref: Val[str], bound: Boundary, gateways: list[VpcEndpoint]
) -> tuple[str, str] | None:
    if isinstance(ref, Unresolved):
        return "unknown", f"a prefix list is unresolved ({ref.reason})"
    found = topo.prefix_list_entries(ref)
    if found is None:
        if gateway_list_endpoint(topo, ref, gateways, bare_ids=True) is not None:
            # the list of an S3/DynamoDB gateway endpoint of the subject's VPC (a bare
            # AWS-managed id is taken for it: see gateway_list_endpoint)
            return None
        return "unknown", f"prefix list {ref} is not in the inventory"
    texts, unknown_entries = found
    if unknown_entries:
        return "unknown", f"{unknown_entries} entries of prefix list {ref} are unresolved"
    for text in texts:
        verdict = _cidr_verdict(text, bound)
        if verdict is not None:
            return verdict[0], f"prefix list {ref} holds {verdict[1]}"
    return None


def _groups(
    topo: Topology, refs: tuple[Val[str], ...], vpc: str | None, owner: str
) -> tuple[list[SecurityGroup], list[str], str | None]:
    """The groups, what is unknown about them, and the default-group note when none is named."""
    if not refs:
        default = topo.default_sg.get(vpc) if vpc else None
        if default is not None:
            return [default], [], f"{owner} names no security group: the VPC default group applies"
        return [], [], f"{owner} names no security group: the VPC's default group applies"
    groups: list[SecurityGroup] = []
    missing: list[str] = []
    for ref in refs:
        group = topo.get(ref, SecurityGroup)
        if group is None:
            missing.append(
                f"security group {ref} is not in the inventory"
                if isinstance(ref, str)
                else f"a security group is unresolved ({ref.reason})"
            )
        else:
            groups.append(group)
    return groups, missing, None


def _status(fails: list[str], unknowns: list[str]) -> str:
    return "fail" if fails else "unknown" if unknowns else "pass"


# -- AL-NET-006: endpoint security groups ---------------------------------------------------


def _ingress_problems(
    topo: Topology, rule: SecurityGroupRule, bound: Boundary
) -> tuple[list[str], list[str]]:
    fails: list[str] = []
    unknowns: list[str] = []
    proto = protocol_number(rule.protocol)
    if proto is None:
        unknowns.append(f"protocol {rule.protocol} is unresolved")
    elif proto != 6:
        fails.append("all protocols" if proto == -1 else f"protocol {rule.protocol}")
    else:
        ports = (rule.from_port, rule.to_port)
        if any(isinstance(p, Unresolved) for p in ports):
            unknowns.append("ports are unresolved")
        elif ports != (443, 443):
            fails.append(f"tcp ports {rule.from_port}-{rule.to_port}")
    for value in (rule.cidr_ipv4, rule.cidr_ipv6):
        verdict = _cidr_verdict(value, bound)
        if verdict is not None:
            (fails if verdict[0] == "fail" else unknowns).append(f"source {verdict[1]}")
    if rule.prefix_list is not None:
        verdict = _prefix_list(topo, rule.prefix_list, bound, gateways=[])
        if verdict is not None:
            (fails if verdict[0] == "fail" else unknowns).append(f"source {verdict[1]}")
    if rule.security_group is not None and topo.get(rule.security_group, SecurityGroup) is None:
        unknowns.append(f"source security group {rule.security_group} is not in the inventory")
    return fails, unknowns


def _judge_endpoint(ctx: ScanContext, r: Reachability, endpoint: VpcEndpoint) -> Verdict:
    topo = r.topology
    vpc = topo.key(endpoint.vpc)
    bound = boundary(topo, [vpc])
    groups, unknowns, note = _groups(topo, endpoint.security_groups, vpc, f"endpoint {endpoint.id}")
    evidence: dict[str, Any] = {"security_groups": [g.id for g in groups]}
    if note is not None:
        evidence["note"] = note
        if not groups:
            if ctx.inventory.source.kind in (SourceKind.AWS, SourceKind.SNAPSHOT):
                return unknown(endpoint, f"{note}, and it is not in the inventory", **evidence)
            return failed(
                endpoint,
                f"{note}; unless changed elsewhere it admits all traffic "
                "from every interface in that group",
                **evidence,
            )
    fails: list[str] = []
    rules: list[dict[str, Any]] = []
    for group in groups:
        for rule in group.ingress:
            bad, unsure = _ingress_problems(topo, rule, bound)
            if rule.security_group is not None and group.is_default and _self(topo, rule, group):
                bad.append("every interface that shares the default group")
            fails.extend(f"{group.id}: {b}" for b in bad)
            unknowns.extend(f"{group.id}: {u}" for u in unsure)
            rules.append({"group": group.id, "problems": bad + unsure})
    evidence["rules"] = rules
    status = _status(fails, unknowns)
    if status == "fail":
        return failed(
            endpoint,
            f"security groups of endpoint {endpoint.id} admit more than 443 "
            f"from the workload: {'; '.join(fails[:3])}",
            **evidence,
        )
    if status == "unknown":
        return unknown(
            endpoint,
            f"cannot confirm what endpoint {endpoint.id} admits: {unknowns[0]}",
            **evidence,
        )
    if not any(g.ingress for g in groups):
        return passed(
            endpoint,
            f"endpoint {endpoint.id} admits no traffic at all (nothing can use it)",
            **evidence,
        )
    return passed(
        endpoint, f"endpoint {endpoint.id} admits only tcp/443 from inside the boundary", **evidence
    )


def _self(topo: Topology, rule: SecurityGroupRule, group: SecurityGroup) -> bool:
    return topo.key(rule.security_group) == group.id


def check_endpoint_security_groups(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    gaps = vpcless(r, "the security groups of its VPC's endpoints")
    if not r.workload.vpcs:
        return gaps or [no_workload(ctx, r, "no workload VPC whose endpoints to check")]
    topo = r.topology
    endpoints = [
        e for vpc in r.workload.vpcs for e in topo.endpoints_by_vpc.get(vpc, []) if is_interface(e)
    ]
    if not endpoints:
        return gaps or [
            not_applicable(
                ctx.account_ref(),
                "the workload VPCs have no interface endpoints "
                "(AL-NET-004 reports the missing ones)",
            )
        ]
    return gaps + [_judge_endpoint(ctx, r, e) for e in endpoints]


# -- AL-NET-008: workload egress ----------------------------------------------------------


def _security_refs(resource: Resource) -> tuple[Val[str], ...] | None:
    if isinstance(resource, LambdaFunction | EcsService | Instance | NetworkInterface):
        return resource.security_groups
    return None


def _judge_compute(r: Reachability, resource: Resource, subnets: list[Subnet]) -> Verdict:
    topo = r.topology
    refs = _security_refs(resource)
    if refs is None:
        return unknown(
            resource,
            f"the security groups of {resource.id} are not in the inventory "
            "(EKS nodes use the cluster security group or a launch "
            "template's)",
        )
    vpcs = {topo.key(s.vpc) for s in subnets}
    vpc = next(iter(vpcs)) if len(vpcs) == 1 else None
    bound = boundary(topo, vpcs if len(subnets) == len(_subnet_refs(resource)) else [None])
    gateways = [e for v in vpcs for e in topo.endpoints_by_vpc.get(v, [])]
    groups, unknowns, note = _groups(topo, refs, vpc, resource.id)
    evidence: dict[str, Any] = {"security_groups": [g.id for g in groups]}
    if note is not None:
        evidence["note"] = note
        if not groups:
            return failed(resource, f"{note}, which allows all egress unless changed", **evidence)
    fails: list[str] = []
    for group in groups:
        for rule in group.egress:
            for value in (rule.cidr_ipv4, rule.cidr_ipv6):
                verdict = _cidr_verdict(value, bound)
                if verdict is not None:
                    (fails if verdict[0] == "fail" else unknowns).append(
                        f"{group.id}: {verdict[1]}"
                    )
            if rule.prefix_list is not None:
                verdict = _prefix_list(topo, rule.prefix_list, bound, gateways)
                if verdict is not None:
                    (fails if verdict[0] == "fail" else unknowns).append(
                        f"{group.id}: {verdict[1]}"
                    )
            if (
                rule.security_group is not None
                and topo.get(rule.security_group, SecurityGroup) is None
            ):
                unknowns.append(
                    f"{group.id}: destination group {rule.security_group} is not in the inventory"
                )
    evidence["fails"], evidence["unknowns"] = fails, unknowns
    status = _status(fails, unknowns)
    if status == "fail":
        return failed(
            resource,
            f"{resource.id} may send to destinations outside the boundary: {'; '.join(fails[:3])}",
            **evidence,
        )
    if status == "unknown":
        return unknown(
            resource, f"cannot confirm the egress rules of {resource.id}: {unknowns[0]}", **evidence
        )
    return passed(
        resource,
        f"{resource.id} sends only to endpoints, its VPCs and gateway endpoint prefix lists",
        **evidence,
    )


def check_workload_egress(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    verdicts: list[Verdict] = []
    for result in r.compute():
        subnets = _subnets_of(r, result.resource)
        if (
            isinstance(result.resource, LambdaFunction)
            and not subnets
            and not result.resource.subnets
        ):
            continue  # outside any VPC: AL-NET-003
        verdicts.append(_judge_compute(r, result.resource, subnets))
    if not verdicts:
        verdicts.append(no_workload(ctx, r, "no VPC compute whose egress rules to check"))
    return verdicts


def _subnet_refs(resource: Resource) -> tuple[object, ...]:
    if isinstance(resource, LambdaFunction | EcsService | EksNodeGroup):
        return resource.subnets
    if isinstance(resource, Instance | NetworkInterface):
        return (resource.subnet,)
    return ()


def _subnets_of(r: Reachability, resource: Resource) -> list[Subnet]:
    found = [r.topology.get(ref, Subnet) for ref in _subnet_refs(resource)]
    return [s for s in found if s is not None]


ENDPOINT_SECURITY_GROUPS = Control(
    id="AL-NET-006",
    title="Interface endpoint security groups admit only 443 from the workload",
    layer=Layer.NETWORK,
    severity=Severity.HIGH,
    rationale=(
        "An endpoint's security group decides who can use the private path to Bedrock and the "
        "other services. It should admit HTTPS from the workload and nothing else: no "
        "0.0.0.0/0, no wide port ranges, not the VPC's default group (used when none is named)."
    ),
    remediation=(
        "Attach a dedicated security group to each interface endpoint with one ingress rule: "
        "tcp 443 from the workload security groups or subnet CIDRs."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_endpoint_security_groups,
    references=("CKV2_AWS_12",),
)

WORKLOAD_EGRESS = Control(
    id="AL-NET-008",
    title="Workload security groups send only to endpoints and the boundary's own networks",
    layer=Layer.NETWORK,
    severity=Severity.MEDIUM,
    rationale=(
        "Defence in depth: even where routing has no exit today, egress rules that allow "
        "0.0.0.0/0 let a compromised dependency call home the day a route appears. Egress "
        "restricted to endpoint security groups, VPC CIDRs and the S3 gateway prefix list "
        "keeps the workload on the private path."
    ),
    remediation=(
        "Replace 0.0.0.0/0 and ::/0 egress on workload security groups with rules to the "
        "endpoint security groups (tcp 443), the VPC CIDR, and the S3 prefix list; remove the "
        "default egress rule (Terraform keeps none unless declared; CloudFormation adds "
        "allow-all unless SecurityGroupEgress is set)."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_workload_egress,
)

CONTROLS: tuple[Control, ...] = (ENDPOINT_SECURITY_GROUPS, WORKLOAD_EGRESS)

"""Egress paths: routing out of workload subnets, public IPs, Lambda functions outside a VPC."""

from __future__ import annotations

from collections.abc import Iterable

from airlock.analysis.reachability import Reach, SubjectResult
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
    EksCluster,
    EksNodeGroup,
    Instance,
    LambdaFunction,
    NetworkInterface,
)
from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import Subnet
from airlock.obligations.model import Topic

from .network_common import no_workload, paths_json, reachability, unplaced, workload_evidence


def _outside_vpc(result: SubjectResult) -> bool:
    fn = result.resource
    return isinstance(fn, LambdaFunction) and not fn.subnets and fn.in_vpc is not True


def check_egress_paths(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    verdicts = unplaced(r)
    for result in r.subjects:
        if _outside_vpc(result):
            continue  # AL-NET-003 judges these
        evidence: dict[str, object] = {"paths": paths_json(result.paths)}
        if isinstance(result.resource, Subnet):
            evidence["workload"] = workload_evidence(r, result.resource)
            evidence["selection"] = r.workload.note
        if result.unknowns:
            evidence["unknowns"] = list(result.unknowns)
        if result.reach is Reach.OPEN:
            verdicts.append(failed(result.resource, result.reason, **evidence))
        elif result.reach is Reach.UNKNOWN:
            verdicts.append(unknown(result.resource, result.reason, **evidence))
        else:
            verdicts.append(passed(result.resource, result.reason, **evidence))
    if not verdicts:
        verdicts.append(no_workload(ctx, r, "no workload subnet or VPC compute to judge"))
    return verdicts


# -- public IPs ----------------------------------------------------------------------------


def _flag(value: Val[bool] | None, default: bool) -> bool | None:
    if value is None:
        return default
    return value if isinstance(value, bool) else None


def _subnet_public(ctx: ScanContext, ref: object) -> tuple[bool | None, str]:
    subnet = reachability(ctx).topology.get(ref, Subnet)
    if subnet is None:
        return None, f"subnet {ref} is not in the inventory"
    value = subnet.map_public_ip_on_launch
    if isinstance(value, Unresolved):
        return None, f"MapPublicIpOnLaunch of subnet {subnet.id} is unresolved ({value.reason})"
    return bool(value), f"subnet {subnet.id} {'assigns' if value else 'does not assign'} public IPs"


def _judge_public(subject: Resource, public: bool | None, why: str) -> Verdict:
    if public is None:
        return unknown(subject, f"cannot tell whether {subject.id} gets a public IP: {why}")
    if public:
        return failed(subject, f"{subject.id} gets a public IP: {why}", basis=why)
    return passed(subject, f"{subject.id} gets no public IP: {why}", basis=why)


def _instance(ctx: ScanContext, inst: Instance) -> Verdict:
    if isinstance(inst.public_ip, str):
        return _judge_public(inst, True, f"it has public IP {inst.public_ip}")
    flag = inst.associate_public_ip
    if flag is None:
        public, why = _subnet_public(ctx, inst.subnet)
        return _judge_public(inst, public, f"AssociatePublicIpAddress is not set and {why}")
    if isinstance(flag, Unresolved):
        return _judge_public(inst, None, f"AssociatePublicIpAddress is unresolved ({flag.reason})")
    return _judge_public(inst, flag, f"AssociatePublicIpAddress is {str(flag).lower()}")


def _node_group(ctx: ScanContext, group: EksNodeGroup) -> Verdict:
    results = [_subnet_public(ctx, ref) for ref in group.subnets]
    if not results:
        return unknown(group, f"node group {group.id} names no subnet")
    publics = [why for public, why in results if public]
    if publics:
        return _judge_public(
            group, True, "nodes launch in a subnet that assigns public IPs: " + "; ".join(publics)
        )
    missing = [why for public, why in results if public is None]
    if missing:
        return _judge_public(group, None, "; ".join(missing))
    return _judge_public(group, False, "none of its subnets assigns public IPs")


def _cluster(cluster: EksCluster) -> Verdict:
    value = cluster.endpoint_public_access
    if isinstance(value, Unresolved):
        return unknown(cluster, f"endpoint public access of EKS cluster {cluster.id} is unresolved")
    if value is None or value:
        why = "not set, and AWS enables it by default" if value is None else "enabled"
        return failed(
            cluster,
            f"the Kubernetes API endpoint of {cluster.id} is public ({why})",
            endpoint_public_access=value,
        )
    return passed(cluster, f"the Kubernetes API endpoint of {cluster.id} is private only")


def check_public_ips(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    verdicts: list[Verdict] = []
    for chosen in r.workload.subnets:
        subnet = chosen.subnet
        public = _flag(subnet.map_public_ip_on_launch, default=False)
        why = (
            "MapPublicIpOnLaunch is unresolved"
            if public is None
            else f"MapPublicIpOnLaunch is {'true' if public else 'false (or not set)'}"
        )
        verdicts.append(_judge_public(subnet, public, why))
    inv = ctx.inventory
    for inst in inv.of(Instance):
        verdicts.append(_instance(ctx, inst))
    for eni in inv.of(NetworkInterface):
        if r.subject(eni.id) is None:
            continue  # AWS infrastructure interfaces (NAT gateway, endpoints...)
        if isinstance(eni.public_ip, Unresolved):
            verdicts.append(_judge_public(eni, None, "its public IP is unresolved"))
        else:
            verdicts.append(
                _judge_public(
                    eni,
                    eni.public_ip is not None,
                    f"public IP {eni.public_ip}" if eni.public_ip else "no public IP",
                )
            )
    for svc in inv.of(EcsService):
        flag = _flag(svc.assign_public_ip, default=False)
        verdicts.append(
            _judge_public(
                svc,
                flag,
                "AssignPublicIp is "
                + (
                    "unresolved" if flag is None else "ENABLED" if flag else "DISABLED (or not set)"
                ),
            )
        )
    verdicts.extend(_node_group(ctx, g) for g in inv.of(EksNodeGroup))
    verdicts.extend(_cluster(c) for c in inv.of(EksCluster))
    for fn in inv.of(LambdaFunction):
        if fn.subnets and fn.in_vpc is not False:
            verdicts.append(
                passed(
                    fn,
                    f"Function {fn.id} runs in a VPC, where Lambda's network interfaces never get a public IP address, whatever the subnet maps.",
                )
            )
    if not verdicts:
        verdicts.append(no_workload(ctx, r, "no workload subnet or compute to judge"))
    return verdicts


# -- Lambda outside a VPC ------------------------------------------------------------------


def check_lambda_in_vpc(ctx: ScanContext) -> Iterable[Verdict]:
    functions = ctx.inventory.of(LambdaFunction)
    if not functions:
        return [not_applicable(ctx.account_ref(), "the inventory has no Lambda functions")]
    r = reachability(ctx)
    verdicts: list[Verdict] = []
    for fn in functions:
        result = r.subject(fn.id)
        paths = paths_json(result.paths) if result is not None else []
        if fn.subnets or fn.in_vpc is True:
            verdicts.append(
                passed(
                    fn,
                    f"Lambda function {fn.id} runs in a VPC; its egress paths "
                    "are judged by AL-NET-001",
                    subnets=list(fn.subnets),
                )
            )
        elif isinstance(fn.in_vpc, Unresolved):
            verdicts.append(
                unknown(
                    fn,
                    f"whether Lambda function {fn.id} runs in a VPC is "
                    f"unresolved ({fn.in_vpc.reason})",
                    paths=paths,
                )
            )
        else:
            verdicts.append(
                failed(
                    fn,
                    f"Lambda function {fn.id} has no VPC configuration: it "
                    "runs in the Lambda service network, which has internet "
                    "egress",
                    paths=paths,
                )
            )
    return verdicts


NO_EGRESS_PATH = Control(
    id="AL-NET-001",
    title="No network path leaves the boundary from workload subnets and compute",
    layer=Layer.NETWORK,
    severity=Severity.CRITICAL,
    rationale=(
        "Air-gapped is a property of paths: a workload subnet is only isolated if no route, "
        "followed through NAT gateways, transit gateways, inspection VPCs, peering and VPN "
        "gateways, reaches the internet or a network outside the boundary for any destination "
        "that the network ACLs and security groups let through. A more specific route, a "
        "propagated route or a transit gateway two hops away is enough to leak prompts."
    ),
    remediation=(
        "Remove the internet, NAT, VPN and transit routes from the workload route tables (keep "
        "the local route, gateway endpoint routes and routes to VPCs inside the boundary), or "
        "close the path with a network ACL deny; reach AWS services through interface and "
        "gateway endpoints instead. The evidence lists the path hop by hop."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_egress_paths,
    references=(
        "prowler:vpc_subnet_separate_private_public",
        "cdk-nag:VPCNoUnrestrictedRouteToIGW",
    ),
)

NO_PUBLIC_IPS = Control(
    id="AL-NET-002",
    title="Workload compute gets no public IP",
    layer=Layer.NETWORK,
    severity=Severity.HIGH,
    rationale=(
        "A public IP makes an interface reachable from the internet and lets it use an internet "
        "gateway directly. Workload subnets that auto-assign public IPs, instances, interfaces "
        "and ECS tasks with public IPs, and a public Kubernetes API endpoint all open the "
        "boundary."
    ),
    remediation=(
        "Set MapPublicIpOnLaunch false on workload subnets, AssociatePublicIpAddress false on "
        "instances and launch templates, AssignPublicIp DISABLED on ECS services, and "
        "EndpointPublicAccess false (EndpointPrivateAccess true) on EKS clusters."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_public_ips,
    references=(
        "prowler:vpc_subnet_no_public_ip_by_default",
        "cdk-nag:VPCSubnetAutoAssignPublicIpDisabled",
    ),
)

LAMBDA_IN_VPC = Control(
    id="AL-NET-003",
    title="Every Lambda function runs inside a VPC",
    layer=Layer.NETWORK,
    severity=Severity.HIGH,
    rationale=(
        "A Lambda function with no VPC configuration runs in the Lambda service network, which "
        "always has internet egress: whatever it reads, including prompts and model responses, "
        "can leave. Any function in the deployment may call Bedrock, so every one is judged."
    ),
    remediation=(
        "Give each function a VpcConfig (SubnetIds in workload subnets, SecurityGroupIds) and "
        "the interface endpoints it needs; the execution role then needs "
        "AWSLambdaVPCAccessExecutionRole permissions."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_lambda_in_vpc,
    references=("CKV_AWS_117", "cdk-nag:LambdaInsideVPC"),
)

CONTROLS = (NO_EGRESS_PATH, NO_PUBLIC_IPS, LAMBDA_IN_VPC)

"""Interface endpoints with private DNS, and the S3 gateway endpoint on workload route tables.

Which interface endpoints a workload VPC needs depends on what the deployment contains:

* ``bedrock-runtime`` always (InvokeModel, Converse);
* ``bedrock-agent-runtime`` when agents, knowledge bases or flows exist (InvokeAgent,
  Retrieve, InvokeFlow);
* ``kms`` when the deployment has customer-managed keys (workloads decrypt and generate
  data keys with them);
* ``secretsmanager`` when it holds Secrets Manager secrets (or a knowledge base reads
  vector-store credentials from one);
* ``logs`` when ECS, EKS or instances run (their logs are shipped from inside the VPC;
  Lambda's are shipped by the service);
* ``ecr.api`` and ``ecr.dkr`` when ECS or EKS run (image pulls; layers come through the S3
  gateway endpoint);
* ``sts`` when EKS runs (IRSA and Pod Identity exchange tokens with STS).

``bedrock``, ``bedrock-agent``, ``sts``, ``logs`` and ``monitoring`` are the reference
architecture's full list; the ones not required above are reported as recommended, not
failed. An endpoint without private DNS does not count: SDK calls to the default hostname
resolve to the public service endpoint. When the workload VPC is not in the inventory (an
existing or shared VPC), an endpoint the inventory lacks is UNKNOWN: the VPC's own stack may
hold it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airlock.analysis.reachability import Reachability, endpoint_service, same_service
from airlock.analysis.reachability.services import is_gateway, is_interface
from airlock.controls.model import (
    Control,
    Layer,
    ResourceRef,
    ScanContext,
    Severity,
    Verdict,
    failed,
    passed,
    unknown,
)
from airlock.inventory.bedrock import Agent, Flow, KnowledgeBase
from airlock.inventory.compute import (
    EcsService,
    EcsTaskDefinition,
    EksCluster,
    EksNodeGroup,
    Instance,
)
from airlock.inventory.encryption import KmsKey, Secret
from airlock.inventory.model import Inventory, Resource, Unresolved
from airlock.inventory.network import RouteTable, RouteTarget, Subnet, VpcEndpoint
from airlock.obligations.model import Topic

from .network_common import no_workload, reachability, vpc_elsewhere, vpc_subject, vpcless

ARCHITECTURE = (
    "bedrock-runtime",
    "bedrock-agent-runtime",
    "bedrock",
    "bedrock-agent",
    "kms",
    "secretsmanager",
    "logs",
    "monitoring",
    "sts",
)


def _any(inv: Inventory, *kinds: type[Resource]) -> bool:
    return any(inv.of(kind) for kind in kinds)


def required_services(inv: Inventory) -> tuple[dict[str, str], dict[str, str]]:
    """Required and recommended endpoint services, each with the reason."""
    required = {"bedrock-runtime": "model invocation (InvokeModel, Converse) from the workload"}
    if _any(inv, Agent, KnowledgeBase, Flow):
        required["bedrock-agent-runtime"] = (
            "the deployment has agents, knowledge bases or flows (InvokeAgent, Retrieve, InvokeFlow)"
        )
    if any(k.manager == "CUSTOMER" for k in inv.of(KmsKey)):
        required["kms"] = "the deployment has customer-managed KMS keys that workloads use"
    if inv.of(Secret) or any(kb.credentials_secret is not None for kb in inv.of(KnowledgeBase)):
        required["secretsmanager"] = "the deployment reads Secrets Manager secrets"
    containers = _any(inv, EcsService, EcsTaskDefinition, EksCluster, EksNodeGroup)
    if containers or _any(inv, Instance):
        required["logs"] = "ECS, EKS or instances ship their logs from inside the VPC"
    if containers:
        required["ecr.api"] = "ECS and EKS pull images from ECR"
        required["ecr.dkr"] = "ECS and EKS pull images from ECR"
    if _any(inv, EksCluster, EksNodeGroup):
        required["sts"] = "EKS workload identities (IRSA, Pod Identity) call STS"
    recommended = {
        s: "listed by the reference architecture" for s in ARCHITECTURE if s not in required
    }
    return required, recommended


def _judge_vpc(ctx: ScanContext, r: Reachability, vpc: str, hosts: dict[str, list[str]]) -> Verdict:
    topo = r.topology
    required, recommended = required_services(ctx.inventory)
    endpoints = topo.endpoints_by_vpc.get(vpc, [])
    unnamed = [e.id for e in endpoints if endpoint_service(e) is None]
    present: dict[str, Any] = {}
    missing: list[str] = []
    no_dns: list[str] = []
    unknowns: list[str] = []
    for service in required:
        found = [e for e in endpoints if same_service(endpoint_service(e), service)]
        interfaces = [e for e in found if is_interface(e)]
        if any(isinstance(e.endpoint_type, Unresolved) for e in found) and not interfaces:
            unknowns.append(f"{service}: the endpoint type is unresolved")
            continue
        if not interfaces:
            elsewhere = _elsewhere(hosts, vpc, service)
            if unnamed:
                unknowns.append(
                    f"{service}: endpoints {', '.join(unnamed)} have unresolved service names"
                )
            elif elsewhere:
                unknowns.append(
                    f"{service}: only in VPC {elsewhere} (a centralised endpoint needs "
                    "a private hosted zone associated with this VPC, which Airlock "
                    "cannot see)"
                )
            else:
                missing.append(service)
            continue
        dns = [e.private_dns_enabled for e in interfaces]
        present[service] = [{"endpoint": e.id, "private_dns": _dns(e)} for e in interfaces]
        if any(v is True for v in dns):
            continue
        if any(isinstance(v, Unresolved) for v in dns):
            unknowns.append(f"{service}: PrivateDnsEnabled is unresolved")
        else:
            no_dns.append(service)
    absent_recommended = [
        s
        for s in recommended
        if not any(same_service(endpoint_service(e), s) and is_interface(e) for e in endpoints)
    ]
    evidence = {
        "required": required,
        "present": present,
        "missing": missing,
        "without_private_dns": no_dns,
        "recommended_missing": absent_recommended,
    }
    subject = vpc_subject(topo, vpc)
    if missing or no_dns:
        parts = []
        if missing:
            parts.append(f"missing {', '.join(missing)}")
        if no_dns:
            parts.append(f"private DNS disabled on {', '.join(no_dns)}")
        lacks = "; ".join(parts)
        # an endpoint (or a second one, with private DNS) may be in the VPC's own stack
        elsewhere = vpc_elsewhere(topo, vpc, "interface endpoints")
        if elsewhere is not None:
            return unknown(
                subject,
                f"cannot confirm the interface endpoints of VPC {vpc} ({lacks} in the "
                f"inventory): {elsewhere}",
                unknowns=[elsewhere, *unknowns],
                **evidence,
            )
        reason = f"VPC {vpc} lacks required interface endpoints: {lacks}"
        return failed(subject, reason, **evidence)
    if unknowns:
        return unknown(
            subject,
            f"cannot confirm the interface endpoints of VPC {vpc}: {unknowns[0]}",
            unknowns=unknowns,
            **evidence,
        )
    return passed(
        subject,
        f"VPC {vpc} has every required interface endpoint with private DNS ({', '.join(required)})",
        **evidence,
    )


def _dns(endpoint: VpcEndpoint) -> object:
    value = endpoint.private_dns_enabled
    return {"unresolved": value.reason} if isinstance(value, Unresolved) else value


def _elsewhere(hosts: dict[str, list[str]], vpc: str, service: str) -> str | None:
    """Another VPC with an interface endpoint for this service (a centralised endpoint)."""
    for base in (service, f"{service}-fips"):
        for other in hosts.get(base, ()):
            if other != vpc:
                return other
    return None


def _hosts(r: Reachability) -> dict[str, list[str]]:
    """Service -> VPCs that have an interface endpoint for it."""
    hosts: dict[str, list[str]] = {}
    for vpc, endpoints in r.topology.endpoints_by_vpc.items():
        for endpoint in endpoints:
            service = endpoint_service(endpoint)
            if vpc is not None and service is not None and is_interface(endpoint):
                hosts.setdefault(service, []).append(vpc)
    return hosts


def check_interface_endpoints(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    verdicts = vpcless(r, "its interface endpoints")
    hosts = _hosts(r)
    verdicts.extend(_judge_vpc(ctx, r, vpc, hosts) for vpc in r.workload.vpcs)
    return verdicts or [no_workload(ctx, r, "no workload VPC to check for interface endpoints")]


# -- S3 gateway endpoint -------------------------------------------------------------------


def _s3_gateways(r: Reachability, vpc: str | None) -> list[VpcEndpoint]:
    """The S3 gateway endpoints that may serve a route table of ``vpc``: the VPC's own and
    those whose VPC is unresolved (all of them when ``vpc`` is unresolved)."""
    topo = r.topology
    pool = (
        topo.endpoints
        if vpc is None
        else [*topo.endpoints_by_vpc.get(vpc, []), *topo.endpoints_by_vpc.get(None, [])]
    )
    return [e for e in pool if same_service(endpoint_service(e), "s3") and is_gateway(e)]


def _s3_interface(r: Reachability, vpc: str | None) -> VpcEndpoint | None:
    for e in r.topology.endpoints_by_vpc.get(vpc, []):
        if same_service(endpoint_service(e), "s3") and is_interface(e):
            return e
    return None


def _covers(r: Reachability, endpoint: VpcEndpoint, table: RouteTable) -> bool | None:
    topo = r.topology
    keys = [topo.key(ref) for ref in endpoint.route_tables]
    if table.id in keys:
        return True
    for route in table.routes:
        if (
            route.target_kind is RouteTarget.GATEWAY_ENDPOINT
            and topo.key(route.target) == endpoint.id
        ):
            return True
    return None if None in keys else False


def _unseen_gateways(r: Reachability, table: RouteTable) -> list[str]:
    """Gateway endpoints the table routes to that are not in the inventory (a shared VPC's
    endpoint associated with the table): S3's or DynamoDB's, the inventory cannot tell."""
    found: list[str] = []
    for route in table.routes:
        if route.target_kind is not RouteTarget.GATEWAY_ENDPOINT:
            continue
        if r.topology.get(route.target, VpcEndpoint) is None:
            via = f" (through {route.origin})" if route.origin else ""
            found.append(f"{route.target}{via}")
    return found


def _judge_table(
    r: Reachability, table: RouteTable | None, vpc: str | None, subnets: list[Subnet]
) -> Verdict:
    topo = r.topology
    ids = [s.id for s in subnets]
    subject = (
        table
        if table is not None
        else (
            vpc_subject(topo, vpc)
            if vpc
            else ResourceRef("AWS::EC2::RouteTable", f"main of {subnets[0].id}")
        )
    )
    evidence: dict[str, Any] = {"subnets": ids}
    name = table.id if table is not None else f"the main route table of VPC {vpc} (implicit)"
    gateways = _s3_gateways(r, vpc)
    evidence["s3_gateway_endpoints"] = [e.id for e in gateways]
    results = [_covers(r, e, table) for e in gateways] if table is not None else []
    if any(results):
        # AWS associates a gateway endpoint only with route tables of its own VPC: one that
        # names this table serves it, even when the VPC ids are unresolved
        found = gateways[results.index(True)]
        return passed(subject, f"{name} routes S3 through gateway endpoint {found.id}", **evidence)
    if vpc is None:
        first = subnets[0]
        why = first.vpc.reason if isinstance(first.vpc, Unresolved) else str(first.vpc)
        return unknown(
            subject,
            f"the VPC of workload subnet {first.id} is unresolved ({why}), so "
            f"whether an S3 gateway endpoint serves {name} cannot be checked",
            **evidence,
        )
    interface = _s3_interface(r, vpc)
    if interface is not None and interface.private_dns_enabled is True:
        evidence["s3_interface_endpoint"] = interface.id
        return passed(
            subject,
            f"{name} has no S3 gateway route, but S3 is reached privately "
            f"through interface endpoint {interface.id}",
            **evidence,
        )
    if None in results:
        endpoint = gateways[results.index(None)]
        return unknown(
            subject,
            f"the route tables of S3 gateway endpoint {endpoint.id} are unresolved, so "
            f"cannot tell whether {name} has its route",
            **evidence,
        )
    unseen = _unseen_gateways(r, table) if table is not None else []
    if unseen:
        evidence["unseen_gateway_endpoints"] = unseen
        return unknown(
            subject,
            f"{name} routes to gateway endpoint {unseen[0]}, which is not in the "
            "inventory, so whether it is an S3 endpoint is unknown",
            **evidence,
        )
    elsewhere = vpc_elsewhere(topo, vpc, "S3 gateway endpoint")
    if elsewhere is not None:
        return unknown(
            subject,
            f"no S3 gateway endpoint in the inventory is associated with {name}, but {elsewhere}",
            **evidence,
        )
    return failed(
        subject,
        f"no S3 gateway endpoint is associated with {name}, used by workload "
        f"subnets {', '.join(ids)}",
        **evidence,
    )


def check_s3_gateway(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    topo = r.topology
    tables: dict[str, tuple[RouteTable | None, str | None, list[Subnet]]] = {}
    verdicts: list[Verdict] = []
    for chosen in r.workload.subnets:
        subnet = chosen.subnet
        assoc = topo.route_tables_for(subnet)
        if len(assoc.tables) != 1:
            reason = assoc.ambiguity or f"no route table is known for subnet {subnet.id}"
            verdicts.append(
                unknown(subnet, f"cannot tell which route table subnet {subnet.id} uses: {reason}")
            )
            continue
        table = assoc.tables[0]
        # a subnet is associated only with route tables of its own VPC
        vpc = topo.key(subnet.vpc) or (topo.key(table.vpc) if table is not None else None)
        key = table.id if table is not None else f"implicit:{vpc}"
        tables.setdefault(key, (table, vpc, []))[2].append(subnet)
    for table, vpc, subnets in tables.values():
        verdicts.append(_judge_table(r, table, vpc, subnets))
    if not verdicts:
        verdicts.append(no_workload(ctx, r, "no workload route table to check"))
    return verdicts


INTERFACE_ENDPOINTS = Control(
    id="AL-NET-004",
    title="Workload VPCs have the interface endpoints they need, with private DNS",
    layer=Layer.NETWORK,
    severity=Severity.HIGH,
    rationale=(
        "Without an interface endpoint (and its private DNS name) a call to Bedrock, KMS, STS "
        "or Secrets Manager resolves to the public service endpoint: it fails in an air-gapped "
        "VPC, or leaves through whatever path exists. The set needed follows from what the "
        "deployment contains; the evidence says why each one is required."
    ),
    remediation=(
        "Create an Interface endpoint (com.amazonaws.<region>.<service>) for each missing "
        "service in the workload VPC's private subnets, with PrivateDnsEnabled true, a "
        "security group that admits 443 from the workload, and a restrictive endpoint policy."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_interface_endpoints,
    references=("prowler:bedrock_vpc_endpoints_configured", "prowler:vpc_endpoint_for_ec2_enabled"),
)

S3_GATEWAY = Control(
    id="AL-NET-005",
    title="Workload route tables route S3 through a gateway endpoint",
    layer=Layer.NETWORK,
    severity=Severity.MEDIUM,
    rationale=(
        "Invocation logs, knowledge-base sources, ECR image layers and CloudFormation custom "
        "resource responses go to S3. Without an S3 gateway endpoint on the workload route "
        "tables that traffic needs an internet path, or fails."
    ),
    remediation=(
        "Create a Gateway endpoint for com.amazonaws.<region>.s3 with RouteTableIds listing "
        "every route table the workload subnets use, with an endpoint policy limited to the "
        "deployment's buckets (or an S3 interface endpoint with private DNS)."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_s3_gateway,
)

CONTROLS: tuple[Control, ...] = (INTERFACE_ENDPOINTS, S3_GATEWAY)

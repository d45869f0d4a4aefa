"""Operations layer, the reference architecture's friction points: an artefact mirror for
software installs, data-perimeter organization policies, and the endpoint quota.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from airlock.controls.coverage import absence_is_proof
from airlock.controls.invocation import DATA_PLANE, NETWORK_KEYS
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ResourceRef,
    ScanContext,
    Severity,
    Verdict,
    failed,
    not_applicable,
    passed,
    unknown,
)
from airlock.controls.statements import Statement, parse_policy
from airlock.inventory.compute import (
    EcsService,
    EcsTaskDefinition,
    EksCluster,
    EksNodeGroup,
    Instance,
)
from airlock.inventory.identity import OrganizationPolicy
from airlock.inventory.model import Inventory, Resource, Unresolved, Val
from airlock.inventory.network import EndpointType, Subnet, Vpc, VpcEndpoint
from airlock.inventory.operations import CodeArtifactRepository, EcrRepository
from airlock.obligations.model import Topic

Check = Callable[[ScanContext], Iterator[Verdict]]

#: default quota: interface (and Gateway Load Balancer) endpoints per VPC
ENDPOINT_QUOTA_PER_VPC = 50
#: fail above this share of the quota, so the increase is requested before launch
ENDPOINT_QUOTA_WARN_RATIO = 0.8

ECR_ENDPOINTS = ("ecr.api", "ecr.dkr")
CODEARTIFACT_ENDPOINTS = ("codeartifact.api", "codeartifact.repositories")


# --- AL-OPS-001 ------------------------------------------------------------------------


def _vpcs_of(inventory: Inventory, subnets: list[Val[str] | None]) -> tuple[set[str], bool]:
    """VPC ids (inventory ids or literals) of these subnets; the flag says some are unknown."""
    found: set[str] = set()
    lost = False
    for ref in subnets:
        subnet = inventory.find(ref, Subnet) if isinstance(ref, str) else None
        if subnet is None or not isinstance(subnet.vpc, str):
            lost = True
            continue
        vpc = inventory.find(subnet.vpc, Vpc)
        found.add(vpc.id if vpc is not None else subnet.vpc)
    return found, lost


def _endpoint_services(inventory: Inventory) -> tuple[dict[str, set[str]], list[str]]:
    """Service suffix -> VPCs that have an endpoint for it; plus unresolved endpoint ids."""
    table: dict[str, set[str]] = {}
    lost: list[str] = []
    for endpoint in inventory.of(VpcEndpoint):
        name = endpoint.service_name
        if not isinstance(name, str):
            lost.append(endpoint.id)
            continue
        parts = name.split(".")
        suffix = ".".join(parts[3:]) if len(parts) > 3 and parts[0] == "com" else name
        vpc = inventory.find(endpoint.vpc, Vpc) if isinstance(endpoint.vpc, str) else None
        key = (
            vpc.id if vpc is not None else (endpoint.vpc if isinstance(endpoint.vpc, str) else "?")
        )
        table.setdefault(suffix, set()).add(key)
    return table, lost


def _mirror(ctx: ScanContext) -> Iterator[Verdict]:
    inventory = ctx.inventory
    containers: list[Val[str] | None] = []
    for ecs_service in inventory.of(EcsService):
        containers += ecs_service.subnets
    for cluster in inventory.of(EksCluster):
        containers += cluster.subnets
    for group in inventory.of(EksNodeGroup):
        containers += group.subnets
    has_containers = bool(containers or inventory.of(EcsTaskDefinition) or inventory.of(EksCluster))
    hosts: list[Val[str] | None] = [i.subnet for i in inventory.of(Instance)]
    if not has_containers and not hosts:
        yield not_applicable(
            ctx.account_ref(),
            "No instance, ECS or EKS compute in this inventory installs software.",
        )
        return
    endpoints, lost = _endpoint_services(inventory)
    missing: list[str] = []
    #: instances may boot a baked image and install nothing: their mirror is a doubt, while
    #: containers always pull images
    unconfirmed: list[str] = []
    doubts: list[str] = [f"endpoint {e} has an unresolved service name" for e in lost]
    repos: list[str] = []
    checks: list[tuple[str, list[Val[str] | None], tuple[str, ...], type[Resource], bool]] = []
    if has_containers:
        checks.append(("container images", containers, ECR_ENDPOINTS, EcrRepository, True))
    if hosts:
        checks.append(("packages", hosts, CODEARTIFACT_ENDPOINTS, CodeArtifactRepository, False))
    for what, subnets, needed, repo_kind, certain in checks:
        vpcs, unknown_vpc = _vpcs_of(inventory, subnets)
        for service in needed:
            have = endpoints.get(service, set())
            gap: str | None = None
            if not have:
                gap = f"{service} endpoint ({what})"
            elif vpcs and not vpcs <= have:
                gap = f"{service} endpoint in {', '.join(sorted(vpcs - have))} ({what})"
            elif unknown_vpc and not vpcs:
                doubts.append(f"the VPC of the compute that pulls {what} is not known")
            if gap is not None:
                (missing if certain else unconfirmed).append(gap)
        if not inventory.of(repo_kind) and (certain or not unconfirmed):
            repos.append(f"{repo_kind.__name__} ({what})")
    evidence: dict[str, Any] = {
        "missing": missing,
        "missing_if_instances_install_packages": unconfirmed,
        "missing_repositories": repos,
        "doubts": doubts,
    }
    if missing:
        yield failed(
            ctx.account_ref(),
            f"Containers here pull images but the VPC lacks the {missing[0]}, so pulls need an internet path.",
            **evidence,
        )
    elif unconfirmed:
        yield unknown(
            ctx.account_ref(),
            f"Instances here have no {unconfirmed[0]}: if they install packages rather than boot a baked image, installs need an internet path.",
            **evidence,
        )
    elif repos:
        if absence_is_proof(inventory, "codeartifact", "ecr"):
            yield failed(
                ctx.account_ref(),
                f"No {repos[0]} mirrors the software this compute installs.",
                **evidence,
            )
        else:
            yield unknown(
                ctx.account_ref(),
                f"No {repos[0]} in this inventory; the mirror may live in a shared-services account.",
                **evidence,
            )
    elif doubts:
        yield unknown(
            ctx.account_ref(),
            f"The artefact mirror cannot be fully checked: {doubts[0]}.",
            **evidence,
        )
    else:
        yield passed(
            ctx.account_ref(),
            "An artefact mirror and its endpoints serve the compute in this inventory.",
            **evidence,
        )


# --- AL-OPS-002 ------------------------------------------------------------------------


def perimeter_statement(stmt: Statement) -> bool:
    """A Deny that covers model invocation unless the request comes from our VPC/endpoint."""
    if not stmt.denies or stmt.covers_action(DATA_PLANE[0]) is not True:
        return False
    return any(c.negated and c.values for c in stmt.conditions_on(*NETWORK_KEYS))


def _perimeter(ctx: ScanContext) -> Iterator[Verdict]:
    policies = ctx.inventory.of(OrganizationPolicy)
    if not policies:
        if absence_is_proof(ctx.inventory, "organizations", "OrganizationPolicy"):
            yield failed(
                ctx.account_ref(),
                "No service or resource control policy binds credentials to the network.",
            )
        else:
            yield unknown(
                ctx.account_ref(),
                "No SCP or RCP in this inventory; data-perimeter policies live in the management account.",
            )
        return
    unreadable: list[str] = []
    for policy in policies:
        parsed = parse_policy(policy.document)
        if parsed is None or isinstance(parsed, Unresolved):
            unreadable.append(policy.id)
            continue
        if policy.policy_type == "SERVICE_CONTROL_POLICY":
            hit = next((s for s in parsed.denies if perimeter_statement(s)), None)
            if hit is not None:
                yield passed(
                    policy,
                    f"SCP {policy.id} denies Bedrock invocation outside the expected VPCs or endpoints.",
                    statement=hit.shown(),
                    targets=list(policy.targets),
                )
                return
    if unreadable:
        yield unknown(
            ctx.account_ref(), f"Organization policies {', '.join(unreadable)} cannot be read."
        )
    else:
        yield failed(
            ctx.account_ref(),
            f"None of the {len(policies)} organization policies denies Bedrock calls from outside the expected network.",
            policies=[p.id for p in policies],
        )


# --- AL-OPS-003 ------------------------------------------------------------------------


def _quota(ctx: ScanContext) -> Iterator[Verdict]:
    inventory = ctx.inventory
    per_vpc: dict[str, list[VpcEndpoint]] = {}
    unsure: dict[str, int] = {}
    for declared in inventory.of(Vpc):
        per_vpc.setdefault(declared.id, [])
    for endpoint in inventory.of(VpcEndpoint):
        vpc_ref = endpoint.vpc
        vpc = inventory.find(vpc_ref, Vpc) if isinstance(vpc_ref, str) else None
        key = (
            vpc.id
            if vpc is not None
            else vpc_ref
            if isinstance(vpc_ref, str)
            else "<unresolved VPC>"
        )
        kind = endpoint.endpoint_type
        if isinstance(kind, Unresolved):
            unsure[key] = unsure.get(key, 0) + 1
        elif kind in (EndpointType.INTERFACE, EndpointType.GATEWAY_LOAD_BALANCER):
            per_vpc.setdefault(key, []).append(endpoint)
    if not per_vpc and not unsure:
        yield not_applicable(ctx.account_ref(), "No VPC or endpoint in this inventory.")
        return
    limit = int(ENDPOINT_QUOTA_PER_VPC * ENDPOINT_QUOTA_WARN_RATIO)
    for key in sorted(set(per_vpc) | set(unsure)):
        endpoints = per_vpc.get(key, [])
        count, maybe = len(endpoints), unsure.get(key, 0)
        enis = sum(max(len(e.subnets), 1) for e in endpoints)
        vpc_resource = inventory.get(key, Vpc)
        ref: Vpc | ResourceRef = (
            vpc_resource if vpc_resource is not None else ResourceRef(type="vpc", id=key)
        )
        evidence = {
            "vpc": key,
            "interface_endpoints": count,
            "unresolved_type": maybe,
            "network_interfaces": enis,
            "quota": ENDPOINT_QUOTA_PER_VPC,
        }
        if count > limit:
            yield failed(
                ref,
                f"VPC {key} has {count} interface endpoints, above {limit} of the default quota of {ENDPOINT_QUOTA_PER_VPC}; request an increase before launch.",
                **evidence,
            )
        elif count + maybe > limit:
            yield unknown(
                ref,
                f"VPC {key} may exceed {limit} interface endpoints; {maybe} endpoint types are unresolved.",
                **evidence,
            )
        else:
            yield passed(
                ref,
                f"VPC {key} has {count} interface endpoints ({enis} network interfaces), within the default quota.",
                **evidence,
            )


_ctl = ControlFactory(Layer.OPERATIONS, ())


CONTROLS: tuple[Control, ...] = (
    _ctl(
        1,
        "An artefact mirror serves compute without internet",
        Severity.MEDIUM,
        "Sooner or later someone asks for an internet path to install one package; a mirror "
        "inside the perimeter (CodeArtifact, ECR) removes the reason.",
        "Create CodeArtifact and ECR repositories (pull-through or upstream connections) and the "
        "codeartifact.api, codeartifact.repositories, ecr.api and ecr.dkr interface endpoints in "
        "the workload VPC.",
        _mirror,
        topics=(Topic.SUPPLY_CHAIN, Topic.NETWORK_ISOLATION),
    ),
    _ctl(
        2,
        "Data-perimeter policies bind credentials to the network",
        Severity.HIGH,
        "An SCP that denies calls from outside the organization's VPCs protects every principal "
        "at once, including roles created after the scan.",
        "Attach the data-perimeter network SCP (deny when aws:SourceVpc/aws:SourceVpce is not "
        "the organization's, with aws:ViaAWSService exemptions) to the workload OU.",
        _perimeter,
        topics=(Topic.ACCESS_CONTROL, Topic.NETWORK_ISOLATION),
    ),
    _ctl(
        3,
        "Interface endpoints fit the VPC quota",
        Severity.LOW,
        f"The default quota is {ENDPOINT_QUOTA_PER_VPC} interface endpoints per VPC; a full "
        "reference deployment per VPC approaches it, and a quota increase takes days.",
        "Request a quota increase for interface endpoints per VPC before deployment, or share "
        "endpoints from a central VPC.",
        _quota,
        topics=(Topic.RESILIENCE,),
    ),
)

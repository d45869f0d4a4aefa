"""IAM principals, what kind of caller each one is, and the policies that apply to it.

Kinds of roles, read from the trust policy:

* **workload** -- assumed by compute that runs customer code (Lambda, EC2, ECS tasks, EKS
  pods, App Runner, CodeBuild, SageMaker) or through OIDC federation (EKS IRSA, CI). Its
  requests leave the VPC and can be bound to the VPC endpoint.
* **service role** -- assumed only by other AWS service principals (``bedrock.amazonaws.com``,
  ``cloudtrail.amazonaws.com``...). The service calls on its own network path, so endpoint
  conditions do not apply; confused-deputy conditions do.
* **human** -- assumed through SAML federation or by AWS principals (accounts, users, roles).

A role trusted by both compute and humans is a workload and is also judged as human where
that matters (session length).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from airlock.controls.aws_managed import known_statements, managed_name
from airlock.controls.model import ScanContext
from airlock.controls.statements import Statement, parse_policy, parse_statement
from airlock.inventory.identity import (
    Group,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    Role,
    SamlProvider,
    User,
)
from airlock.inventory.model import Inventory, PolicyValue, Unresolved, Val

Principal = Role | User | Group


class PrincipalClass(StrEnum):
    WORKLOAD = "workload role"
    SERVICE = "service role"
    HUMAN = "human or cross-account role"
    USER = "IAM user"
    GROUP = "IAM group"
    UNKNOWN = "role with an unreadable trust policy"


#: service principals (without the amazonaws.com suffix) that run customer code
COMPUTE_SERVICES = frozenset(
    {
        "lambda",
        "edgelambda",
        "ec2",
        "ecs-tasks",
        "pods.eks",
        "tasks.apprunner",
        "codebuild",
        "sagemaker",
    }
)
AWS_TABLE_MISS = "is not in Airlock's table"
_REGION_SUFFIX = re.compile(r"\.[a-z]{2}(-gov)?-[a-z]+-\d$")
_ASSUME = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithWebIdentity",
    "sts:AssumeRoleWithSAML",
)


def service_base(service: str) -> str:
    """``logs.eu-central-1.amazonaws.com`` -> ``logs``; ``pods.eks.amazonaws.com`` -> ``pods.eks``."""
    base = service.removesuffix(".cn").removesuffix(".amazonaws.com")
    return _REGION_SUFFIX.sub("", base)


@dataclass(frozen=True)
class Trust:
    klass: PrincipalClass
    services: tuple[str, ...] = ()
    #: OIDC providers: (provider reference, provider host when known, statement)
    oidc: tuple[tuple[str, str | None, Statement], ...] = ()
    saml: bool = False
    aws: tuple[str, ...] = ()
    statements: tuple[Statement, ...] = ()
    problem: str | None = None

    @property
    def human(self) -> bool:
        return self.saml or bool(self.aws)


def trust_of(ctx: ScanContext, role: Role) -> Trust:
    return ctx.analysis(f"trust:{role.id}", lambda: _trust(ctx.inventory, role))


def _trust(inventory: Inventory, role: Role) -> Trust:
    parsed = parse_policy(role.trust_policy)
    if parsed is None:
        return Trust(
            PrincipalClass.UNKNOWN, problem="the role's trust policy is not in the inventory"
        )
    if isinstance(parsed, Unresolved):
        return Trust(
            PrincipalClass.UNKNOWN, problem=f"the trust policy is unresolved: {parsed.reason}"
        )
    services: list[str] = []
    aws: list[str] = []
    oidc: list[tuple[str, str | None, Statement]] = []
    saml = False
    statements: list[Statement] = []
    unreadable = False
    for stmt in parsed.allows:
        if stmt.covers_any(_ASSUME) is False:
            continue
        statements.append(stmt)
        unreadable = unreadable or "Principal" in stmt.unresolved
        for kind, value in stmt.principals:
            if kind == "Service":
                services.append(value)
            elif kind in ("AWS", "*"):
                aws.append(value)
            elif kind == "Federated":
                provider = inventory.find(value, OidcProvider)
                if provider is not None or ":oidc-provider/" in value:
                    host = (
                        _host(provider.url)
                        if provider is not None
                        else value.split(":oidc-provider/", 1)[-1]
                    )
                    oidc.append((value, host, stmt))
                elif (
                    inventory.find(value, SamlProvider) is not None
                    or ":saml-provider/" in value
                    or stmt.covers_action("sts:AssumeRoleWithSAML") is True
                ):
                    saml = True
                elif stmt.covers_action("sts:AssumeRoleWithWebIdentity") is True:
                    oidc.append((value, None if ":" in value else value, stmt))
    compute = any(service_base(s) in COMPUTE_SERVICES for s in services)
    if compute or oidc:
        klass = PrincipalClass.WORKLOAD
    elif saml or aws:
        klass = PrincipalClass.HUMAN
    elif services and not unreadable:
        klass = PrincipalClass.SERVICE
    else:
        klass = PrincipalClass.UNKNOWN
    problem = "a trust-policy principal is unresolved" if unreadable else None
    if klass is PrincipalClass.UNKNOWN and problem is None:
        problem = "the trust policy names no principal Airlock can read"
    return Trust(klass, tuple(services), tuple(oidc), saml, tuple(aws), tuple(statements), problem)


def _host(url: Val[str]) -> str | None:
    if not isinstance(url, str):
        return None
    return url.removeprefix("https://").rstrip("/")


def classify(ctx: ScanContext, principal: Principal) -> PrincipalClass:
    if isinstance(principal, User):
        return PrincipalClass.USER
    if isinstance(principal, Group):
        return PrincipalClass.GROUP
    return trust_of(ctx, principal).klass


@dataclass(frozen=True)
class Attached:
    """One policy that applies to a principal."""

    name: str
    kind: str  # inline | managed | aws-managed | boundary | scp | group ...
    statements: tuple[Statement, ...]
    origin: str | None = None
    #: for SCPs whose targets may not include this account
    certain: bool = True


@dataclass(frozen=True)
class PolicySet:
    identity: tuple[Attached, ...]
    boundary: Attached | None
    #: a boundary is set but cannot be read
    boundary_problem: str | None
    organization: tuple[Attached, ...]
    #: identity policies that cannot be read
    problems: tuple[str, ...]
    #: organization policies that cannot be read (they may hold denies)
    organization_problems: tuple[str, ...] = ()

    @property
    def opaque(self) -> tuple[str, ...]:
        """Unreadable policies that may hold Deny statements. AWS managed policies missing from
        Airlock's table only grant (AWS publishes no deny in the policies a workload uses)."""
        return tuple(p for p in self.problems if AWS_TABLE_MISS not in p)

    def allows(self) -> list[tuple[Attached, Statement]]:
        return [(a, s) for a in self.identity for s in a.statements if s.allows]

    def denies(self) -> list[tuple[Attached, Statement]]:
        layers = [*self.identity, *self.organization]
        if self.boundary is not None:
            layers.append(self.boundary)
        return [(a, s) for a in layers for s in a.statements if s.denies]


def principals(inventory: Inventory) -> list[Principal]:
    return [*inventory.of(Role), *inventory.of(User), *inventory.of(Group)]


def policy_set(ctx: ScanContext, principal: Principal) -> PolicySet:
    cache: dict[int, tuple[Statement, ...] | str] = ctx.analysis("parsed-documents", dict)
    return ctx.analysis(
        f"policy-set:{principal.id}", lambda: _policy_set(_Reader(ctx.inventory, cache), principal)
    )


@dataclass(frozen=True)
class _Reader:
    """The inventory plus parsed documents shared by every principal of one scan (a managed
    policy attached to 400 roles is parsed once; the documents live as long as the scan)."""

    inventory: Inventory
    cache: dict[int, tuple[Statement, ...] | str]

    def statements(self, document: PolicyValue) -> tuple[Statement, ...] | str:
        key = id(document)
        if key not in self.cache:
            self.cache[key] = _statements(document)
        return self.cache[key]


def _policy_set(reader: _Reader, principal: Principal) -> PolicySet:
    inventory = reader.inventory
    attached: list[Attached] = []
    problems: list[str] = []
    _own(reader, principal, "", attached, problems)
    if isinstance(principal, User):
        for ref in principal.groups:
            group = inventory.find(ref, Group) if isinstance(ref, str) else None
            if group is None:
                problems.append(f"group {_show(ref)} is not in the inventory")
            else:
                _own(reader, group, f"group {group.id}: ", attached, problems)
    boundary: Attached | None = None
    boundary_problem: str | None = None
    if not isinstance(principal, Group) and principal.permissions_boundary is not None:
        found = _managed(reader, principal.permissions_boundary, "boundary")
        if isinstance(found, str):
            boundary_problem = found
        else:
            boundary = found
    organization, org_problems = _organization(inventory)
    return PolicySet(
        tuple(attached), boundary, boundary_problem, organization, tuple(problems), org_problems
    )


def _own(
    reader: _Reader, principal: Principal, label: str, out: list[Attached], problems: list[str]
) -> None:
    for named in principal.inline_policies:
        statements = _statements(named.document)
        if isinstance(statements, str):
            problems.append(f"{label}inline policy {named.name}: {statements}")
        else:
            out.append(
                Attached(f"{label}{named.name}", "inline", statements, named.origin or principal.id)
            )
    seen: set[str] = set()
    for ref in principal.managed_policies:
        found = _managed(reader, ref, "managed")
        if isinstance(found, str):
            problems.append(f"{label}{found}")
        else:
            seen.add(found.origin or found.name)
            out.append(Attached(f"{label}{found.name}", found.kind, found.statements, found.origin))
    names = _names(principal)
    for policy in reader.inventory.of(ManagedPolicy):
        if policy.id in seen:
            continue
        holders = (
            policy.roles
            if isinstance(principal, Role)
            else policy.users
            if isinstance(principal, User)
            else policy.groups
        )
        if any(isinstance(h, str) and h in names for h in holders):
            statements = reader.statements(policy.document)
            if isinstance(statements, str):
                problems.append(f"{label}managed policy {policy.id}: {statements}")
            else:
                out.append(Attached(f"{label}{policy.id}", "managed", statements, policy.id))


def _managed(reader: _Reader, ref: Val[str], kind: str) -> Attached | str:
    inventory = reader.inventory
    if isinstance(ref, Unresolved):
        return f"a {kind} policy is unresolved ({ref.reason})"
    policy = inventory.find(ref, ManagedPolicy)
    if policy is not None:
        statements = reader.statements(policy.document)
        if isinstance(statements, str):
            return f"managed policy {policy.id}: {statements}"
        return Attached(policy.id, kind, statements, policy.id)
    name = managed_name(ref)
    if name is None:
        return f"customer managed policy {ref} is not in the inventory"
    known = known_statements(name)
    if known is None:
        return f"AWS managed policy {name} {AWS_TABLE_MISS}"
    stmts = tuple(parse_statement(raw, i) for i, raw in enumerate(known))
    return Attached(name, "aws-managed" if kind == "managed" else kind, stmts, None)


def _statements(document: PolicyValue) -> tuple[Statement, ...] | str:
    parsed = parse_policy(document)
    if parsed is None:
        return ()
    if isinstance(parsed, Unresolved):
        return f"unresolved ({parsed.reason})"
    if parsed.problems:
        return "; ".join(parsed.problems)
    return parsed.statements


def _names(principal: Principal) -> set[str]:
    names = {principal.id}
    for value in (principal.name, principal.arn, principal.aws_id):
        if isinstance(value, str):
            names.add(value)
    return names


def _organization(inventory: Inventory) -> tuple[tuple[Attached, ...], tuple[str, ...]]:
    account = inventory.source.account
    out: list[Attached] = []
    problems: list[str] = []
    for policy in inventory.of(OrganizationPolicy):
        if policy.policy_type != "SERVICE_CONTROL_POLICY":
            continue
        statements = _statements(policy.document)
        if isinstance(statements, str):
            problems.append(f"SCP {policy.id}: {statements}")
            continue
        certain = any(
            isinstance(t, str) and (t == account or t.startswith("r-")) for t in policy.targets
        )
        out.append(Attached(policy.id, "scp", statements, policy.id, certain))
    return tuple(out), tuple(problems)


def principal_arn(principal: Principal) -> str | None:
    if isinstance(principal.arn, str):
        return principal.arn
    return None


def _show(ref: Val[str]) -> str:
    return ref if isinstance(ref, str) else f"<unresolved: {ref.reason}>"

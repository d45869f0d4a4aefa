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
from enum import StrEnum

from msgspec import Struct

from airlock.controls.model import ScanContext
from airlock.controls.statements import Statement, parse_policy
from airlock.inventory.identity import (
    Group,
    OidcProvider,
    Role,
    SamlProvider,
    User,
)
from airlock.inventory.model import Inventory, Unresolved, Val

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


class Trust(Struct, frozen=True):
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


def principals(inventory: Inventory) -> list[Principal]:
    return [*inventory.of(Role), *inventory.of(User), *inventory.of(Group)]


def principal_arn(principal: Principal) -> str | None:
    if isinstance(principal.arn, str):
        return principal.arn
    return None

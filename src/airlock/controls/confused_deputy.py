"""Service roles and the confused deputy -- evaluated on the role's trust policy.

A service role is assumed by an AWS service on behalf of a resource (a Bedrock agent, a trail,
a flow log). Services that report the calling resource put ``aws:SourceAccount`` and
``aws:SourceArn`` in the ``sts:AssumeRole`` request, and the trust policy should pin them;
otherwise a resource in *another* account can point the same service at this role.

:func:`deputy_exposure` asks the evaluator, for each such service the trust policy names:
can the service assume the role for a resource of another account -- ``aws:SourceAccount``
``999999999999``, ``aws:SourceArn`` absent or an ARN of that account (one per pattern the
trust policy compares it with, and one it names nowhere), ``aws:SourceOrgID`` not ours? The
trust policy is the resource policy of the role (RCPs of the account apply too).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airlock.analysis.policy import ABSENT, ContextInput, Excluding, PolicyKind, Principal, Verdict
from airlock.controls.authorization import Authorization, Subject, authorization
from airlock.controls.judgement import Judgement, no, undecided, yes
from airlock.controls.model import ScanContext
from airlock.controls.principals import service_base
from airlock.inventory.identity import Role

#: AWS services that put aws:SourceAccount / aws:SourceArn in the request when they assume a
#: role, so a trust policy can pin the calling resource
DEPUTY_SERVICES = frozenset(
    {
        "bedrock",
        "cloudtrail",
        "logs",
        "delivery.logs",
        "vpc-flow-logs",
        "events",
        "scheduler",
        "config",
    }
)
OTHER_ACCOUNT = "999999999999"
_ASSUME = "sts:AssumeRole"


def _source_arns(trust_values: set[str], service: str, region: str) -> list[str]:
    """ARNs of resources in the other account: each pattern the trust policy compares
    ``aws:SourceArn`` with, moved to that account, and one it names nowhere."""
    found: list[str] = []
    for value in sorted(trust_values):
        parts = value.split(":")
        if len(parts) < 6 or parts[0] != "arn":
            continue
        parts[4] = OTHER_ACCOUNT
        found.append(":".join(parts).replace("*", "x").replace("?", "x"))
    found.append(f"arn:aws:{service}:{region}:{OTHER_ACCOUNT}:airlock-other/resource")
    return list(dict.fromkeys(found))


def _contexts(
    auth: Authorization, trust_values: dict[str, set[str]], service: str
) -> Iterator[dict[str, ContextInput]]:
    base: dict[str, ContextInput] = {
        "aws:SourceAccount": OTHER_ACCOUNT,
        "aws:SourceOrgID": Excluding.of(sorted(trust_values.get("aws:sourceorgid", ()))),
        "aws:SourceOrgPaths": ABSENT,
    }
    yield {**base, "aws:SourceArn": ABSENT}
    for arn in _source_arns(trust_values.get("aws:sourcearn", set()), service, auth.region):
        yield {**base, "aws:SourceArn": arn}


def deputy_exposure(ctx: ScanContext, role: Role) -> Judgement | None:
    """Can another account's resource make a trusted service assume ``role``? (YES is bad;
    None: the trust policy names no service that reports its caller)."""
    if role.trust_policy is None:
        return None
    auth = authorization(ctx)
    trust = auth.book.attached(role.trust_policy, PolicyKind.TRUST, "trust policy")
    services = sorted(
        {
            entry.value
            for stmt in trust.statements
            if stmt.principals is not None
            for entry in stmt.principals
            if entry.type == "Service" and service_base(entry.value) in DEPUTY_SERVICES
        }
    )
    if not services:
        return None
    values: dict[str, set[str]] = {}
    for stmt in trust.statements:
        for clause in stmt.conditions:
            values.setdefault(clause.key, set()).update(clause.values)
    target = auth.subject(role)
    unknown: list[dict[str, Any]] = []
    for service in services:
        caller = Subject(Principal.service(service), (), None, f"service {service}")
        for context in _contexts(auth, values, service_base(service).split(".")[-1]):
            answer = auth.ask(
                caller, _ASSUME, target.principal.arn, resource_policy=trust,
                resource_account=target.principal.account, rcp_service=True, context=context,
            )  # fmt: skip
            if answer.status is Verdict.ALLOW:
                proof = auth.evidence(answer)
                statements = [d["statement"] for d in proof["deciding"] if "statement" in d]
                return yes(
                    f"Role {role.id} trusts {service} without pinning the calling resource, so a resource of another account can make the service assume it.",
                    statements=statements,
                    counterexample=proof.get("counterexample", {}),
                    proof=proof,
                )
            if answer.status is Verdict.UNKNOWN:
                unknown.append(auth.evidence(answer))
    if unknown:
        return undecided(
            f"Whether another account can make a trusted service assume role {role.id} cannot be decided: {unknown[0]['reason']}.",
            proof=unknown[:3],
        )
    return no(
        f"Role {role.id} pins the calling service's source account or resource.",
        services=services,
        other_account=OTHER_ACCOUNT,
    )

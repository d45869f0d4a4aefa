"""Which principals can perform an action on a resource (e.g. who can decrypt with a key).

Each known principal (an :class:`~.policy_set.Identity` with its own identity policies and
boundary) is evaluated with :func:`~.query.can` against the shared layers (resource or key
policy, grants, SCPs, RCPs, endpoints). Principals the resource policy or the grants name but
that are not in the known set — other accounts, ``*``, external roles, services — are listed
as external access: their own account's policies decide, so they are UNKNOWN unless they
need no identity side (service principals named without conditions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from msgspec import Struct
from msgspec.structs import replace

from .answer import Answer, Verdict
from .context import ContextInput
from .document import Effect, StatementRef
from .plan import grant_statement
from .policy_set import Identity, PolicySet
from .query import can


class Access(Struct, frozen=True):
    principal: str
    status: Verdict  # ALLOW or UNKNOWN
    reason: str
    via: tuple[StatementRef, ...] = ()
    external: bool = False
    answer: Answer | None = None


def _external(
    action: str, resource: str, shared: PolicySet, known_arns: set[str], known_accounts: set[str]
) -> list[Access]:
    found: list[Access] = []
    statements = []
    if shared.resource_policy is not None:
        statements += list(shared.resource_policy.statements_for(action))
    statements += [grant_statement(g, i) for i, g in enumerate(shared.grants) if g.covers(action)]
    for stmt in statements:
        if stmt.effect is not Effect.ALLOW or stmt.principals is None or stmt.not_principal:
            continue
        if (
            stmt.resources is not None
            and stmt.resources._regex is not None
            and not stmt.resources.matches_static(resource)
        ):
            continue
        conditional = " (conditional)" if stmt.conditions else ""
        for entry in stmt.principals:
            value = entry.value
            account = (
                value if value.isdigit() else (value.split(":")[4] if value.count(":") >= 5 else "")
            )
            if value in known_arns or (value.endswith(":root") and account in known_accounts):
                continue
            if value.isdigit() and value in known_accounts:
                continue
            if entry.type == "Service" and not stmt.conditions:
                status, why = Verdict.ALLOW, f"service {value} is named by {stmt.ref}"
            elif value == "*":
                status, why = (
                    Verdict.UNKNOWN,
                    f"anyone{conditional} whose own account allows it, by {stmt.ref}",
                )
            elif value.endswith(":root") or value.isdigit():
                status, why = (
                    Verdict.UNKNOWN,
                    f"principals of account {account} whose IAM policies allow it{conditional}, by {stmt.ref}",
                )
            else:
                status, why = (
                    Verdict.UNKNOWN,
                    f"{value} is named{conditional} by {stmt.ref}; its own policies decide",
                )
            found.append(Access(value, status, why, (stmt.ref,), True))
    return found


def who_can(
    action: str,
    resource: str,
    identities: Iterable[Identity],
    shared: PolicySet,
    *,
    fixed_context: Mapping[str, ContextInput] | None = None,
) -> tuple[Access, ...]:
    """Known principals that can (ALLOW) or may (UNKNOWN) do it, then external access."""
    found: list[Access] = []
    known_arns: set[str] = set()
    known_accounts: set[str] = set()
    for identity in identities:
        principal = identity.principal
        known_arns.add(principal.arn)
        if principal.account:
            known_accounts.add(principal.account)
        policies = replace(
            shared,
            identity=identity.policies,
            boundary=identity.boundary,
            scps=identity.scps if identity.scps is not None else shared.scps,
        )
        answer = can(principal, action, resource, policies, fixed_context=fixed_context)
        if answer.status is not Verdict.DENY:
            found.append(
                Access(principal.arn, answer.status, answer.reason, answer.deciding, False, answer)
            )
    return tuple(found + _external(action, resource, shared, known_arns, known_accounts))

"""Open principals: Allow statements that let anyone (``*``) or a whole untrusted account in.

A statement is *open* when, for a caller outside our trust zone, some request context makes
all its conditions true. The check is semantic (the same enumeration as :func:`.can`), so a
condition restricts only if it really does: ``StringEquals aws:PrincipalOrgID`` does,
``StringLike aws:SourceVpce "*"``, ``...IfExists`` forms and negated operators do not.

The outsider is a role in another account (``999999999999``) in no organization of ours; it
cannot use our endpoints or VPCs, cannot present our accounts/ARNs/org as ``aws:Source*``,
and calls from a public address. Everything else (``kms:ViaService``, encryption context,
``aws:CalledVia``...) it may choose.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from itertools import islice, product

from msgspec import Struct, field

from .answer import Verdict
from .candidates import Candidate, key_candidates
from .condition import ConditionClause
from .context import ABSENT, Absent, ContextValue, Excluding, ShownValue, display_name
from .document import Effect, PolicyDocument, Statement, StatementRef
from .principal import Principal, PrincipalKind, principal_context
from .truth import Truth, all_of

OUTSIDER_ACCOUNT = "999999999999"
_ORIGIN_KEYS = (
    "aws:sourcevpce", "aws:sourcevpc", "aws:sourcevpcarn", "aws:vpceaccount", "aws:vpceorgid",
    "aws:vpceorgpaths", "aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid",
    "aws:sourceorgpaths", "aws:sourceowner", "aws:vpcsourceip", "aws:principalorgid",
    "aws:principalorgpaths",
)  # fmt: skip
_LIMIT = 4096


class OpenPrincipal(Struct, frozen=True):
    ref: StatementRef
    principal: str  # "*" or the account as written
    status: Verdict  # ALLOW: open; UNKNOWN: conditions could not be evaluated
    reason: str
    context: dict[str, ShownValue] = field(default_factory=dict)


def _is_account(value: str) -> str | None:
    if value.isdigit() and len(value) == 12:
        return value
    parts = value.split(":")
    if len(parts) == 6 and parts[2] == "iam" and parts[5] == "root" and parts[4].isdigit():
        return parts[4]
    return None


def _outsider(account: str) -> Principal:
    return Principal(
        f"arn:aws:iam::{account}:role/airlock-outsider",
        account,
        PrincipalKind.ROLE,
    )


def satisfiable(
    clauses: Sequence[ConditionClause],
    base: dict[str, ContextValue],
    constraints: dict[str, Excluding],
) -> tuple[Truth, dict[str, ContextValue] | None]:
    """Is there a context (extending ``base``) making every clause true? With a witness."""
    keys = sorted({c.key for c in clauses if c.key not in base})
    by_key = {k: [c for c in clauses if c.key == k] for k in keys}
    options: list[tuple[Candidate, ...]] = []
    for key in keys:
        options.append(key_candidates(key, by_key[key], base, constraints.get(key)).values)
    result = Truth.FALSE
    for combo in islice(product(*options), _LIMIT):
        context = dict(base)
        for key, value in zip(keys, combo, strict=True):
            if not isinstance(value, Absent):
                context[key] = value
        truth = all_of(clause.evaluate(context) for clause in clauses)
        if truth is Truth.TRUE:
            return truth, context
        if truth is Truth.UNKNOWN:
            result = Truth.UNKNOWN
    return result, None


def _open(stmt: Statement, account: str) -> tuple[Truth, dict[str, ContextValue] | None]:
    values, _ = principal_context(_outsider(account))
    values["aws:sourceip"] = "203.0.113.10"
    values["aws:userid"] = "AROAAIRLOCKOUTSIDER:session"
    constraints: dict[str, Excluding] = {}
    for key in _ORIGIN_KEYS:
        literals = tuple(v for c in stmt.conditions if c.key == key for v in c.values)
        constraints[key] = Excluding(literals)
    return satisfiable(stmt.conditions, values, constraints)


def open_principals(
    policy: PolicyDocument, trusted_accounts: Collection[str] = ()
) -> tuple[OpenPrincipal, ...]:
    """Allow statements open to ``*`` or to an account outside ``trusted_accounts``."""
    found: list[OpenPrincipal] = []
    for stmt in policy.statements:
        if stmt.effect is not Effect.ALLOW or stmt.inert:
            continue
        if stmt.principals is None or stmt.not_principal:
            if stmt.issues:  # a Principal we cannot read may be open: fail closed
                found.append(
                    OpenPrincipal(
                        stmt.ref, "?", Verdict.UNKNOWN, f"{stmt.ref} may be open: {stmt.issues[0]}"
                    )
                )
            continue
        for entry in stmt.principals:
            if entry.value == "*" and entry.type in ("*", "AWS"):
                account, label = OUTSIDER_ACCOUNT, "*"
            elif entry.type == "AWS" and (named := _is_account(entry.value)) is not None:
                if named in trusted_accounts:
                    continue
                account, label = named, entry.value
            else:
                continue
            truth, context = _open(stmt, account)
            if truth is Truth.FALSE:
                continue
            if truth is Truth.UNKNOWN or stmt.issues:
                issues = stmt.issues + stmt.condition_issues
                why = issues[0] if issues else "conditions could not be evaluated"
                found.append(
                    OpenPrincipal(
                        stmt.ref, label, Verdict.UNKNOWN, f"{stmt.ref} may be open: {why}"
                    )
                )
                continue
            assert context is not None
            keys = sorted({c.key for c in stmt.conditions})
            shown: dict[str, ShownValue] = {display_name(k): context.get(k, ABSENT) for k in keys}
            who = "anyone" if label == "*" else f"account {account}"
            cond = (
                "with no restricting condition"
                if not keys
                else "and its conditions do not restrict the caller"
            )
            found.append(
                OpenPrincipal(
                    stmt.ref, label, Verdict.ALLOW, f"{stmt.ref} allows {who} {cond}", shown
                )
            )
    return tuple(found)

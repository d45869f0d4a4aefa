"""Who can decrypt with a key -- the pattern-level answer.

:func:`decrypt_access` is the one place that answers "who can decrypt key K?". It reads the
key policy and the KMS grants in the inventory:

* principals the key policy names in an Allow that covers ``kms:Decrypt`` (IAM ARNs, AWS
  service principals) and grantees of grants whose operations include ``Decrypt``;
* *delegations*: the account root (or an account id, or ``*`` pinned to an account,
  organization or network path). Who can decrypt through a delegation depends on identity
  policies, boundaries and SCPs -- the policy evaluator's job. Until it is wired in, a
  delegation leaves the answer open;
* open statements (``*`` with no restricting condition).

A Deny on ``kms:Decrypt`` for ``Principal: "*"`` whose only condition is a negated match on
``aws:PrincipalArn`` (the "everyone except these roles" guard) narrows every delegation to the
listed ARNs.
"""

from __future__ import annotations

from dataclasses import dataclass

from airlock.controls.coverage import absence_is_proof
from airlock.controls.key_policy import is_open, restricts, root_account
from airlock.controls.keys import resolve_key
from airlock.controls.model import ScanContext
from airlock.controls.principals import policy_set, principal_arn, principals
from airlock.controls.statements import (
    HOME_ACCOUNT,
    Condition,
    ParsedPolicy,
    Statement,
    arn_match,
    glob_match,
    parse_policy,
)
from airlock.inventory.encryption import KmsGrant, KmsKey, KmsReplicaKey
from airlock.inventory.model import Unresolved

DECRYPT = "kms:Decrypt"


@dataclass(frozen=True)
class DecryptAccess:
    #: IAM principal ARNs and service principals named for Decrypt
    named: tuple[str, ...] = ()
    #: scopes whose identity-side policies decide ("account 123456789012")
    delegated: tuple[str, ...] = ()
    #: Allow statements anyone can use
    open: tuple[Statement, ...] = ()
    grantees: tuple[str, ...] = ()
    #: reasons the answer is incomplete
    unknown: tuple[str, ...] = ()
    #: every key-policy Allow that covers Decrypt, for evidence
    statements: tuple[Statement, ...] = ()
    #: the "everyone except" guard, when present
    guard: tuple[str, ...] = ()
    #: principals found through a delegation to the account's IAM policies
    through_iam: tuple[str, ...] = ()

    def shown(self) -> dict[str, object]:
        return {
            "named": list(self.named),
            "delegated": list(self.delegated),
            "grantees": list(self.grantees),
            "open_statements": [s.shown() for s in self.open],
            "deny_guard": list(self.guard),
            "through_iam": list(self.through_iam),
        }


def decrypt_access(ctx: ScanContext, key: KmsKey | KmsReplicaKey) -> DecryptAccess:
    """Who can decrypt with ``key``: the one function the policy evaluator replaces."""
    return ctx.analysis(
        f"decrypt-access:{key.id}", lambda: _resolve_delegation(ctx, key, _decrypt_access(ctx, key))
    )


def _resolve_delegation(
    ctx: ScanContext, key: KmsKey | KmsReplicaKey, access: DecryptAccess
) -> DecryptAccess:
    """With a complete view of the account, a delegation to the account is the set of its
    principals whose identity policies allow kms:Decrypt on the key (conditions and denies
    can only shrink that set, so the list is an upper bound)."""
    home = ctx.inventory.source.account
    own = {f"account {home}"} if isinstance(home, str) else set()
    if not access.delegated or not set(access.delegated) <= own:
        return access
    if not absence_is_proof(ctx.inventory, "iam"):
        return access
    arn = key.arn if isinstance(key.arn, str) else None
    found: list[str] = []
    unknown: list[str] = list(access.unknown)
    for principal in principals(ctx.inventory):
        ps = policy_set(ctx, principal)
        if ps.problems:
            unknown.append(f"{principal.id}: {ps.problems[0]}")
        for _, stmt in ps.allows():
            if stmt.covers_action(DECRYPT) is not True:
                continue
            if arn is None or stmt.not_resource or any(arn_match(r, arn) for r in stmt.resources):
                found.append(principal_arn(principal) or principal.id)
                break
    return DecryptAccess(
        named=tuple(dict.fromkeys([*access.named, *found])),
        delegated=(),
        open=access.open,
        grantees=access.grantees,
        unknown=tuple(unknown),
        statements=access.statements,
        guard=access.guard,
        through_iam=tuple(found),
    )


def _decrypt_access(ctx: ScanContext, key: KmsKey | KmsReplicaKey) -> DecryptAccess:
    grantees, grant_unknown = _grantees(ctx, key)
    parsed = parse_policy(key.policy)
    home = key.account if isinstance(key.account, str) else ctx.inventory.source.account
    home_name = f"account {home}" if isinstance(home, str) else "the key's account"
    if parsed is None:  # the default key policy: the account root gets kms:*
        return DecryptAccess(delegated=(home_name,), grantees=grantees, unknown=grant_unknown)
    if isinstance(parsed, Unresolved):
        return DecryptAccess(
            grantees=grantees,
            unknown=(f"the key policy is unresolved: {parsed.reason}", *grant_unknown),
        )
    return _from_policy(parsed, grantees, grant_unknown)


def _from_policy(
    parsed: ParsedPolicy, grantees: tuple[str, ...], grant_unknown: tuple[str, ...]
) -> DecryptAccess:
    named: list[str] = []
    delegated: list[str] = []
    opened: list[Statement] = []
    unknown: list[str] = list(grant_unknown) + list(parsed.problems)
    relevant: list[Statement] = []
    for stmt in parsed.allows:
        covers = stmt.covers_action(DECRYPT)
        if covers is False or not stmt.has_resource_element:
            continue
        if covers is None:
            unknown.append(f"statement {stmt.index} has unresolved actions")
            continue
        relevant.append(stmt)
        if "Principal" in stmt.unresolved:
            unknown.append(f"statement {stmt.index} has an unresolved principal")
        if is_open(stmt):
            opened.append(stmt)
            continue
        pins = [c for c in stmt.conditions if restricts(c)]
        for kind, value in stmt.principals:
            account = root_account(value) if kind == "AWS" else None
            if value == "*":
                delegated.append("callers matching " + "; ".join(_shown(c) for c in pins))
            elif account == HOME_ACCOUNT:
                delegated.append("the account the template is deployed to")
            elif account is not None:
                delegated.append(f"account {account}")
            else:
                named.append(value)
    guard = _deny_guard(parsed)
    if guard and not opened:
        # everyone outside the guard is denied: at most the guard's ARNs can decrypt
        named = [
            n for n in named if not n.startswith("arn:") or any(glob_match(g, n) for g in guard)
        ]
        if delegated:
            named += [g for g in guard if g not in named]
        delegated = []
    return DecryptAccess(
        named=tuple(dict.fromkeys(named)),
        delegated=tuple(dict.fromkeys(delegated)),
        open=tuple(opened),
        grantees=grantees,
        unknown=tuple(unknown),
        statements=tuple(relevant),
        guard=guard,
    )


def _shown(condition: Condition) -> str:
    return f"{condition.operator} {condition.key}={list(condition.values)}"


def _deny_guard(parsed: ParsedPolicy) -> tuple[str, ...]:
    """ARNs exempted by a blanket "Deny Decrypt to everyone except" statement."""
    for stmt in parsed.denies:
        if stmt.covers_action(DECRYPT) is not True or not stmt.open_principal:
            continue
        if stmt.not_resource or "*" not in stmt.resources:
            continue
        if len(stmt.conditions) != 1:
            continue
        cond = stmt.conditions[0]
        if cond.on("aws:PrincipalArn") and cond.negated and cond.values and not cond.unresolved:
            return cond.values
    return ()


def _grantees(
    ctx: ScanContext, key: KmsKey | KmsReplicaKey
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    found: list[str] = []
    unknown: list[str] = []
    for grant in ctx.inventory.of(KmsGrant):
        target = resolve_key(ctx.inventory, grant.key)
        if target.key is None or target.key.id != key.id:
            if isinstance(grant.key, Unresolved):
                unknown.append(f"grant {grant.id} names an unresolved key")
            continue
        ops = [op for op in grant.operations if isinstance(op, str)]
        if "Decrypt" not in ops and len(ops) == len(grant.operations):
            continue
        principal = grant.grantee_principal
        if isinstance(principal, Unresolved):
            unknown.append(f"grant {grant.id} has an unresolved grantee")
        else:
            found.append(principal)
    return tuple(found), tuple(unknown)

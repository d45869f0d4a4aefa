"""The layered decision for one concrete request context (IAM evaluation logic).

1. An explicit ``Deny`` in any applicable policy (identity, boundary, session, SCP, RCP,
   resource policy, endpoint policy on the path) denies.
2. Every SCP level must allow (for IAM callers of member accounts), and the policy of the VPC
   endpoint the request goes through (``aws:SourceVpce``) must allow.
3. Then a grant is needed. Same account: the identity side (identity ∩ boundary ∩ session) or
   a resource policy naming the caller directly (a role ARN is still capped by boundary and
   session policy). KMS key policies and role trust policies must themselves allow; naming
   the account only delegates to the identity side. Cross-account: both sides must allow.

Exception: the bucket owner's root user may get/put/delete its bucket policy even when the
bucket policy denies it (only SCPs/RCPs and endpoint policies can stop it).
"""

from __future__ import annotations

from collections.abc import Mapping

from msgspec import Struct, field

from .answer import Verdict
from .context import EvalValue, Unresolved
from .document import Effect, PolicyKind, StatementRef, Targets
from .plan import Candidate, Layer, Plan
from .principal import Naming, PrincipalKind
from .truth import Truth, all_of, any_of
from .variables import substitute, variable_keys
from .wildcard import Glob

Context = Mapping[str, EvalValue]


class Outcome(Struct, frozen=True):
    verdict: Verdict
    reason: str
    deciding: tuple[StatementRef, ...] = ()
    unknowns: tuple[str, ...] = ()


class _Tally(Struct):
    allow: Truth = Truth.FALSE
    deny: Truth = Truth.FALSE
    allow_refs: list[StatementRef] = field(default_factory=list)
    deny_refs: list[StatementRef] = field(default_factory=list)
    by_naming: dict[Naming, Truth] = field(default_factory=dict)


def _dynamic_resource(targets: Targets, resource: str, context: Context) -> Truth:
    def lookup(key: str) -> str | None:
        value = context.get(key)
        return value if isinstance(value, str) else None

    if any(
        isinstance(context.get(k), Unresolved) for p in targets.patterns for k in variable_keys(p)
    ):
        return Truth.UNKNOWN
    hit = False
    for pattern in targets.patterns:
        resolved = substitute(pattern, lookup)
        if resolved is not None and Glob.arn(resolved).matches(resource):
            hit = True
            break
    return Truth.of(hit != targets.negated)


def statement_truth(cand: Candidate, resource: str, context: Context) -> Truth:
    result = cand.static
    stmt = cand.stmt
    res = stmt.resources
    if res is not None and res._regex is None:
        matched = _dynamic_resource(res, resource, context)
        if matched is Truth.FALSE:
            return Truth.FALSE
        if matched is Truth.UNKNOWN:
            result = Truth.UNKNOWN
    for clause in stmt.conditions:
        value = clause.evaluate(context)
        if value is Truth.FALSE:
            return Truth.FALSE
        if value is Truth.UNKNOWN:
            result = Truth.UNKNOWN
    return result


def _tally(layer: Layer, resource: str, context: Context, unknowns: list[str]) -> _Tally:
    tally = _Tally()
    for cand in layer.candidates:
        truth = statement_truth(cand, resource, context)
        if truth is Truth.FALSE:
            continue
        stmt = cand.stmt
        if truth is Truth.UNKNOWN:
            issues = stmt.issues + stmt.condition_issues
            unknowns.append(f"{stmt.ref}: {issues[0] if issues else 'cannot be evaluated'}")
        if stmt.effect is not Effect.DENY:
            tally.allow = any_of((tally.allow, truth))
            tally.by_naming[cand.naming] = any_of(
                (tally.by_naming.get(cand.naming, Truth.FALSE), truth)
            )
            if truth is Truth.TRUE:
                tally.allow_refs.append(stmt.ref)
        if stmt.effect is not Effect.ALLOW:
            tally.deny = any_of((tally.deny, truth))
            if truth is Truth.TRUE:
                tally.deny_refs.append(stmt.ref)
    return tally


def _naming(tally: _Tally | None, naming: Naming) -> Truth:
    return Truth.FALSE if tally is None else tally.by_naming.get(naming, Truth.FALSE)


def decide(plan: Plan, context: Context) -> Outcome:
    resource = plan.resource
    unknowns: list[str] = []

    def tally(layer: Layer | None) -> _Tally | None:
        return None if layer is None else _tally(layer, resource, context, unknowns)

    identity, boundary, session = tally(plan.identity), tally(plan.boundary), tally(plan.session)
    scps = [_tally(level, resource, context, unknowns) for level in plan.scp_levels]
    rcps, rbp, grants = tally(plan.rcps), tally(plan.resource_layer), tally(plan.grants)
    endpoint_id = context.get("aws:sourcevpce")
    if isinstance(endpoint_id, Unresolved) and any(plan.endpoints.values()):
        return Outcome(Verdict.UNKNOWN, "the network path is not chosen yet")
    on_path = isinstance(endpoint_id, str) and endpoint_id in plan.endpoints
    endpoint = (
        tally(plan.endpoints[endpoint_id]) if on_path and isinstance(endpoint_id, str) else None
    )

    deny_sources = [identity, boundary, session, *scps, rcps, endpoint]
    if not plan.root_bucket_owner:
        deny_sources.append(rbp)
    present = [t for t in deny_sources if t is not None]
    deny = any_of(t.deny for t in present)
    if deny is Truth.TRUE:
        refs = tuple(ref for t in present for ref in t.deny_refs)
        return Outcome(Verdict.DENY, f"explicitly denied by {refs[0]}", refs)

    failures: list[tuple[Truth, str]] = []
    for level, t in zip(plan.scp_levels, scps, strict=True):
        failures.append((t.allow, f"no statement in the {level.label} allows it"))
    if endpoint is not None:
        failures.append((endpoint.allow, f"the endpoint policy of {endpoint_id} does not allow it"))
    failures.append(_grant(plan, identity, boundary, session, rbp, grants))
    allowed = all_of([*(truth for truth, _ in failures), deny.negate()])
    if allowed is Truth.TRUE:
        refs = tuple(
            dict.fromkeys(
                ref
                for t in (identity, boundary, session, *scps, rbp, grants, endpoint)
                if t is not None
                for ref in t.allow_refs
            )
        )
        return Outcome(Verdict.ALLOW, "allowed", refs)
    if allowed is Truth.FALSE:
        reason = next(text for truth, text in failures if truth is Truth.FALSE)
        return Outcome(Verdict.DENY, f"implicitly denied: {reason}")
    detail = unknowns[0] if unknowns else "a policy could not be evaluated"
    return Outcome(Verdict.UNKNOWN, f"cannot decide: {detail}", unknowns=tuple(unknowns))


def _grant(
    plan: Plan,
    identity: _Tally | None,
    boundary: _Tally | None,
    session: _Tally | None,
    rbp: _Tally | None,
    grants: _Tally | None,
) -> tuple[Truth, str]:
    """Whether some policy grants the request, and why not when it does not."""
    kind = plan.resource_kind
    label = f"the {kind.value} policy" if kind is not None else "a resource policy"
    direct = any_of(
        (_naming(rbp, Naming.DIRECT), _naming(grants, Naming.DIRECT), _naming(grants, Naming.ROLE))
    )
    if identity is None:  # service principals, anonymous and federated callers
        return direct, f"{label} does not allow this caller"
    if plan.principal.kind is PrincipalKind.ROOT:
        id_side = Truth.TRUE
    else:
        id_side = all_of(
            (
                identity.allow,
                boundary.allow if boundary else Truth.TRUE,
                session.allow if session else Truth.TRUE,
            )
        )
    capped = all_of(
        (boundary.allow if boundary else Truth.TRUE, session.allow if session else Truth.TRUE)
    )
    role = all_of((_naming(rbp, Naming.ROLE), capped))
    account = any_of((_naming(rbp, Naming.ACCOUNT), _naming(grants, Naming.ACCOUNT)))
    why_identity = _identity_reason(identity, boundary, session)
    required = kind in (PolicyKind.KEY_POLICY, PolicyKind.TRUST)
    if required:
        same = any_of((direct, role, all_of((account, id_side))))
        if any_of((direct, role, account)) is Truth.FALSE:
            why_same = f"{label} does not allow it" + (
                " and no grant does" if kind is PolicyKind.KEY_POLICY else ""
            )
        else:
            why_same = f"{label} only delegates to IAM, and {why_identity}"
    else:
        same = any_of((id_side, direct, role))
        why_same = why_identity + (f", and {label} does not grant it" if rbp is not None else "")
    if rbp is None and grants is None:
        cross = Truth.FALSE if plan.same_account is Truth.FALSE else id_side
        why_cross = "cross-account access needs a resource policy, and none was given"
    else:
        cross = all_of((id_side, any_of((direct, _naming(rbp, Naming.ROLE), account))))
        why_cross = (
            f"cross-account access needs {label} to allow it"
            if id_side is not Truth.FALSE
            else why_identity
        )
    if plan.same_account is Truth.TRUE:
        return same, why_same
    if plan.same_account is Truth.FALSE:
        return cross, why_cross
    if same is cross:
        return same, why_same
    return Truth.UNKNOWN, "the resource account is unknown"


def _identity_reason(identity: _Tally, boundary: _Tally | None, session: _Tally | None) -> str:
    if identity.allow is Truth.FALSE:
        return "no identity-based policy allows it"
    if boundary is not None and boundary.allow is Truth.FALSE:
        return "the permissions boundary does not allow it"
    if session is not None and session.allow is Truth.FALSE:
        return "the session policy does not allow it"
    return "the identity side does not allow it"

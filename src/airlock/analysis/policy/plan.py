"""Select the statements relevant to one (principal, action, resource), layer by layer.

Everything that does not depend on the request context is decided here once: the action,
resources without variables, and the principal. What remains — conditions and resources with
policy variables — is evaluated per context by :mod:`.decision`.
"""

from __future__ import annotations

from functools import lru_cache

from msgspec import Struct, field

from .condition import ConditionClause
from .document import (
    Effect,
    PolicyDocument,
    PolicyKind,
    PrincipalEntry,
    Statement,
    StatementRef,
    Targets,
)
from .policy_set import Grant, PolicySet
from .principal import IAM_KINDS, Naming, Principal, PrincipalKind, account_of, name_entry
from .truth import Truth
from .variables import variable_keys

ROOT_BUCKET_POLICY_ACTIONS = frozenset(
    {"s3:getbucketpolicy", "s3:putbucketpolicy", "s3:deletebucketpolicy"}
)


class Candidate(Struct, frozen=True):
    """A statement whose action (and static resource/principal) may match the request."""

    stmt: Statement
    static: Truth  # TRUE, or UNKNOWN when the statement has issues
    naming: Naming


_SHAPES: dict[tuple[tuple[str, str, int], ...], int] = {}


class Selection(Struct, frozen=True, eq=False):
    """The candidates one document contributes, with facts derived from them once.

    Cached per (action, resource) for documents that name no principal.
    """

    candidates: tuple[Candidate, ...]
    shape: tuple[tuple[str, str, int], ...]
    shape_id: int  # interned number of ``shape``
    refs: tuple[StatementRef, ...]
    clauses: tuple[ConditionClause, ...]
    variable_keys: frozenset[str]
    dynamic: bool

    @staticmethod
    def of(candidates: tuple[Candidate, ...]) -> Selection:
        clauses = tuple(clause for c in candidates for clause in c.stmt.conditions)
        keys = {k for clause in clauses for k in clause.variable_keys}
        dynamic = False
        for cand in candidates:
            res = cand.stmt.resources
            if res is not None and res._regex is None:
                dynamic = True
                keys.update(k for p in res.patterns for k in variable_keys(p))
        shape = tuple((c.stmt.fingerprint, c.static.value, c.naming.value) for c in candidates)
        return Selection(
            candidates,
            shape,
            _SHAPES.setdefault(shape, len(_SHAPES)),
            tuple(c.stmt.ref for c in candidates),
            clauses,
            frozenset(keys),
            dynamic,
        )


EMPTY = Selection.of(())


class Layer(Struct, frozen=True, eq=False):
    label: str  # for reasons: "identity-based policies", "SCP level 1", ...
    selections: tuple[Selection, ...]
    candidates: tuple[Candidate, ...]

    @staticmethod
    def of(label: str, selections: tuple[Selection, ...]) -> Layer:
        if len(selections) == 1:
            return Layer(label, selections, selections[0].candidates)
        return Layer(label, selections, tuple(c for s in selections for c in s.candidates))


class Plan(Struct, frozen=True, eq=False):
    principal: Principal
    action: str
    resource: str
    identity: Layer | None  # None: the caller has no identity side (service, anonymous...)
    boundary: Layer | None
    session: Layer | None
    scp_levels: tuple[Layer, ...]
    rcps: Layer | None
    resource_layer: Layer | None
    resource_kind: PolicyKind | None
    grants: Layer | None
    endpoints: dict[str, Layer | None]  # endpoint id -> its policy (None: full access)
    same_account: Truth
    root_bucket_owner: bool  # root may change its bucket policy despite bucket-policy denies
    # Derived from the layers by build_plan:
    all_layers: tuple[Layer, ...] = ()
    shape: tuple[tuple[tuple[tuple[str, str, int], ...], ...], ...] = ()
    refs: tuple[StatementRef, ...] = ()
    clauses_by_key: dict[str, list[ConditionClause]] = field(default_factory=dict)
    variable_keys: frozenset[str] = frozenset()
    dynamic: bool = False

    def layers(self) -> tuple[Layer, ...]:
        return self.all_layers

    def spelling(self) -> dict[str, str]:
        return {key: clauses[0].key_as_written for key, clauses in self.clauses_by_key.items()}


Derived = tuple[
    tuple[tuple[tuple[tuple[str, str, int], ...], ...], ...],
    tuple[StatementRef, ...],
    dict[str, list[ConditionClause]],
    frozenset[str],
    bool,
]


def _derive(layers: tuple[Layer, ...]) -> Derived:
    """Shape, statement refs, clauses per key, variable keys and dynamic-resource flag."""
    by_key: dict[str, list[ConditionClause]] = {}
    keys: frozenset[str] = frozenset()
    dynamic = False
    refs: list[StatementRef] = []
    for layer in layers:
        for selection in layer.selections:
            refs += selection.refs
            for clause in selection.clauses:
                by_key.setdefault(clause.key, []).append(clause)
            if selection.variable_keys:
                keys = keys | selection.variable_keys
            dynamic = dynamic or selection.dynamic
    shape = tuple(tuple(s.shape for s in layer.selections) for layer in layers)
    return shape, tuple(refs), by_key, keys, dynamic


def statement_naming(stmt: Statement, principal: Principal, has_boundary: bool) -> Naming | Truth:
    """How the statement's Principal/NotPrincipal applies to the caller."""
    if not stmt.ref.kind.has_principal and stmt.ref.kind is not PolicyKind.GRANT:
        return Naming.DIRECT
    if stmt.principals is None:
        return Truth.UNKNOWN
    namings = [name_entry(e.type, e.value, principal) for e in stmt.principals]
    if not stmt.not_principal:
        best = max(
            (n for n in namings if isinstance(n, Naming)),
            key=lambda n: n.value,
            default=Naming.NONE,
        )
        if best is Naming.NONE and Truth.UNKNOWN in namings:
            return Truth.UNKNOWN
        return best
    # Deny + NotPrincipal: applies unless the caller is excluded.
    if has_boundary and principal.kind in (PrincipalKind.ROLE, PrincipalKind.USER):
        return Naming.DIRECT  # AWS: always denies principals that have a permissions boundary
    if any(e.value == "*" for e in stmt.principals):
        return Naming.NONE
    specific = Naming.DIRECT in namings
    account_listed = Naming.ACCOUNT in namings or principal.kind not in IAM_KINDS
    if principal.kind is PrincipalKind.ROOT:
        account_listed = specific
    if specific and account_listed:
        return Naming.NONE
    if Truth.UNKNOWN in namings:
        return Truth.UNKNOWN
    return Naming.DIRECT


def _static(stmt: Statement, action: str, resource: str) -> Truth:
    """Action and variable-free resource match; UNKNOWN for statements with issues."""
    if stmt.actions is not None and not stmt.actions.matches_static(action):
        return Truth.FALSE
    res = stmt.resources
    if res is not None and res._regex is not None and not res.matches_static(resource):
        return Truth.FALSE
    if stmt.issues or stmt.actions is None or stmt.resources is None:
        return Truth.UNKNOWN
    return Truth.TRUE


@lru_cache(maxsize=8192)
def service_of(action: str) -> str:
    """The (lower-case) service prefix of an action."""
    return action.partition(":")[0].lower()


def select(doc: PolicyDocument, action: str, resource: str) -> Selection:
    """The statements of a document without Principal that may match (cached)."""
    selected = doc._selections.get((action, resource))
    if selected is None:
        if not doc._for_service(service_of(action)) or not doc.statements_for(action):
            doc._selections[(action, resource)] = EMPTY
            return EMPTY
        selected = Selection.of(
            tuple(
                Candidate(stmt, static, Naming.DIRECT)
                for stmt in doc.statements_for(action)
                if (static := _static(stmt, action, resource)) is not Truth.FALSE
            )
        )
        if len(doc._selections) > 4096:
            doc._selections.clear()
        doc._selections[(action, resource)] = selected
    return selected


def _layer(
    label: str,
    docs: tuple[PolicyDocument, ...],
    principal: Principal,
    action: str,
    resource: str,
    has_boundary: bool,
) -> Layer:
    selections: list[Selection] = []
    for doc in docs:
        if not doc.kind.has_principal:
            selections.append(select(doc, action, resource))
            continue
        cands: list[Candidate] = []
        for stmt in doc.statements_for(action):
            static = _static(stmt, action, resource)
            if static is Truth.FALSE:
                continue
            naming = statement_naming(stmt, principal, has_boundary)
            if naming is Naming.NONE:
                continue
            if isinstance(naming, Truth):
                static, naming = Truth.UNKNOWN, Naming.DIRECT
            cands.append(Candidate(stmt, static, naming))
        selections.append(Selection.of(tuple(cands)))
    return Layer.of(label, tuple(selections))


def grant_statement(grant: Grant, index: int) -> Statement:
    """A KMS grant as an Allow statement (constraints become StringEquals conditions)."""
    ref = StatementRef(f"grant {grant.grant_id}", PolicyKind.GRANT, index)
    entry_type = "Service" if grant.grantee.endswith(".amazonaws.com") else "AWS"
    conditions = tuple(
        ConditionClause.parse("StringEquals", f"kms:EncryptionContext:{key}", (value,), False)
        for key, value in sorted(grant.encryption_context.items())
    )
    return Statement(
        ref,
        Effect.ALLOW,
        Targets.actions(tuple(f"kms:{op}" for op in grant.operations), False),
        Targets.resources(("*",), False, False),
        (PrincipalEntry(entry_type, grant.grantee),),
        False,
        conditions,
    )


def _grants_layer(grants: tuple[Grant, ...], principal: Principal, action: str) -> Layer | None:
    if not grants:
        return None
    cands = []
    for index, grant in enumerate(grants):
        if not grant.covers(action):
            continue
        stmt = grant_statement(grant, index)
        naming = statement_naming(stmt, principal, False)
        if isinstance(naming, Naming) and naming is not Naming.NONE:
            cands.append(Candidate(stmt, Truth.TRUE, naming))
    return Layer.of("KMS grants", (Selection.of(tuple(cands)),))


def build_plan(principal: Principal, action: str, resource: str, ps: PolicySet) -> Plan:
    kind = principal.kind
    iam = kind in IAM_KINDS
    has_boundary = ps.boundary is not None

    def layer(label: str, docs: tuple[PolicyDocument, ...]) -> Layer:
        return _layer(label, docs, principal, action, resource, has_boundary)

    identity = None
    if iam:
        identity = (
            Layer.of("identity-based policies", (EMPTY,))
            if kind is PrincipalKind.ROOT
            else layer("identity-based policies", ps.identity)
        )
    boundary = layer("permissions boundary", (ps.boundary,)) if iam and ps.boundary else None
    session = layer("session policy", (ps.session,)) if iam and ps.session else None
    scp_levels: tuple[Layer, ...] = ()
    if iam and not principal.service_linked:
        scp_levels = tuple(
            layer(f"SCPs at level {depth + 1}", level) for depth, level in enumerate(ps.scps)
        )
    rcps = layer("RCPs", ps.rcps) if ps.rcps and not principal.service_linked else None
    rp = ps.resource_policy
    resource_layer = layer(f"{rp.kind.value} policy", (rp,)) if rp is not None else None
    endpoints = {
        e.endpoint_id: (
            layer(f"endpoint policy of {e.endpoint_id}", (e.policy,)) if e.policy else None
        )
        for e in ps.endpoints
    }
    owner = ps.resource_account or account_of(resource)
    if not iam:
        same = Truth.FALSE
    elif owner is None or principal.account is None:
        same = Truth.UNKNOWN
    else:
        same = Truth.of(owner == principal.account)
    root_owner = (
        kind is PrincipalKind.ROOT
        and same is Truth.TRUE
        and action.lower() in ROOT_BUCKET_POLICY_ACTIONS
    )
    grants = _grants_layer(ps.grants, principal, action)
    found = [identity, boundary, session, *scp_levels, rcps, resource_layer, grants]
    layers = tuple(layer for layer in (*found, *endpoints.values()) if layer is not None)
    return Plan(
        principal, action, resource, identity, boundary, session, scp_levels, rcps,
        resource_layer, rp.kind if rp is not None else None, grants, endpoints, same, root_owner,
        layers, *_derive(layers),
    )  # fmt: skip

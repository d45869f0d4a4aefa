"""A cheap memo key for the common request: an IAM principal whose only policies are its own
identity policies, boundary, session policy and SCPs (no resource policy, RCP, grant or
endpoint policy).

Everything that depends only on the caller — which documents apply in which layer, how each
document's conditions see the keys the principal fixes (clause truths, values of policy
variables), whether the resource is in the principal's account — is computed once into a
:class:`Frame` (cached on the policy set). Per request only each document's cached selection
for (action, resource) is looked up; its interned *shape* number completes the key. Requests
with the same key have the same answer up to statement names (see :mod:`.memo`).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from itertools import chain

from msgspec import Struct

from .context import Absent, Constraint, ContextValue, Excluding
from .document import PolicyDocument, StatementRef
from .plan import Selection, select
from .policy_set import PolicySet
from .principal import Principal, PrincipalKind, account_of, principal_context
from .truth import Truth
from .variables import variable_keys

_FREE = -1
_ABSENT = "\x00absent"
_FREE_VALUE = "\x00free"
_doc_codes: dict[tuple[object, ...], int] = {}
_KINDS = frozenset({PrincipalKind.ROLE, PrincipalKind.USER, PrincipalKind.FEDERATED_USER})
_TRUTH_CODE = {Truth.TRUE: 1, Truth.FALSE: 0, Truth.UNKNOWN: 2}


class Frame(Struct, frozen=True, eq=False):
    """What a request's answer depends on besides the selections: fixed once per caller."""

    principal: Principal
    values: dict[str, ContextValue]
    absent: frozenset[str]
    entries: tuple[tuple[PolicyDocument | None, int], ...]  # (document, its code) or layer end
    key: Hashable  # account relation, fixed context, limits
    dynamic: bool  # some document has a Resource with policy variables

    def is_fixed(self, key: str) -> bool:
        if key in self.values or key in self.absent:
            return True
        slash = key.find("/")
        return slash >= 0 and key[: slash + 1] in self.absent


def _doc_keys(doc: PolicyDocument) -> tuple[str, ...]:
    """Every context key a document's conditions or resource variables read (cached)."""
    keys = doc.__dict__.get("_context_keys")
    if keys is None:
        found: set[str] = set()
        for stmt in doc.statements:
            for clause in stmt.conditions:
                found.add(clause.key)
                found.update(clause.variable_keys)
            res = stmt.resources
            if res is not None and res._regex is None:
                found.update(k for p in res.patterns for k in variable_keys(p))
        keys = tuple(sorted(found))
        doc.__dict__["_context_keys"] = keys
    return keys


def _doc_code(doc: PolicyDocument, values: Mapping[str, ContextValue], frame: Frame) -> int:
    """How a document's conditions see the fixed keys (clause truths, variable values).

    Depends only on the values (or fixed absence) of the keys the document reads, so it is
    cached per document on exactly those.
    """
    keys = _doc_keys(doc)
    if not keys:
        return 0
    seen = tuple(values.get(k, _ABSENT) if frame.is_fixed(k) else _FREE_VALUE for k in keys)
    by_seen: dict[tuple[object, ...], int] = doc.__dict__.setdefault("_codes_by_seen", {})
    code = by_seen.get(seen)
    if code is None:
        codes: list[object] = []
        for stmt in doc.statements:
            for clause in stmt.conditions:
                fixed = frame.is_fixed(clause.key)
                codes.append(_TRUTH_CODE[clause.evaluate(values)] if fixed else _FREE)
                for name in clause.variable_keys:
                    codes.append((name, values.get(name, _ABSENT if frame.is_fixed(name) else "")))
            res = stmt.resources
            if res is not None and res._regex is None:
                for pattern in res.patterns:
                    for name in variable_keys(pattern):
                        shown = values.get(name, _ABSENT if frame.is_fixed(name) else "")
                        codes.append((name, shown))
        code = _doc_codes.setdefault(tuple(codes), len(_doc_codes) + 1)
        if len(by_seen) > 1024:
            by_seen.clear()
        by_seen[seen] = code
    return code


def _frame(
    principal: Principal,
    ps: PolicySet,
    owner: str | None,
    fixed: Mapping[str, Constraint],
    max_contexts: int,
) -> Frame:
    values, absent = principal_context(principal)
    absent_set = set(absent)
    if owner:
        values["aws:resourceaccount"] = owner
    for name, constraint in fixed.items():
        values.pop(name, None)
        if isinstance(constraint, Absent):
            absent_set.add(name)
        elif not isinstance(constraint, Excluding):
            values[name] = constraint
            absent_set.discard(name)
    layers: list[tuple[PolicyDocument, ...]] = [ps.identity]
    layers += [(extra,) if extra is not None else () for extra in (ps.boundary, ps.session)]
    if not principal.service_linked:
        layers += ps.scps
    draft = Frame(principal, values, frozenset(absent_set), (), (), False)
    entries: list[tuple[PolicyDocument | None, int]] = []
    for depth, layer in enumerate(layers):
        entries += [(doc, _doc_code(doc, values, draft)) for doc in layer]
        # Layer end; an empty boundary/session/SCP level differs from a missing one.
        entries.append((None, -1 - depth if layer else -1001 - depth))
    dynamic = any(
        stmt.resources is not None and stmt.resources._regex is None
        for layer in layers
        for doc in layer
        for stmt in doc.statements
    )
    key = (
        "fast", principal.kind.value, principal.service_linked,
        tuple(sorted(fixed.items(), key=lambda kv: kv[0])), max_contexts, ps.endpoints,
    )  # fmt: skip
    return Frame(principal, values, frozenset(absent_set), tuple(entries), key, dynamic)


def fast_key(
    principal: Principal,
    action: str,
    resource: str,
    ps: PolicySet,
    fixed: Mapping[str, Constraint],
    max_contexts: int,
) -> tuple[Hashable, list[Selection], Frame] | None:
    """The memo key of a request, or None when the request needs the full planner."""
    cache = ps.__dict__
    frames: dict[Hashable, Frame] | None = cache.get("_frames")
    if frames is None:
        if ps.rcps or ps.resource_policy is not None or ps.grants:
            return None
        if any(e.policy is not None for e in ps.endpoints):
            return None
        frames = cache["_frames"] = {}
        docs = [*ps.identity, *(d for d in (ps.boundary, ps.session) if d is not None)]
        docs += [doc for level in ps.scps for doc in level]
        cache["_reads_owner"] = any("aws:resourceaccount" in _doc_keys(doc) for doc in docs)
    if principal.__dict__.get("_fast_kind") is None:
        principal.__dict__["_fast_kind"] = principal.kind in _KINDS
    if not principal.__dict__["_fast_kind"]:
        return None
    owner = ps.resource_account or account_of(resource)
    # The resource account matters to the frame only if a condition reads it.
    slot_owner = owner if cache["_reads_owner"] else None
    slot = (id(principal), slot_owner, tuple(fixed.items()) if fixed else (), max_contexts)
    frame = frames.get(slot)
    if frame is None or frame.principal is not principal:
        if len(frames) > 64:
            frames.clear()
        frame = frames[slot] = _frame(principal, ps, slot_owner, fixed, max_contexts)
    request = (action, resource)
    selections: list[Selection] = []
    parts: list[object] = []
    add_part = parts.append
    for doc, code in frame.entries:
        if doc is None:
            add_part(code)  # end of a layer
            continue
        sel = doc._selections.get(request) or select(doc, action, resource)
        if sel.candidates:
            selections.append(sel)
            add_part(sel.shape_id)
            add_part(code)
    same = 2 if owner is None or principal.account is None else int(owner == principal.account)
    key = (frame.key, same, tuple(parts), resource if frame.dynamic else None)
    return key, selections, frame


def refs_of(selections: list[Selection]) -> tuple[StatementRef, ...]:
    if len(selections) == 1:
        return selections[0].refs
    return tuple(chain.from_iterable([sel.refs for sel in selections]))

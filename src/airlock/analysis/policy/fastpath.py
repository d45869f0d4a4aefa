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
from dataclasses import dataclass, field
from functools import lru_cache

from .context import Absent, Constraint, ContextValue, Excluding
from .document import PolicyDocument, StatementRef
from .plan import Selection, select
from .policy_set import PolicySet
from .principal import Principal, PrincipalKind, account_of, principal_context
from .truth import Truth
from .variables import variable_keys

_FREE = -1
_ABSENT = "\x00absent"
_doc_codes: dict[tuple[object, ...], int] = {}
_KINDS = frozenset({PrincipalKind.ROLE, PrincipalKind.USER, PrincipalKind.FEDERATED_USER})
_TRUTH_CODE = {Truth.TRUE: 1, Truth.FALSE: 0, Truth.UNKNOWN: 2}


@dataclass(frozen=True, eq=False)
class Frame:
    """What a request's answer depends on besides the selections: fixed once per caller."""

    principal: Principal
    values: dict[str, ContextValue]
    absent: frozenset[str]
    entries: tuple[tuple[PolicyDocument | None, int], ...]  # (document, its code) or layer end
    key: Hashable  # account relation, fixed context, limits
    dynamic: bool  # some document has a Resource with policy variables
    by_service: dict[str, tuple[tuple[PolicyDocument | None, int], ...]] = field(
        default_factory=dict
    )  # entries whose documents mention the service (layer ends always kept)

    def is_fixed(self, key: str) -> bool:
        if key in self.values or key in self.absent:
            return True
        slash = key.find("/")
        return slash >= 0 and key[: slash + 1] in self.absent


def _doc_code(doc: PolicyDocument, values: Mapping[str, ContextValue], is_fixed: Frame) -> int:
    """How a document's conditions see the fixed keys (clause truths, variable values)."""
    codes: list[object] = []
    for stmt in doc.statements:
        for clause in stmt.conditions:
            fixed = is_fixed.is_fixed(clause.key)
            codes.append(_TRUTH_CODE[clause.evaluate(values)] if fixed else _FREE)
            for name in clause.variable_keys:
                codes.append((name, values.get(name, _ABSENT if is_fixed.is_fixed(name) else "")))
        res = stmt.resources
        if res is not None and res._regex is None:
            for pattern in res.patterns:
                for name in variable_keys(pattern):
                    shown = values.get(name, _ABSENT if is_fixed.is_fixed(name) else "")
                    codes.append((name, shown))
    return _doc_codes.setdefault(tuple(codes), len(_doc_codes))


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
    same = 2 if owner is None or principal.account is None else int(owner == principal.account)
    key = (
        "fast", principal.kind.value, same, principal.service_linked,
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
    if principal.kind not in _KINDS or ps.rcps or ps.resource_policy is not None or ps.grants:
        return None
    if ps.endpoints and any(e.policy is not None for e in ps.endpoints):
        return None
    owner = ps.resource_account or account_of(resource)
    frames: dict[Hashable, Frame] = ps.__dict__.setdefault("_frames", {})
    slot = (id(principal), owner, tuple(fixed.items()) if fixed else (), max_contexts)
    frame = frames.get(slot)
    if frame is None or frame.principal is not principal:
        if len(frames) > 64:
            frames.clear()
        frame = frames[slot] = _frame(principal, ps, owner, fixed, max_contexts)
    request = (action, resource)
    selections: list[Selection] = []
    parts: list[object] = []
    service = _service(action)
    entries = frame.by_service.get(service)
    if entries is None:
        entries = tuple(e for e in frame.entries if e[0] is None or e[0]._for_service(service))
        frame.by_service[service] = entries
    for doc, code in entries:
        if doc is None:
            parts.append(code)  # end of a layer
            continue
        sel = doc._selections.get(request) or select(doc, action, resource)
        if sel.candidates:
            selections.append(sel)
            parts.append(sel.shape_id)
            parts.append(code)
    return (frame.key, tuple(parts), resource if frame.dynamic else None), selections, frame


@lru_cache(maxsize=4096)
def _service(action: str) -> str:
    return action.partition(":")[0].lower()


def refs_of(selections: list[Selection]) -> tuple[StatementRef, ...]:
    return tuple(ref for sel in selections for ref in sel.refs)

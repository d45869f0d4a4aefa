"""Reuse answers between requests that have the same *structure*.

Two requests get the same answer, up to the names of the statements involved, when their
plans select statements that behave identically (same effect, conditions and static match,
in the same layers and order) and the fixed context values of every key those conditions
read are equal. That is common: thousands of roles share the same SCPs, managed policies and
boundary, and their inline statements often repeat patterns. A remembered answer is
re-expressed with the new plan's statements (positions map one to one).

The cache is bounded and per process; :func:`clear` empties it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping

from msgspec import Struct

from .answer import Answer
from .context import ABSENT, Constraint, ContextValue, ShownValue
from .document import StatementRef
from .plan import Plan

LIMIT = 50_000
_ABSENT_FIXED = "\x00absent"
_FREE = "\x00free"


class _Entry(Struct, frozen=True):
    """An answer with its statement references replaced by positions in the plan."""

    answer: Answer
    reason: str  # with placeholders for statement names
    issues: tuple[str, ...]
    deciding: tuple[int, ...]
    used: tuple[int, ...]  # positions named in reason/issues


def _token(index: int) -> str:
    return f"\x00{index}\x00"


_entries: dict[Hashable, _Entry] = {}


def clear() -> None:
    _entries.clear()


def structure(
    plan: Plan,
    values: Mapping[str, ContextValue],
    is_fixed: Mapping[str, bool],
    fixed: Mapping[str, Constraint],
    max_contexts: int,
    endpoints: Hashable,
) -> Hashable:
    present = (
        plan.identity is None, plan.boundary is None, plan.session is None, len(plan.scp_levels),
        plan.rcps is None, plan.resource_layer is None, plan.grants is None,
        tuple((eid, layer is None) for eid, layer in plan.endpoints.items()),
        plan.same_account.value, plan.root_bucket_owner, plan.principal.kind.value,
        plan.resource_kind.value if plan.resource_kind else None,
    )  # fmt: skip
    # A fixed key matters only through the truth of the clauses that read it; keys used in
    # policy variables matter by value.
    known = tuple(
        (key, tuple(c.evaluate(values).value for c in clauses) if is_fixed[key] else _FREE)
        for key, clauses in plan.clauses_by_key.items()
    )
    variables = tuple(
        (key, values.get(key, _ABSENT_FIXED if is_fixed[key] else _FREE))
        for key in sorted(plan.variable_keys)
    )
    return (
        plan.shape, present, known, variables, tuple(sorted(fixed.items(), key=lambda kv: kv[0])),
        max_contexts, plan.resource if plan.dynamic else None, endpoints,
    )  # fmt: skip


def remember(key: Hashable, refs: tuple[StatementRef, ...], answer: Answer) -> None:
    if len(_entries) >= LIMIT:
        _entries.clear()
    position: dict[StatementRef, int] = {}
    for index, ref in enumerate(refs):
        position.setdefault(ref, index)
    if any(ref not in position for ref in answer.deciding):
        return  # not expressible by position (cannot happen for answers built from this plan)
    names = sorted(((str(ref), i) for ref, i in position.items()), key=lambda pair: -len(pair[0]))
    used: set[int] = set()

    def template(text: str) -> str:
        for name, index in names:
            if name in text:
                text = text.replace(name, _token(index))
                used.add(index)
        return text

    reason = template(answer.reason)
    issues = tuple(template(issue) for issue in answer.issues)
    deciding = tuple(position[ref] for ref in answer.deciding)
    _entries[key] = _Entry(answer, reason, issues, deciding, tuple(sorted(used)))


def _reshow(
    shown: Mapping[str, ShownValue] | None,
    values: Mapping[str, ContextValue],
    is_fixed: Callable[[str], bool],
) -> Mapping[str, ShownValue] | None:
    """Show this request's own values for the fixed keys of a remembered counterexample."""
    if shown is None:
        return None
    return {
        name: (values.get(name.lower(), ABSENT) if is_fixed(name.lower()) else value)
        for name, value in shown.items()
    }


def recall(
    key: Hashable,
    statements: Callable[[], tuple[StatementRef, ...]],
    request: tuple[str, str, str],
    values: Mapping[str, ContextValue],
    is_fixed: Callable[[str], bool],
) -> Answer | None:
    """The remembered answer for ``key``, re-expressed for this request and its statements."""
    entry = _entries.get(key)
    if entry is None:
        return None
    known = entry.answer
    refs = statements() if entry.used or entry.deciding else ()
    reason, issues = entry.reason, entry.issues
    for index in entry.used:
        name = str(refs[index])
        token = _token(index)
        reason = reason.replace(token, name)
        if issues:
            issues = tuple([issue.replace(token, name) for issue in issues])
    shown = known.counterexample
    if shown is not None:
        shown = _reshow(shown, values, is_fixed)
    return Answer.of(
        known.status, reason, request, tuple([refs[i] for i in entry.deciding]), shown,
        known.contexts_checked, issues,
    )  # fmt: skip

"""The query: is there a request context in which a principal can perform an action on a
resource? Answers ALLOW (with a counterexample context), DENY, or UNKNOWN.

Keys fixed by the principal (ARN, account, tags, ``aws:PrincipalIsAWSService``...), by the
resource (``aws:ResourceAccount``) and by the caller's ``fixed_context`` are constant; every
other key a relevant condition mentions is free and enumerated (:mod:`.candidates`), network
keys together (:mod:`.network`). A resource containing ``*``/``?`` asks about *some* resource
matching it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from itertools import islice, product

from msgspec import Struct

from . import memo
from .answer import Answer, Verdict
from .candidates import Candidate, KeyCandidates, key_candidates
from .condition import ConditionClause
from .context import (
    ABSENT,
    UNRESOLVED,
    Absent,
    Constraint,
    ContextInput,
    ContextValue,
    EvalValue,
    Excluding,
    ShownValue,
    display_name,
    normalize_context,
)
from .decision import Outcome, decide
from .document import StatementRef
from .fastpath import fast_key, refs_of
from .network import NETWORK_KEYS, SOURCE_VPCE, PathOptions, path_options
from .plan import Plan, build_plan
from .policy_set import Endpoint, PolicySet
from .principal import Principal, account_of, principal_context
from .wildcard import Glob, fill
from .witness import string_witnesses

MAX_CONTEXTS = 4096


class _Base(Struct, frozen=True):
    values: dict[str, ContextValue]
    absent: frozenset[str]  # keys, or prefixes ending in "/", fixed as absent
    constraints: dict[str, Excluding]
    fixed: dict[str, Constraint]

    def is_fixed(self, key: str) -> bool:
        if key in self.values or key in self.absent:
            return True
        slash = key.find("/")
        return slash >= 0 and key[: slash + 1] in self.absent


def _base(
    principal: Principal, resource: str, ps: PolicySet, fixed: Mapping[str, Constraint]
) -> _Base:
    values, absent = principal_context(principal)
    absent_set = set(absent)
    owner = ps.resource_account or account_of(resource)
    if owner:
        values["aws:resourceaccount"] = owner
    constraints: dict[str, Excluding] = {}
    for key, constraint in fixed.items():
        if isinstance(constraint, Excluding):
            constraints[key] = constraint
            values.pop(key, None)
        elif isinstance(constraint, Absent):
            values.pop(key, None)
            absent_set.add(key)
        else:
            values[key] = constraint
            absent_set.discard(key)
    return _Base(values, frozenset(absent_set), constraints, dict(fixed))


def _shown(value: ContextValue | None) -> ShownValue:
    return ABSENT if value is None else value


Clauses = tuple[ConditionClause, ...]
VarItems = tuple[tuple[str, ContextValue | None], ...]


@lru_cache(maxsize=8192)
def _cached_candidates(
    key: str,
    clauses: Clauses,
    var_items: VarItems,
    constraint: Excluding | None,
    extra: tuple[str, ...],
) -> KeyCandidates:
    base = {k: v for k, v in var_items if v is not None}
    return key_candidates(key, clauses, base, constraint, extra)


def _var_items(clauses: Iterable[ConditionClause], base: Mapping[str, ContextValue]) -> VarItems:
    keys = sorted({k for c in clauses for k in c.variable_keys})
    return tuple((k, base.get(k)) for k in keys)


@lru_cache(maxsize=4096)
def _cached_paths(
    endpoints: tuple[Endpoint, ...],
    network_clauses: tuple[tuple[str, Clauses], ...],
    fixed_items: tuple[tuple[str, Constraint], ...],
    var_items: VarItems,
) -> PathOptions:
    by_key = dict(network_clauses)
    fixed = dict(fixed_items)

    def options(key: str, constraint: Excluding | None) -> KeyCandidates:
        clauses = by_key.get(key, ())
        pinned = fixed.get(key)
        extra = (pinned,) if isinstance(pinned, str) else ()
        if not clauses and key != SOURCE_VPCE and key not in fixed:
            return KeyCandidates(key, (), True)
        caller = pinned if isinstance(pinned, Excluding) else None
        merged = constraint
        if caller is not None:
            merged = Excluding(
                (*caller.values, *(constraint.values if constraint else ())),
                caller.allow_absent and (constraint is None or constraint.allow_absent),
            )
        return _cached_candidates(key, clauses, var_items, merged, extra)

    return path_options(endpoints, options, fixed)


def _query_resource(
    principal: Principal, action: str, resource: str, ps: PolicySet,
    fixed: Mapping[str, Constraint], max_contexts: int,
) -> Answer:  # fmt: skip
    request = (principal.arn, action, resource)
    fast = fast_key(principal, action, resource, ps, fixed, max_contexts)
    if fast is not None:
        fast_shape, selections, fast_values = fast
        known = memo.recall(
            fast_shape,
            lambda: refs_of(selections),
            request,
            fast_values.values,
            fast_values.is_fixed,
        )
        if known is not None:
            return known
    plan = build_plan(principal, action, resource, ps)
    base = _base(principal, resource, ps, fixed)
    by_key, in_variables = plan.clauses_by_key, plan.variable_keys
    fixed_flags = {k: base.is_fixed(k) for k in (*by_key, *in_variables)}
    shape = memo.structure(plan, base.values, fixed_flags, fixed, max_contexts, ps.endpoints)
    answer = memo.recall(shape, lambda: plan.refs, request, base.values, base.is_fixed)
    if answer is None:
        answer = _solve(plan, ps, base, by_key, in_variables, plan.spelling(), fixed, max_contexts)
        memo.remember(shape, plan.refs, answer)
    if fast is not None:
        memo.remember(fast_shape, plan.refs, answer)
    return answer


def _solve(
    plan: Plan, ps: PolicySet, base: _Base, by_key: dict[str, list[ConditionClause]],
    in_variables: frozenset[str], spelling: dict[str, str], fixed: Mapping[str, Constraint],
    max_contexts: int,
) -> Answer:  # fmt: skip
    principal, action, resource = plan.principal, plan.action, plan.resource
    complete = True
    approximations: list[str] = []
    free_keys = [k for k in by_key if not base.is_fixed(k) and k not in NETWORK_KEYS]
    loose = sorted(k for k in in_variables if not base.is_fixed(k))
    if loose:
        complete = False
        approximations.append(f"policy variables refer to free keys {', '.join(loose)}")
        free_keys += [k for k in loose if k not in by_key and k not in NETWORK_KEYS]
    free_network = [k for k in by_key if k in NETWORK_KEYS and not base.is_fixed(k)]
    uses_network = bool(free_network) or any(layer is not None for layer in plan.endpoints.values())

    # Symbolic pre-check: with every free key unresolved, a definite verdict holds for all
    # contexts (Kleene logic is monotone), so most requests need a single evaluation.
    symbolic: dict[str, EvalValue] = dict(base.values)
    for key in (*free_keys, *free_network):
        symbolic[key] = UNRESOLVED
    if uses_network and not base.is_fixed(SOURCE_VPCE):
        symbolic[SOURCE_VPCE] = UNRESOLVED
    first = decide(plan, symbolic)
    if first.verdict is Verdict.DENY:
        return Answer(
            Verdict.DENY, first.reason, principal.arn, action, resource, first.deciding, None, 1
        )

    dimensions: list[tuple[dict[str, Candidate], ...]] = []
    shown_keys = set(by_key) | set(in_variables) | set(fixed)
    if uses_network:
        network_clauses = tuple((k, tuple(by_key[k])) for k in sorted(by_key) if k in NETWORK_KEYS)
        all_network = [c for _, cl in network_clauses for c in cl]
        fixed_items = tuple(sorted((k, v) for k, v in fixed.items() if k in NETWORK_KEYS))
        paths = _cached_paths(
            ps.endpoints, network_clauses, fixed_items, _var_items(all_network, base.values)
        )
        complete = complete and paths.complete
        dimensions.append(paths.assignments)
        shown_keys |= {k for a in paths.assignments for k in a if k in by_key or k == SOURCE_VPCE}
    for key in free_keys:
        clauses = tuple(by_key.get(key, ()))
        found = _cached_candidates(
            key, clauses, _var_items(clauses, base.values), base.constraints.get(key), ()
        )
        complete = complete and found.complete
        if not found.complete:
            approximations.append(f"values of {key} were approximated")
        dimensions.append(tuple({key: value} for value in found.values))

    total = 1
    for dim in dimensions:
        total *= len(dim)
    if total == 0:
        reason = (
            "cannot decide: the fixed context keys contradict each other (no request has them all)"
        )
        return Answer(Verdict.UNKNOWN, reason, principal.arn, action, resource)
    outcomes: list[Outcome] = []
    checked = 0
    for combo in islice(product(*dimensions), max_contexts):
        context = dict(base.values)
        for part in combo:
            for key, value in part.items():
                if isinstance(value, Absent):
                    context.pop(key, None)
                else:
                    context[key] = value
        checked += 1
        outcome = decide(plan, context)
        if outcome.verdict is Verdict.ALLOW:
            shown = {
                display_name(key, spelling): _shown(context.get(key)) for key in sorted(shown_keys)
            }
            return Answer(
                Verdict.ALLOW,
                _allow_reason(outcome, checked),
                principal.arn, action, resource, outcome.deciding, shown, checked,
            )  # fmt: skip
        outcomes.append(outcome)
    return _not_allowed(
        principal, action, resource, outcomes, checked, total, max_contexts, complete, approximations,
    )  # fmt: skip


def _allow_reason(outcome: Outcome, checked: int) -> str:
    if outcome.deciding:
        return f"allowed by {outcome.deciding[0]} in the counterexample request context"
    return "allowed in the counterexample request context"


def _not_allowed(
    principal: Principal, action: str, resource: str, outcomes: list[Outcome], checked: int,
    total: int, max_contexts: int, complete: bool, approximations: list[str],
) -> Answer:  # fmt: skip
    refs: dict[StatementRef, None] = {}
    issues: dict[str, None] = {}
    for outcome in outcomes:
        refs.update(dict.fromkeys(outcome.deciding))
        issues.update(dict.fromkeys(outcome.unknowns))
    unknown = next((o for o in outcomes if o.verdict is Verdict.UNKNOWN), None)
    common = (principal.arn, action, resource, tuple(refs), None, checked, tuple(issues))
    if unknown is not None:
        return Answer(Verdict.UNKNOWN, unknown.reason, *common)
    if total > max_contexts:
        reason = f"cannot decide: {total} request contexts exceed the limit of {max_contexts}"
        return Answer(Verdict.UNKNOWN, reason, *common)
    if not complete:
        reason = f"no allowing context found, but {approximations[0] if approximations else 'the enumeration was approximate'}"
        return Answer(Verdict.UNKNOWN, reason, *common)
    reasons = list(dict.fromkeys(o.reason for o in outcomes))
    if len(reasons) == 1:
        reason = reasons[0] if checked == 1 else f"{reasons[0]} (in all {checked} request contexts)"
    else:
        reason = f"denied in all {checked} request contexts: {'; '.join(reasons[:3])}"
    return Answer(Verdict.DENY, reason, *common)


def _resource_candidates(action: str, pattern: str, ps: PolicySet) -> tuple[tuple[str, ...], bool]:
    """Concrete resources covering every class of the policies' resource patterns."""
    wanted = Glob.arn(pattern)
    globs = [wanted]
    for doc in ps.documents():
        for stmt in doc.statements_for(action):
            if stmt.resources is not None and stmt.resources._regex is not None:
                globs += [Glob.arn(p) for p in stmt.resources.patterns]
    found = string_witnesses(
        tuple(dict.fromkeys(globs)), (fill(wanted, "x"), fill(wanted, "airlock"))
    )
    return tuple(v for v in found.values if wanted.matches(v)), found.complete


def clear_caches() -> None:
    """Forget remembered answers and derived values (documents keep their own selections)."""
    memo.clear()
    _cached_candidates.cache_clear()
    _cached_paths.cache_clear()


def can(
    principal: Principal,
    action: str,
    resource: str,
    policies: PolicySet,
    *,
    fixed_context: Mapping[str, ContextInput] | None = None,
    max_contexts: int = MAX_CONTEXTS,
) -> Answer:
    """Is there any request context in which ``principal`` may call ``action`` on ``resource``?

    >>> from airlock.analysis.policy import PolicyDocument, PolicyKind, Principal
    >>> allow = PolicyDocument.parse(
    ...     '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",'
    ...     ' "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}}}]}',
    ...     PolicyKind.IDENTITY, "reader")
    >>> role = Principal.role("arn:aws:iam::111122223333:role/app")
    >>> answer = can(role, "s3:GetObject", "arn:aws:s3:::logs/a", PolicySet(identity=(allow,)))
    >>> answer.status.value, dict(answer.counterexample or {})
    ('ALLOW', {'aws:SecureTransport': 'true'})
    >>> str(answer.deciding[0])
    "identity 'reader' statement 0"
    >>> can(role, "s3:GetObject", "arn:aws:s3:::logs/a", PolicySet(identity=(allow,)),
    ...     fixed_context={"aws:SecureTransport": False}).status.value
    'DENY'
    """
    fixed = normalize_context(fixed_context)
    if resource == "*" or ("*" not in resource and "?" not in resource):
        return _query_resource(principal, action, resource, policies, fixed, max_contexts)
    concrete, complete = _resource_candidates(action, resource, policies)
    answers = [
        _query_resource(principal, action, r, policies, fixed, max_contexts) for r in concrete
    ]
    allowed = next((a for a in answers if a.status is Verdict.ALLOW), None)
    if allowed is not None:
        return allowed
    checked = sum(a.contexts_checked for a in answers)
    unknown = next((a for a in answers if a.status is Verdict.UNKNOWN), None)
    refs = tuple(dict.fromkeys(ref for a in answers for ref in a.deciding))
    if unknown is not None or not complete or not answers:
        reason = (
            unknown.reason
            if unknown
            else "cannot decide: resource pattern enumeration was incomplete"
        )
        return Answer(Verdict.UNKNOWN, reason, principal.arn, action, resource, refs, None, checked)
    reason = (
        answers[0].reason
        if len(answers) == 1
        else f"denied for every resource matching {resource}: {answers[0].reason}"
    )
    return Answer(Verdict.DENY, reason, principal.arn, action, resource, refs, None, checked)


def can_each(
    principal: Principal,
    actions: Iterable[str],
    resources: Iterable[str],
    policies: PolicySet,
    *,
    fixed_context: Mapping[str, ContextInput] | None = None,
) -> tuple[Answer, ...]:
    """:func:`can` for every (action, resource) pair, in order."""
    resource_list = list(resources)
    return tuple(
        can(principal, action, resource, policies, fixed_context=fixed_context)
        for action in actions
        for resource in resource_list
    )


def can_any(
    principal: Principal,
    actions: Iterable[str],
    resources: Iterable[str],
    policies: PolicySet,
    *,
    fixed_context: Mapping[str, ContextInput] | None = None,
) -> Answer:
    """ALLOW if any pair is allowed (that pair's answer); else UNKNOWN if any is; else DENY."""
    answers = can_each(principal, actions, resources, policies, fixed_context=fixed_context)
    for status in (Verdict.ALLOW, Verdict.UNKNOWN):
        found = next((a for a in answers if a.status is status), None)
        if found is not None:
            return found
    if not answers:
        return Answer(Verdict.DENY, "no action or resource was asked about", principal.arn, "", "")
    refs = tuple(dict.fromkeys(ref for a in answers for ref in a.deciding))
    first = answers[0]
    reason = (
        first.reason
        if len(answers) == 1
        else f"denied for all {len(answers)} requests; first: {first.reason}"
    )
    return Answer(Verdict.DENY, reason, principal.arn, first.action, first.resource, refs)


def evaluate(
    principal: Principal,
    action: str,
    resource: str,
    policies: PolicySet,
    context: Mapping[str, ContextInput] | None = None,
) -> Answer:
    """Evaluate one concrete request. Keys not given are absent, except those the principal
    and the resource fix (which ``context`` may override). ``Excluding`` values count as absent.
    """
    fixed = {
        key: (ABSENT if isinstance(value, Excluding) else value)
        for key, value in normalize_context(context).items()
    }
    base = _base(principal, resource, policies, fixed)
    plan = build_plan(principal, action, resource, policies)
    outcome = decide(plan, base.values)
    shown: dict[str, ShownValue] = {
        display_name(key): _shown(base.values.get(key)) for key in sorted(base.values)
    }
    return Answer(
        outcome.verdict,
        outcome.reason if outcome.verdict is not Verdict.ALLOW else _allow_reason(outcome, 1),
        principal.arn, action, resource, outcome.deciding,
        shown if outcome.verdict is Verdict.ALLOW else None, 1, outcome.unknowns,
    )  # fmt: skip

"""Concrete resources that stand for a resource pattern, so that a question about *some*
resource becomes a few cheap questions about concrete ones.

:func:`~airlock.analysis.policy.can` answers a pattern (``arn:aws:bedrock:*::foundation-model/*``)
by listing one concrete resource per class of the policies' resource patterns (which patterns
it matches) and asking about each. Controls ask the same pattern of many principals that share
policies, and the same principal under several request contexts; :func:`witnesses` does that
listing once per set of documents and action.

When every statement that can *remove* access (Deny statements, and the Allow statements of
limiting layers: boundary, SCPs, endpoint policies) covers every resource, access to a
resource depends only on which identity Allow statements name it, and one resource per
Allow pattern is enough: an Allow that reaches some resource reaches its own filled-in
pattern, with no other statement telling them apart. Otherwise the evaluator's exact witness
search runs (``string_witnesses``; it can take milliseconds on long ARNs, so it is cached).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from airlock.analysis.policy import PolicyDocument, Statement
from airlock.analysis.policy.wildcard import Glob, fill
from airlock.analysis.policy.witness import string_witnesses

FILLER = "airlock-probe"


@lru_cache(maxsize=16384)
def arn_glob(pattern: str) -> Glob:
    return Glob.arn(pattern)


def has_wildcard(resource: str) -> bool:
    return resource != "*" and ("*" in resource or "?" in resource)


def _allows(stmt: Statement) -> bool:
    return stmt.effect is None or stmt.effect.value == "Allow"


def _covers_all(stmt: Statement) -> bool:
    targets = stmt.resources
    return targets is not None and not targets.negated and "*" in targets.patterns


def _filled(glob: Glob) -> str:
    value = fill(glob, FILLER)
    return value if glob.matches(value) else fill(glob, "x")


def witnesses(
    identity: Iterable[PolicyDocument],
    limits: Iterable[PolicyDocument],
    action: str,
    pattern: str,
    example: str | None = None,
) -> tuple[str, ...] | None:
    """Concrete resources matching ``pattern`` that cover every class of the documents'
    resource patterns for ``action`` (``example`` stands for resources no pattern names);
    None when a pattern holds policy variables or the search was cut short (then ask the
    evaluator the pattern itself)."""
    wanted = arn_glob(pattern)
    fresh = example if example is not None and wanted.matches(example) else _filled(wanted)
    grants: list[Statement] = []
    others: list[Statement] = []
    for doc in identity:
        for stmt in doc.statements_for(action):
            (grants if _allows(stmt) else others).append(stmt)
    for doc in limits:
        others += doc.statements_for(action)
    every = [s for s in (*grants, *others) if s.resources is not None]
    if any(s.resources is not None and s.resources.variables for s in every):
        return None
    if all(_covers_all(s) for s in others if s.resources is not None):
        found = _from_grants(wanted, fresh, grants)
        if found is not None:
            return found
    globs = [wanted, *(arn_glob(p) for s in every for p in s.resources.patterns)]  # type: ignore[union-attr]
    result = string_witnesses(tuple(dict.fromkeys(globs)), (fresh, _filled(wanted)))
    if not result.complete:
        return None
    return tuple(v for v in result.values if wanted.matches(v))


def _from_grants(wanted: Glob, fresh: str, grants: list[Statement]) -> tuple[str, ...] | None:
    """One resource per Allow pattern (the fast path); None when a pattern overlaps
    ``wanted`` only partly, so that its filled-in form may fall outside it."""
    found: list[str] = []
    for stmt in grants:
        targets = stmt.resources
        if targets is None:
            found.append(fresh)  # unreadable: the evaluator will say UNKNOWN for it
            continue
        if targets.negated:
            return None
        for pattern in targets.patterns:
            if pattern == "*":
                found.append(fresh)
                continue
            value = _filled(arn_glob(pattern))
            if wanted.matches(value):
                found.append(value)
            elif has_wildcard(pattern):
                return None
    return tuple(dict.fromkeys(found))


def regions(docs: Iterable[PolicyDocument], action: str, preferred: tuple[str, ...]) -> list[str]:
    """One region per class of the region segments of the documents' ARN patterns and of
    their ``aws:RequestedRegion`` conditions for ``action`` (``preferred`` first): a fresh
    resource is asked in each, which covers every region the policies tell apart."""
    globs: list[Glob] = []
    for doc in docs:
        for stmt in doc.statements_for(action):
            for pattern in stmt.resources.patterns if stmt.resources is not None else ():
                parts = pattern.split(":")
                if len(parts) >= 6 and parts[0] == "arn":
                    globs.append(Glob.like(parts[3]))
            for clause in stmt.conditions:
                if clause.key == "aws:requestedregion" and not clause.variables:
                    globs += [Glob.like(v) for v in clause.values]
    found = string_witnesses(tuple(dict.fromkeys(globs)), preferred)
    return [r for r in found.values if ":" not in r] or list(preferred)


def in_regions(resource: str, places: Iterable[str]) -> list[str]:
    """``resource`` moved to each region of ``places`` (an ARN without region stays)."""
    parts = resource.split(":")
    if len(parts) < 6 or not parts[3]:
        return [resource]
    return [":".join([*parts[:3], place, *parts[4:]]) for place in places]


def region_of(resource: str) -> str:
    """The region segment of an ARN; ``unspecified`` for a regionless ARN."""
    parts = resource.split(":")
    region = parts[3] if len(parts) >= 6 else ""
    return region or "unspecified"

"""Grants of actions to a principal, and whether a Deny closes them -- pattern level.

:func:`exposure` walks the Allow statements of a principal's identity policies that cover the
asked actions. A grant is *safe* when its own conditions close the question (the check is
given by the caller), *closed* when a Deny of the identity policies, the permissions boundary
or an SCP covers it with a condition the caller accepts, else *open*. A permissions boundary
that grants none of the action removes the grant; one whose grants are all safe makes it safe.
:func:`answer` turns the result into a :class:`~airlock.controls.judgement.Judgement`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from airlock.controls.judgement import Judgement, no, undecided, yes
from airlock.controls.principals import PolicySet
from airlock.controls.statements import Statement, arn_match, arns_intersect, has_placeholder, widen

Check = Callable[[Statement], bool | None]


@dataclass(frozen=True)
class Witness:
    policy: str
    statement: Statement
    action: str

    def shown(self) -> dict[str, object]:
        return {"policy": self.policy, "statement": self.statement.shown(), "action": self.action}


@dataclass(frozen=True)
class Exposure:
    open: tuple[Witness, ...]
    safe: tuple[Witness, ...]
    #: reasons an answer may be incomplete
    doubts: tuple[str, ...]
    #: reasons a YES may not hold (a boundary or SCP that cannot be read, a conditional deny)
    blockers: tuple[str, ...]

    @property
    def granted(self) -> bool:
        return bool(self.open or self.safe)


def exposure(
    ps: PolicySet,
    actions: tuple[str, ...],
    *,
    safe: Check,
    closes: Check,
    target: str | None = None,
) -> Exposure:
    """Which grants of ``actions`` are open: not ``safe`` and not closed by a Deny.

    ``target`` narrows the question to resources matching a pattern (global profiles).
    """
    doubts = [p for p in ps.problems if p not in ps.opaque]
    blockers: list[str] = list(ps.opaque)
    if ps.boundary_problem:
        blockers.append(ps.boundary_problem)
    blockers += ps.organization_problems
    open_: list[Witness] = []
    safe_: list[Witness] = []
    for policy, stmt in ps.allows():
        for action in actions:
            covers = stmt.covers_action(action)
            if covers is None:
                doubts.append(f"{policy.name} statement {stmt.index} has unresolved actions")
            if covers is not True:
                continue
            reach = _reaches(stmt, target)
            if reach is None:
                doubts.append(f"{policy.name} statement {stmt.index} has unresolved resources")
            if reach is not True:
                continue
            witness = Witness(policy.name, stmt, action)
            capped = _boundary(ps, action, safe)
            if capped == "denied":
                continue
            verdict = True if capped == "safe" else safe(stmt)
            if verdict is None:
                doubts.append(
                    f"{policy.name} statement {stmt.index} has conditions the pattern check cannot judge"
                )
            elif verdict:
                safe_.append(witness)
                continue
            closed = _closed(ps, stmt, action, closes, target)
            if closed is True:
                safe_.append(witness)
            elif closed is None:
                blockers.append(
                    f"a deny may cover {action} for {policy.name} statement {stmt.index}"
                )
            elif verdict is False:
                open_.append(witness)
    return Exposure(
        tuple(open_), tuple(safe_), tuple(dict.fromkeys(doubts)), tuple(dict.fromkeys(blockers))
    )


def _reaches(stmt: Statement, target: str | None) -> bool | None:
    if target is None:
        return True
    if stmt.not_resource:
        return None if stmt.resources else True
    if any(arns_intersect(r, target) for r in stmt.resources):
        return True
    if "Resource" in stmt.unresolved:
        return None
    # a deploy-time placeholder (``${ProfileId}``) may become a matching value
    return (
        None
        if any(arns_intersect(widen(r), target) for r in stmt.resources if has_placeholder(r))
        else False
    )


def _boundary(ps: PolicySet, action: str, safe: Check) -> str:
    """``denied`` when the boundary allows no such action, ``safe`` when every boundary grant
    of it is safe, else ``open``."""
    if ps.boundary is None:
        return "open"
    covering = [
        s for s in ps.boundary.statements if s.allows and s.covers_action(action) is not False
    ]
    if not covering:
        return "denied"
    return "safe" if all(safe(s) is True for s in covering) else "open"


def _closed(
    ps: PolicySet, grant: Statement, action: str, closes: Check, target: str | None
) -> bool | None:
    answer: bool | None = False
    for layer, deny in ps.denies():
        if deny.covers_action(action) is not True:
            continue
        covered = _deny_covers(deny, grant, target)
        if covered is False:
            continue
        verdict = closes(deny) if covered else None
        if verdict is True and layer.certain:
            return True
        if verdict is not False:
            answer = None
    return answer


def _deny_covers(deny: Statement, grant: Statement, target: str | None) -> bool | None:
    if deny.not_resource or "Resource" in deny.unresolved:
        return None
    if "*" in deny.resources:
        return True
    wanted = (target,) if target is not None else grant.resources
    if not wanted or grant.not_resource:
        return None
    return all(any(arn_match(d, w) for d in deny.resources) for w in wanted)


def answer(
    exp: Exposure, *, yes_reason: str, no_reason: str, none_reason: str, counter: dict[str, str]
) -> Judgement:
    if exp.open and not exp.blockers:
        first = exp.open[0]
        return yes(
            yes_reason.format(policy=first.policy),
            statement=first.shown(),
            counterexample={"action": first.action, **counter},
            open_grants=[w.shown() for w in exp.open[1:6]],
        )
    reasons = [*exp.doubts, *exp.blockers]
    if reasons:
        return undecided(
            "The answer depends on what the pattern check cannot read: "
            + "; ".join(reasons[:3])
            + ".",
            unreadable=reasons,
            open_grants=[w.shown() for w in exp.open[:5]],
        )
    if not exp.granted:
        return no(none_reason)
    return no(no_reason, grants=[w.shown() for w in exp.safe[:5]])

"""Policy statements read at pattern level, for controls that match shapes.

This is deliberately not a policy evaluator (that lives in :mod:`airlock.analysis.policy`):
it normalizes a statement into tuples a control can inspect -- effect, actions, resources,
principals, conditions -- and answers "does this statement name this action?" with a
tri-state ``bool | None`` (``None``: a part of the statement could not be resolved).

Values a source could not resolve (:class:`~airlock.inventory.model.Unresolved`, or anything
that is not a string) are left out of the tuples and recorded in ``unresolved``; matching on
a field that lost a value answers ``None`` instead of ``False``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from msgspec import Struct, field
from msgspec.structs import astuple

from airlock.inventory.model import PolicyValue, Unresolved


class Effect(StrEnum):
    ALLOW = "Allow"
    DENY = "Deny"


_NEGATED = frozenset(
    {
        "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals",
        "ArnNotLike", "NumericNotEquals", "DateNotEquals", "NotIpAddress",
    }
)  # fmt: skip


class Condition(Struct, frozen=True):
    """One ``operator: {key: values}`` entry of a statement's ``Condition`` block."""

    operator: str
    key: str
    values: tuple[str, ...]
    #: some values could not be resolved
    unresolved: bool = False

    @property
    def qualifier(self) -> str:
        """``ForAnyValue``, ``ForAllValues`` or ``""``."""
        head, sep, _ = self.operator.partition(":")
        return head if sep else ""

    @property
    def base(self) -> str:
        """The operator without set qualifier and ``IfExists``: ``StringNotEquals``..."""
        name = self.operator.partition(":")[2] or self.operator
        return name.removesuffix("IfExists")

    @property
    def if_exists(self) -> bool:
        return self.operator.endswith("IfExists")

    @property
    def negated(self) -> bool:
        return self.base in _NEGATED

    @property
    def requires_key(self) -> bool:
        """True when the condition is false for a request that lacks the key.

        Positive operators without ``IfExists`` and without ``ForAllValues`` (which is
        vacuously true on a missing key); ``Null`` tests presence and is not counted.
        """
        return (
            not self.negated
            and not self.if_exists
            and self.base != "Null"
            and self.qualifier != "ForAllValues"
        )

    def on(self, *keys: str) -> bool:
        """Condition key names are case-insensitive."""
        mine = self.key.lower()
        return any(mine == key.lower() for key in keys)

    def as_json(self) -> dict[str, Any]:
        return {self.operator: {self.key: list(self.values)}}


class Statement(Struct, frozen=True):
    """One statement, normalized. ``principals`` holds ``(type, value)`` pairs; ``*`` alone is
    ``("*", "*")``. ``raw`` (the statement as written) takes no part in equality or hash."""

    index: int
    effect: Effect | None
    sid: str | None = None
    actions: tuple[str, ...] = ()
    not_action: bool = False
    resources: tuple[str, ...] = ()
    not_resource: bool = False
    principals: tuple[tuple[str, str], ...] = ()
    not_principal: bool = False
    conditions: tuple[Condition, ...] = ()
    #: fields that lost at least one value to Unresolved ("Action", "Resource", ...)
    unresolved: frozenset[str] = frozenset()
    raw: Mapping[str, Any] = field(default_factory=dict)

    def _compared(self) -> tuple[object, ...]:
        """Every field but ``raw`` (the last one)."""
        return astuple(self)[:-1]

    def __eq__(self, other: object) -> bool:
        if type(other) is not Statement:
            return NotImplemented
        return self._compared() == other._compared()

    def __hash__(self) -> int:
        return hash(self._compared())

    @property
    def allows(self) -> bool:
        return self.effect is Effect.ALLOW

    @property
    def denies(self) -> bool:
        return self.effect is Effect.DENY

    @property
    def has_resource_element(self) -> bool:
        return bool(self.resources) or "Resource" in self.unresolved

    def covers_action(self, action: str) -> bool | None:
        """Whether ``Action``/``NotAction`` covers ``action`` (None: cannot tell)."""
        hit = any(glob_match(pattern, action, ignore_case=True) for pattern in self.actions)
        if self.not_action:
            if hit:
                return False
            return None if "Action" in self.unresolved else True
        if hit:
            return True
        return None if "Action" in self.unresolved else False

    def covers_any(self, actions: Iterable[str]) -> bool | None:
        answers = [self.covers_action(a) for a in actions]
        if any(a is True for a in answers):
            return True
        return None if any(a is None for a in answers) else False

    def covered_actions(self, actions: Iterable[str]) -> tuple[str, ...]:
        return tuple(a for a in actions if self.covers_action(a) is True)

    def conditions_on(self, *keys: str) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if c.on(*keys))

    def principal_values(self, kind: str) -> tuple[str, ...]:
        return tuple(v for t, v in self.principals if t == kind)

    @property
    def open_principal(self) -> bool:
        """``Principal: "*"`` or ``{"AWS": "*"}``."""
        return any(v == "*" and t in ("*", "AWS") for t, v in self.principals)

    def shown(self) -> Mapping[str, Any]:
        """The statement as written, for evidence."""
        return self.raw


class ParsedPolicy(Struct, frozen=True):
    statements: tuple[Statement, ...]
    #: the document had no readable Statement list
    problems: tuple[str, ...] = ()

    @property
    def allows(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.allows)

    @property
    def denies(self) -> tuple[Statement, ...]:
        return tuple(s for s in self.statements if s.denies)


def parse_policy(document: PolicyValue | str) -> ParsedPolicy | Unresolved | None:
    """Normalize a policy document; ``None`` stays ``None`` (not set)."""
    if document is None or isinstance(document, Unresolved):
        return document
    loaded: Any = document
    if isinstance(document, str):
        try:
            loaded = json.loads(document)
        except json.JSONDecodeError as exc:
            return Unresolved(f"the policy is not valid JSON ({exc.msg})")
    if not isinstance(loaded, Mapping):
        return Unresolved("the policy is not a JSON object")
    raw = loaded.get("Statement")
    if isinstance(raw, Unresolved):
        return raw
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, list):
        return Unresolved("the policy has no Statement list")
    statements: list[Statement] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        if isinstance(item, Mapping):
            statements.append(parse_statement(item, index))
        else:
            problems.append(f"statement {index} is not an object")
    return ParsedPolicy(tuple(statements), tuple(problems))


def parse_statement(raw: Mapping[str, Any], index: int = 0) -> Statement:
    unresolved: set[str] = set()
    effect_raw = raw.get("Effect")
    effect = Effect(effect_raw) if effect_raw in ("Allow", "Deny") else None
    if effect is None:
        unresolved.add("Effect")
    not_action = "NotAction" in raw
    actions = _strings(raw.get("NotAction" if not_action else "Action"), "Action", unresolved)
    not_resource = "NotResource" in raw
    resources = _strings(
        raw.get("NotResource" if not_resource else "Resource"), "Resource", unresolved
    )
    not_principal = "NotPrincipal" in raw
    principals = _principals(raw.get("NotPrincipal" if not_principal else "Principal"), unresolved)
    conditions = _conditions(raw.get("Condition"), unresolved)
    sid = raw.get("Sid")
    return Statement(
        index=index,
        effect=effect,
        sid=sid if isinstance(sid, str) else None,
        actions=actions,
        not_action=not_action,
        resources=resources,
        not_resource=not_resource,
        principals=principals,
        not_principal=not_principal,
        conditions=conditions,
        unresolved=frozenset(unresolved),
        raw=raw,
    )


def _strings(value: Any, name: str, unresolved: set[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list | tuple) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        else:
            unresolved.add(name)
    return tuple(out)


def _principals(value: Any, unresolved: set[str]) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if value == "*":
        return (("*", "*"),)
    if not isinstance(value, Mapping):
        unresolved.add("Principal")
        return ()
    out: list[tuple[str, str]] = []
    for kind, entries in value.items():
        for item in _strings(entries, "Principal", unresolved):
            out.append((str(kind), item))
    return tuple(out)


def _conditions(value: Any, unresolved: set[str]) -> tuple[Condition, ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        unresolved.add("Condition")
        return ()
    out: list[Condition] = []
    for operator, block in value.items():
        if not isinstance(block, Mapping):
            unresolved.add("Condition")
            continue
        for key, raw_values in block.items():
            lost: set[str] = set()
            values = _strings(_scalar_strings(raw_values), "Condition", lost)
            if lost:
                unresolved.add("Condition")
            out.append(Condition(str(operator), str(key), values, unresolved=bool(lost)))
    return tuple(out)


def _scalar_strings(value: Any) -> Any:
    """Condition values may be written as booleans or numbers; IAM compares them as text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return [_scalar_strings(v) for v in value]
    return value


@lru_cache(maxsize=4096)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """IAM-style ``*``/``?`` wildcard match of a whole value."""
    return _glob_regex(pattern, ignore_case).fullmatch(value) is not None


def has_wildcard(value: str) -> bool:
    return "*" in value or "?" in value


def literal_prefix(pattern: str) -> str:
    """The part of a pattern before its first wildcard."""
    cut = [i for i in (pattern.find("*"), pattern.find("?")) if i >= 0]
    return pattern[: min(cut)] if cut else pattern


def globs_intersect(left: str, right: str) -> bool:
    """Whether some value matches both wildcard patterns (exists semantics).

    ``globs_intersect(grant, "arn:aws:s3:::b/*")`` asks whether a grant may reach an object of
    bucket ``b``.
    """
    return _intersect(left, right)


@lru_cache(maxsize=4096)
def _intersect(left: str, right: str) -> bool:
    memo: dict[tuple[int, int], bool] = {}

    def walk(i: int, j: int) -> bool:
        if (i, j) in memo:
            return memo[(i, j)]
        memo[(i, j)] = False
        if i == len(left) and j == len(right):
            result = True
        else:
            a = left[i] if i < len(left) else None
            b = right[j] if j < len(right) else None
            result = False
            if a == "*":
                result = walk(i + 1, j) or (b is not None and walk(i, j + 1))
            if not result and b == "*":
                result = walk(i, j + 1) or (a is not None and walk(i + 1, j))
            if not result and a is not None and b is not None and "*" not in (a, b):
                result = (a == b or "?" in (a, b)) and walk(i + 1, j + 1)
        memo[(i, j)] = result
        return result

    return walk(0, 0)


def _arn_parts(value: str) -> list[str] | None:
    return split_arn(value)


def arn_match(pattern: str, value: str) -> bool:
    """Resource matching: ``*`` matches everything; ARNs are matched segment by segment, so a
    wildcard does not run across the colons of the first five segments."""
    if pattern == "*":
        return True
    left, right = _arn_parts(pattern), _arn_parts(value)
    if left is None or right is None:
        return glob_match(pattern, value)
    return all(glob_match(p, v) for p, v in zip(left, right, strict=True))


def arns_intersect(left: str, right: str) -> bool:
    """Whether some resource matches both patterns, segment by segment for ARNs."""
    if left == "*" or right == "*":
        return True
    a, b = _arn_parts(left), _arn_parts(right)
    if a is None or b is None:
        return globs_intersect(left, right)
    return all(globs_intersect(p, q) for p, q in zip(a, b, strict=True))


# --- template placeholders -----------------------------------------------------------
#
# A template source may keep deploy-time values inside strings as ``${AWS::Region}``,
# ``${AWS::AccountId}`` or ``${LogicalId}`` (what ``Fn::Sub`` leaves when it cannot resolve a
# part). IAM policy variables look alike but name a context key with a single colon
# (``${aws:username}``). Placeholders contain colons, so ARNs are split around them.

_PLACEHOLDER = re.compile(r"\$\{([^}]*)\}")
#: the placeholder that stands for the account the template is deployed to
HOME_ACCOUNT = "${AWS::AccountId}"


def _is_template(content: str) -> bool:
    return "::" in content or ":" not in content


def has_placeholder(value: str) -> bool:
    return any(_is_template(m.group(1)) for m in _PLACEHOLDER.finditer(value))


def widen(value: str) -> str:
    """The value with every template placeholder replaced by ``*`` (what it may become)."""
    return _PLACEHOLDER.sub(lambda m: "*" if _is_template(m.group(1)) else m.group(0), value)


def split_arn(value: str) -> list[str] | None:
    """The six segments of an ARN, ignoring colons inside ``${...}``; None if not an ARN."""
    if "${" not in value:
        fast = value.split(":", 5)
        return fast if len(fast) == 6 and fast[0] == "arn" else None
    parts: list[str] = []
    current: list[str] = []
    depth = 0
    i = 0
    while i < len(value):
        ch = value[i]
        if ch == "$" and value.startswith("${", i):
            depth += 1
            current.append("${")
            i += 2
            continue
        if ch == "}" and depth:
            depth -= 1
        if ch == ":" and not depth and len(parts) < 5:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts if len(parts) == 6 and parts[0] == "arn" else None

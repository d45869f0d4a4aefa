"""Condition operators with AWS's exact semantics.

Structure: ``{Operator: {Key: Value | [Values]}}``. Different operators and different keys
combine with AND; several values for one key with OR, except under a *negated* operator
(``StringNotEquals``, ``ArnNotLike``, ``NotIpAddress``...), where the request value must match
none of them (NOR).

Missing keys: positive operators are false, negated operators true, ``...IfExists`` true,
``ForAllValues:`` true (also on an empty list), ``ForAnyValue:`` false (``IfExists`` does not
change that). ``Null: true`` means absent. A plain (non-set) operator never matches a
multivalued request value.

Operator names are case-sensitive (``stringEquals`` is invalid); key names are not. An
operator the evaluator does not know makes the clause UNKNOWN rather than being dropped.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum

from msgspec import Struct

from .context import EvalValue, Unresolved
from .truth import Truth
from .variables import has_variables, plain, substitute, variable_keys
from .wildcard import Glob

Context = Mapping[str, EvalValue]


class Family(Enum):
    STRING = "String"
    NUMERIC = "Numeric"
    DATE = "Date"
    BOOL = "Bool"
    BINARY = "Binary"
    IP = "IpAddress"
    ARN = "Arn"
    NULL = "Null"


class Comparison(Enum):
    EQUALS = "equals"
    EQUALS_IGNORE_CASE = "equals-ignore-case"
    LIKE = "like"
    LESS = "less"
    LESS_EQUALS = "less-equals"
    GREATER = "greater"
    GREATER_EQUALS = "greater-equals"
    IN_CIDR = "in-cidr"
    IS_NULL = "is-null"


class SetQualifier(Enum):
    NONE = ""
    FOR_ANY_VALUE = "ForAnyValue"
    FOR_ALL_VALUES = "ForAllValues"


_ORDER = {
    "Equals": (Comparison.EQUALS, False),
    "NotEquals": (Comparison.EQUALS, True),
    "LessThan": (Comparison.LESS, False),
    "LessThanEquals": (Comparison.LESS_EQUALS, False),
    "GreaterThan": (Comparison.GREATER, False),
    "GreaterThanEquals": (Comparison.GREATER_EQUALS, False),
}
OPERATORS: dict[str, tuple[Family, Comparison, bool]] = {
    "StringEquals": (Family.STRING, Comparison.EQUALS, False),
    "StringNotEquals": (Family.STRING, Comparison.EQUALS, True),
    "StringEqualsIgnoreCase": (Family.STRING, Comparison.EQUALS_IGNORE_CASE, False),
    "StringNotEqualsIgnoreCase": (Family.STRING, Comparison.EQUALS_IGNORE_CASE, True),
    "StringLike": (Family.STRING, Comparison.LIKE, False),
    "StringNotLike": (Family.STRING, Comparison.LIKE, True),
    **{f"Numeric{name}": (Family.NUMERIC, *spec) for name, spec in _ORDER.items()},
    **{f"Date{name}": (Family.DATE, *spec) for name, spec in _ORDER.items()},
    "Bool": (Family.BOOL, Comparison.EQUALS_IGNORE_CASE, False),
    "BinaryEquals": (Family.BINARY, Comparison.EQUALS, False),
    "IpAddress": (Family.IP, Comparison.IN_CIDR, False),
    "NotIpAddress": (Family.IP, Comparison.IN_CIDR, True),
    "ArnEquals": (Family.ARN, Comparison.LIKE, False),
    "ArnLike": (Family.ARN, Comparison.LIKE, False),
    "ArnNotEquals": (Family.ARN, Comparison.LIKE, True),
    "ArnNotLike": (Family.ARN, Comparison.LIKE, True),
    "Null": (Family.NULL, Comparison.IS_NULL, False),
}
_VARIABLE_FAMILIES = (Family.STRING, Family.ARN, Family.BOOL)

Test = Callable[[str], bool]


def split_operator(operator: str) -> tuple[SetQualifier, str, bool]:
    """(set qualifier, base operator -- a key of OPERATORS when supported, IfExists)."""
    qualifier = SetQualifier.NONE
    base = operator
    for candidate in (SetQualifier.FOR_ANY_VALUE, SetQualifier.FOR_ALL_VALUES):
        if operator.startswith(candidate.value + ":"):
            qualifier = candidate
            base = operator[len(candidate.value) + 1 :]
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    return qualifier, base, if_exists


def parse_number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_date(text: str) -> float | None:
    """ISO-8601 or epoch seconds to epoch seconds (UTC when no zone is given)."""
    number = parse_number(text)
    if number is not None:
        return number
    try:
        stamp = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp()


def parse_network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    try:
        return ipaddress.ip_network(text.strip(), strict=False)
    except ValueError:
        return None


def _in_network(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> Test:
    def test(value: str) -> bool:
        try:
            address = ipaddress.ip_address(value.strip())
        except ValueError:
            return False
        return address.version == net.version and address in net

    return test


def _ordered(comparison: Comparison, bound: float, parse: Callable[[str], float | None]) -> Test:
    def test(value: str) -> bool:
        number = parse(value)
        if number is None:
            return False
        if comparison is Comparison.EQUALS:
            return number == bound
        if comparison is Comparison.LESS:
            return number < bound
        if comparison is Comparison.LESS_EQUALS:
            return number <= bound
        if comparison is Comparison.GREATER:
            return number > bound
        return number >= bound

    return test


def compile_test(family: Family, comparison: Comparison, value: str) -> Test | str:
    """A positive test for one policy value, or a reason it cannot be compiled."""
    if family is Family.STRING:
        if comparison is Comparison.EQUALS:
            exact = plain(value)
            return lambda candidate: candidate == exact
        if comparison is Comparison.EQUALS_IGNORE_CASE:
            folded = plain(value).lower()
            return lambda candidate: candidate.lower() == folded
        return Glob.like(value).matches
    if family is Family.ARN:
        return Glob.arn(value).matches
    if family is Family.BOOL:
        folded = plain(value).lower()
        return lambda candidate: candidate.lower() == folded
    if family is Family.BINARY:
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return f"BinaryEquals value {value!r} is not base64"
        return lambda candidate: candidate == value
    if family is Family.IP:
        net = parse_network(value)
        return f"{value!r} is not an IP address or CIDR" if net is None else _in_network(net)
    if family is Family.NUMERIC:
        number = parse_number(value)
        if number is None:
            return f"{value!r} is not a number"
        return _ordered(comparison, number, parse_number)
    if family is Family.DATE:
        stamp = parse_date(value)
        if stamp is None:
            return f"{value!r} is not a date"
        return _ordered(comparison, stamp, parse_date)
    return f"operator family {family.value} takes no compiled test"


class ConditionClause(Struct, frozen=True, eq=False):
    """One ``Operator: {Key: Values}`` pair of a statement's ``Condition``."""

    operator: str
    key: str  # lower-case
    key_as_written: str
    values: tuple[str, ...]
    family: Family | None = None
    comparison: Comparison | None = None
    negated: bool = False
    if_exists: bool = False
    qualifier: SetQualifier = SetQualifier.NONE
    variables: bool = False  # values hold ${...} to resolve per request
    variable_keys: tuple[str, ...] = ()
    issue: str | None = None
    _tests: tuple[Test, ...] = ()

    @staticmethod
    def parse(operator: str, key: str, values: tuple[str, ...], variables: bool) -> ConditionClause:
        qualifier, base, if_exists = split_operator(operator)
        spec = OPERATORS.get(base)
        common = {"operator": operator, "key": key.lower(), "key_as_written": key, "values": values}
        if spec is None:
            return ConditionClause(**common, issue=f"unsupported condition operator {operator!r}")  # type: ignore[arg-type]
        family, comparison, negated = spec
        issue: str | None = None
        if family is Family.NULL and if_exists:
            issue = "Null cannot be combined with IfExists"
        elif family is Family.NULL and qualifier is not SetQualifier.NONE:
            issue = f"{qualifier.value}: cannot qualify Null"
        elif family is Family.NULL and any(v.lower() not in ("true", "false") for v in values):
            issue = "Null takes only true or false"
        uses_variables = (
            variables and family in _VARIABLE_FAMILIES and any(map(has_variables, values))
        )
        tests: list[Test] = []
        if issue is None and family is not Family.NULL and not uses_variables:
            for value in values:
                compiled = compile_test(family, comparison, value)
                if isinstance(compiled, str):
                    issue = compiled
                    break
                tests.append(compiled)
        return ConditionClause(
            **common,  # type: ignore[arg-type]
            family=family,
            comparison=comparison,
            negated=negated,
            if_exists=if_exists,
            qualifier=qualifier,
            variables=uses_variables,
            variable_keys=tuple(k for v in values for k in variable_keys(v))
            if uses_variables
            else (),
            issue=issue,
            _tests=tuple(tests),
        )

    def resolved_values(self, context: Context) -> tuple[str | None, ...]:
        """Policy values with variables substituted (None: the variable has no value)."""
        if not self.variables:
            return self.values

        def lookup(key: str) -> str | None:
            value = context.get(key)
            return value if isinstance(value, str) else None

        return tuple(substitute(value, lookup) for value in self.values)

    def _tests_for(self, context: Context) -> tuple[Test, ...]:
        if not self.variables:
            return self._tests
        assert self.family is not None and self.comparison is not None
        tests: list[Test] = []
        for value in self.resolved_values(context):
            if value is None:
                continue  # a null variable matches nothing
            compiled = compile_test(self.family, self.comparison, value)
            if not isinstance(compiled, str):
                tests.append(compiled)
        return tuple(tests)

    def evaluate(self, context: Context) -> Truth:
        if self.issue is not None:
            return Truth.UNKNOWN
        value = context.get(self.key)
        if isinstance(value, Unresolved) or (
            self.variables
            and any(isinstance(context.get(k), Unresolved) for k in self.variable_keys)
        ):
            return Truth.UNKNOWN
        if self.family is Family.NULL:
            absent = value is None or value == ()
            return Truth.of(any((v.lower() == "true") == absent for v in self.values))
        tests = self._tests_for(context)
        if self.qualifier is SetQualifier.NONE:
            if value is None:
                return Truth.of(self.if_exists or self.negated)
            if isinstance(value, tuple):
                return Truth.FALSE
            hit = any(test(value) for test in tests)
            return Truth.of(hit != self.negated)
        if value is None or value == ():
            return Truth.of(self.qualifier is SetQualifier.FOR_ALL_VALUES)
        members = value if isinstance(value, tuple) else (value,)
        results = (any(test(member) for test in tests) != self.negated for member in members)
        if self.qualifier is SetQualifier.FOR_ANY_VALUE:
            return Truth.of(any(results))
        return Truth.of(all(results))


def parse_condition_block(
    block: object, variables: bool
) -> tuple[tuple[ConditionClause, ...], tuple[str, ...]]:
    """Parse a statement's ``Condition``; returns clauses and statement-level issues."""
    if not isinstance(block, dict):
        return (), ("Condition is not an object",)
    clauses: list[ConditionClause] = []
    issues: list[str] = []
    for operator, pairs in block.items():
        if not isinstance(pairs, dict):
            issues.append(f"Condition operator {operator!r} does not map keys to values")
            continue
        seen: dict[str, str] = {}
        for key, raw in pairs.items():
            if key.lower() in seen:
                issues.append(f"duplicate condition keys {seen[key.lower()]!r} and {key!r}")
            seen[key.lower()] = key
            values = _values(raw)
            if values is None:
                issues.append(f"condition values for {key!r} must be strings, numbers or booleans")
                continue
            clauses.append(ConditionClause.parse(str(operator), str(key), values, variables))
    return tuple(clauses), tuple(issues)


def _scalar(raw: object) -> str | None:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(raw)
    if isinstance(raw, str):
        return raw
    return None


def _values(raw: object) -> tuple[str, ...] | None:
    items = raw if isinstance(raw, list) else [raw]
    values = tuple(_scalar(item) for item in items)
    if any(value is None for value in values):
        return None
    return tuple(value for value in values if value is not None)

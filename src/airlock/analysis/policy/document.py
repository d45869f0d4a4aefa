"""Policy documents and statements: lenient parsing that never raises.

:meth:`PolicyDocument.parse` accepts a dict, a JSON string or bytes and always returns a
document. Problems are recorded as ``issues`` — on the document (not JSON, no ``Statement``,
unknown top-level element) or on a statement (bad ``Effect``, ``Action`` and ``NotAction``
together, ``NotPrincipal`` with ``Allow``, an unknown condition operator...). The evaluator
treats every part with an issue as UNKNOWN, so answers fail closed with the issue as reason.
:meth:`PolicyDocument.parse_strict` raises :class:`~airlock.errors.PolicyError` instead.

KMS key-policy statements without ``Action`` or ``Resource`` are accepted by KMS and have no
effect; they are kept with ``inert`` set, and never match.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar

from msgspec import Struct, field

from airlock.errors import PolicyError

from .condition import ConditionClause, parse_condition_block
from .variables import has_variables
from .wildcard import Glob

if TYPE_CHECKING:
    from .plan import Selection


class PolicyKind(Enum):
    IDENTITY = "identity"
    BOUNDARY = "permissions-boundary"
    SESSION = "session"
    SCP = "scp"
    RCP = "rcp"
    RESOURCE = "resource"  # S3 bucket policy, SQS queue policy, ...
    TRUST = "trust"  # IAM role trust policy
    KEY_POLICY = "key-policy"
    ENDPOINT = "vpc-endpoint"
    GRANT = "kms-grant"  # synthetic: a KMS grant seen as an allow statement

    @property
    def has_principal(self) -> bool:
        return self.value in _WITH_PRINCIPAL_VALUES


_WITH_PRINCIPAL_VALUES = frozenset(
    {
        PolicyKind.RESOURCE.value,
        PolicyKind.TRUST.value,
        PolicyKind.KEY_POLICY.value,
        PolicyKind.ENDPOINT.value,
        PolicyKind.RCP.value,
    }
)
VARIABLES_VERSION = "2012-10-17"
_KNOWN_TOP = {"Version", "Id", "Statement"}
_KNOWN_STATEMENT = {
    "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
    "Principal", "NotPrincipal", "Condition",
}  # fmt: skip


class Effect(Enum):
    ALLOW = "Allow"
    DENY = "Deny"


class StatementRef(Struct, frozen=True):
    """Where a statement lives: policy name and kind, 0-based index, Sid."""

    policy: str
    kind: PolicyKind
    index: int
    sid: str | None = None

    def __str__(self) -> str:
        sid = f" ({self.sid})" if self.sid else ""
        return f"{self.kind.value} {self.policy!r} statement {self.index}{sid}"


class Targets(Struct, frozen=True, eq=False):
    """``Action``/``NotAction`` or ``Resource``/``NotResource`` values."""

    patterns: tuple[str, ...]
    negated: bool
    variables: bool = False
    _regex: re.Pattern[str] | None = None

    @staticmethod
    def actions(patterns: tuple[str, ...], negated: bool) -> Targets:
        body = "|".join(
            f"(?:{Glob.like(p, case_insensitive=True)._regex.pattern})" for p in patterns
        )
        return Targets(patterns, negated, False, re.compile(body, re.IGNORECASE | re.DOTALL))

    @staticmethod
    def resources(patterns: tuple[str, ...], negated: bool, variables: bool) -> Targets:
        dynamic = variables and any(map(has_variables, patterns))
        if dynamic:
            return Targets(patterns, negated, True, None)
        body = "|".join(f"(?:{Glob.arn(p)._regex.pattern})" for p in patterns)
        return Targets(patterns, negated, False, re.compile(body, re.DOTALL))

    def matches_static(self, value: str) -> bool:
        assert self._regex is not None
        return (self._regex.fullmatch(value) is not None) != self.negated


class PrincipalEntry(Struct, frozen=True):
    type: str  # "*", "AWS", "Service", "Federated", "CanonicalUser"
    value: str


class Statement(Struct, frozen=True, eq=False, dict=True):
    """One statement as parsed. ``raw`` (the statement as written) is left out of the repr;
    the fingerprint cache lives in the instance's ``__dict__``, outside the fields."""

    ref: StatementRef
    effect: Effect | None
    actions: Targets | None
    resources: Targets | None
    principals: tuple[PrincipalEntry, ...] | None = None
    not_principal: bool = False
    conditions: tuple[ConditionClause, ...] = ()
    issues: tuple[str, ...] = ()
    inert: str | None = None
    raw: Mapping[str, Any] = field(default_factory=dict)
    opaque: bool = False  # stands for a document-level problem, not a written statement

    def __repr__(self) -> str:
        shown = ", ".join(
            f"{name}={getattr(self, name)!r}" for name in self.__struct_fields__ if name != "raw"
        )
        return f"Statement({shown})"

    @property
    def fingerprint(self) -> str:
        """What decides how the statement behaves once its action/resource/principal match."""
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            dynamic = (
                self.resources.patterns if self.resources and self.resources._regex is None else ()
            )
            parts = [
                c.operator
                + "\x1f"
                + c.key_as_written
                + "\x1f"
                + "\x1e".join(c.values)
                + ("$" if c.variables else "")
                for c in self.conditions
            ]
            cached = "|".join([str(self.effect), *sorted(parts), *dynamic, *self.issues])
            self.__dict__["_fingerprint"] = cached
        return cached

    @property
    def condition_issues(self) -> tuple[str, ...]:
        return tuple(c.issue for c in self.conditions if c.issue is not None)


class PolicyDocument(Struct, frozen=True, eq=False, dict=True):
    """A parsed policy. ``issues`` are document-level problems; see statements for theirs.

    The lookup caches below are not fields (not in ``__init__`` or the repr): each instance
    holds its own in its ``__dict__`` (``ClassVar`` keeps msgspec from making them fields).
    """

    name: str
    kind: PolicyKind
    version: str | None
    statements: tuple[Statement, ...]
    issues: tuple[str, ...] = ()
    size_bytes: int = 0
    _by_action: ClassVar[dict[str, tuple[Statement, ...]]]
    _by_service: ClassVar[dict[str, tuple[Statement, ...]]]
    # Per (action, resource) selections made by .plan for documents without a Principal.
    _selections: ClassVar[dict[tuple[str, str], Selection]]

    def __post_init__(self) -> None:
        cache = self.__dict__
        cache["_by_action"] = {}
        cache["_by_service"] = {}
        cache["_selections"] = {}

    @property
    def variables_enabled(self) -> bool:
        return self.version == VARIABLES_VERSION

    @property
    def all_issues(self) -> tuple[str, ...]:
        found = list(self.issues)
        for stmt in self.statements:
            found += [f"{stmt.ref}: {issue}" for issue in stmt.issues + stmt.condition_issues]
        return tuple(found)

    def statements_for(self, action: str) -> tuple[Statement, ...]:
        """Statements whose Action/NotAction may cover ``action`` (cached per action)."""
        cached = self._by_action.get(action)
        if cached is None:
            cached = tuple(
                stmt
                for stmt in self._for_service(action.partition(":")[0].lower())
                if stmt.actions is None
                or stmt.actions._regex is None
                or stmt.actions.matches_static(action)
            )
            self._by_action[action] = cached
        return cached

    def _for_service(self, service: str) -> tuple[Statement, ...]:
        """Statements that may name an action of ``service`` (in document order)."""
        found = self._by_service.get(service)
        if found is None:
            found = tuple(
                stmt
                for stmt in self.statements
                if stmt.inert is None
                and (
                    stmt.actions is None
                    or stmt.actions.negated
                    or any(_may_name(pattern, service) for pattern in stmt.actions.patterns)
                )
            )
            self._by_service[service] = found
        return found

    @staticmethod
    def parse(
        document: str | bytes | Mapping[str, Any], kind: PolicyKind, name: str = "policy"
    ) -> PolicyDocument:
        """Parse leniently: never raises; problems become ``issues``."""
        text: str | None = None
        if isinstance(document, bytes):
            try:
                text = document.decode("utf-8")
            except UnicodeDecodeError as exc:
                return _broken(name, kind, f"policy is not UTF-8 ({exc.reason})", len(document))
        elif isinstance(document, str):
            text = document
        if text is not None:
            size = len(text.encode("utf-8"))
            try:
                loaded = json.loads(text)
            except json.JSONDecodeError as exc:
                return _broken(name, kind, f"not valid JSON: {exc.msg} at line {exc.lineno}", size)
        else:
            loaded = document
            size = len(json.dumps(document, separators=(",", ":")).encode("utf-8"))
        if not isinstance(loaded, Mapping):
            return _broken(name, kind, "policy is not a JSON object", size)
        return _parse_object(loaded, kind, name, size)

    @staticmethod
    def parse_strict(
        document: str | bytes | Mapping[str, Any], kind: PolicyKind, name: str = "policy"
    ) -> PolicyDocument:
        """Parse, raising :class:`PolicyError` on any issue (document or statement)."""
        parsed = PolicyDocument.parse(document, kind, name)
        if parsed.all_issues:
            raise PolicyError(f"{kind.value} policy {name!r}: {parsed.all_issues[0]}")
        return parsed


def _may_name(pattern: str, service: str) -> bool:
    """Whether an Action pattern can match some action of ``service`` (lower-case)."""
    prefix, colon, _ = pattern.partition(":")
    if not colon:
        return "*" in pattern or "?" in pattern
    if "*" in prefix or "?" in prefix:
        return True
    return prefix.lower() == service


def _broken(name: str, kind: PolicyKind, issue: str, size: int) -> PolicyDocument:
    opaque = Statement(StatementRef(name, kind, 0), None, None, None, issues=(issue,), opaque=True)
    return PolicyDocument(name, kind, None, (opaque,), (issue,), size)


def _parse_object(obj: Mapping[str, Any], kind: PolicyKind, name: str, size: int) -> PolicyDocument:
    issues = [f"unsupported policy element {key!r}" for key in obj if key not in _KNOWN_TOP]
    version = obj.get("Version")
    if version is not None and version not in ("2012-10-17", "2008-10-17"):
        issues.append(f"unknown policy Version {version!r}")
    raw_statements = obj.get("Statement")
    if isinstance(raw_statements, Mapping):
        raw_statements = [raw_statements]
    if not isinstance(raw_statements, list):
        issues.append("policy has no Statement list")
        raw_statements = []
    variables = version == VARIABLES_VERSION
    statements = tuple(
        _parse_statement(raw, StatementRef(name, kind, index), variables)
        for index, raw in enumerate(raw_statements)
    )
    if issues:
        ref = StatementRef(name, kind, len(statements))
        opaque = Statement(ref, None, None, None, issues=tuple(issues), opaque=True)
        statements = (*statements, opaque)
    return PolicyDocument(
        name, kind, str(version) if version else None, statements, tuple(issues), size
    )


def _strings(raw: object) -> tuple[str, ...] | None:
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(item, str) for item in items):
        return None
    return tuple(str(item) for item in items)


def _parse_principal(raw: object) -> tuple[PrincipalEntry, ...] | None:
    if raw == "*":
        return (PrincipalEntry("*", "*"),)
    if not isinstance(raw, Mapping) or not raw:
        return None
    entries: list[PrincipalEntry] = []
    for entry_type, values in raw.items():
        parsed = _strings(values)
        if parsed is None or entry_type not in ("AWS", "Service", "Federated", "CanonicalUser"):
            return None
        entries += [PrincipalEntry(str(entry_type), value.strip()) for value in parsed]
    return tuple(entries)


def _pair(
    raw: Mapping[str, Any], positive: str, negative: str, issues: list[str]
) -> tuple[object, bool] | None:
    if positive in raw and negative in raw:
        issues.append(f"{positive} and {negative} in one statement")
        return None
    if positive in raw:
        return raw[positive], False
    if negative in raw:
        return raw[negative], True
    return None


def _parse_statement(raw: object, ref: StatementRef, variables: bool) -> Statement:
    if not isinstance(raw, Mapping):
        return Statement(ref, None, None, None, issues=("statement is not an object",))
    sid = raw.get("Sid")
    ref = StatementRef(ref.policy, ref.kind, ref.index, str(sid) if sid is not None else None)
    kind = ref.kind
    issues = [
        f"unsupported statement element {key!r}" for key in raw if key not in _KNOWN_STATEMENT
    ]
    effect = {"Allow": Effect.ALLOW, "Deny": Effect.DENY}.get(str(raw.get("Effect")))
    if effect is None:
        issues.append(f"Effect must be Allow or Deny, not {raw.get('Effect')!r}")
    inert: str | None = None

    actions: Targets | None = None
    action_pair = _pair(raw, "Action", "NotAction", issues)
    if action_pair is not None:
        patterns = _strings(action_pair[0])
        if patterns is None:
            issues.append("Action must be a string or a list of strings")
        else:
            actions = Targets.actions(patterns, action_pair[1])
    elif "Action" not in raw and "NotAction" not in raw:
        if kind is PolicyKind.KEY_POLICY:
            inert = "key-policy statement without Action has no effect"
        else:
            issues.append("statement has neither Action nor NotAction")

    resources: Targets | None = None
    resource_pair = _pair(raw, "Resource", "NotResource", issues)
    if resource_pair is not None:
        patterns = _strings(resource_pair[0])
        if patterns is None:
            issues.append("Resource must be a string or a list of strings")
        else:
            resources = Targets.resources(patterns, resource_pair[1], variables)
    elif "Resource" not in raw and "NotResource" not in raw:
        if kind is PolicyKind.KEY_POLICY:
            inert = inert or "key-policy statement without Resource has no effect"
        elif kind is PolicyKind.TRUST:
            resources = Targets.resources(("*",), False, False)
        else:
            issues.append("statement has neither Resource nor NotResource")

    principals: tuple[PrincipalEntry, ...] | None = None
    not_principal = False
    principal_pair = _pair(raw, "Principal", "NotPrincipal", issues)
    if principal_pair is not None:
        if not kind.has_principal:
            issues.append(f"a {kind.value} policy cannot name a Principal")
        principals = _parse_principal(principal_pair[0])
        not_principal = principal_pair[1]
        if principals is None:
            issues.append("Principal is malformed")
        if not_principal and effect is Effect.ALLOW:
            issues.append("NotPrincipal with Allow is not supported by AWS")
    elif kind.has_principal and "Principal" not in raw and "NotPrincipal" not in raw:
        issues.append(f"a {kind.value} policy statement needs a Principal")

    conditions: tuple[ConditionClause, ...] = ()
    if "Condition" in raw:
        conditions, condition_issues = parse_condition_block(raw["Condition"], variables)
        issues += condition_issues
    return Statement(
        ref, effect, actions, resources, principals, not_principal, conditions,
        tuple(issues), inert, raw,
    )  # fmt: skip

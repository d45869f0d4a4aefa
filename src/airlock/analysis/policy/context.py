"""Request-context values, and how callers fix or constrain them.

A request context maps condition keys (case-insensitive; stored lower-case) to a single
string or, for multivalued keys such as ``aws:CalledVia``, a tuple of strings. A key that is
not present is *absent*, which conditions treat specially (see :mod:`.condition`).

Callers pass ``fixed_context`` to :func:`~airlock.analysis.policy.can` with, per key:

* a value (``str``, ``bool``, ``int``, ``float``, ``datetime``, or a sequence of strings for a
  multivalued key) — the key has exactly that value;
* :data:`ABSENT` — the key is not in the request;
* :class:`Excluding` — the key is absent or has any value except those listed (e.g. "not one of
  our VPC endpoints").

Keys not fixed are *free*: the query asks whether *some* value (or absence) allows access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum

from msgspec import Struct

ContextValue = str | tuple[str, ...]


class Absent(Enum):
    """Marker for a key that is not present in the request."""

    ABSENT = "absent"

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = Absent.ABSENT


class Unresolved(Enum):
    """Marker for a free key during the symbolic pre-check: any value, not yet chosen."""

    UNRESOLVED = "unresolved"


UNRESOLVED = Unresolved.UNRESOLVED
# A context as the evaluator reads it (UNRESOLVED only during the symbolic pre-check).
EvalValue = ContextValue | Unresolved


class Excluding(Struct, frozen=True):
    """The key is absent or has any single value other than ``values``."""

    values: tuple[str, ...]
    allow_absent: bool = True

    @staticmethod
    def of(values: Iterable[str], *, allow_absent: bool = True) -> Excluding:
        return Excluding(tuple(values), allow_absent)


# What a counterexample shows for each key.
ShownValue = ContextValue | Absent
# What a caller may pass for a key.
ContextInput = str | bool | int | float | datetime | Sequence[str] | Absent | Excluding
Constraint = ContextValue | Absent | Excluding

# Canonical spellings for display; any other key keeps the spelling first seen in a policy.
_CANONICAL = (
    "aws:CalledVia",
    "aws:CalledViaFirst",
    "aws:CalledViaLast",
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:MultiFactorAuthPresent",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalIsAWSService",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalServiceName",
    "aws:PrincipalType",
    "aws:RequestedRegion",
    "aws:ResourceAccount",
    "aws:ResourceOrgID",
    "aws:SecureTransport",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceIp",
    "aws:SourceOrgID",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceVpce",
    "aws:TagKeys",
    "aws:userid",
    "aws:username",
    "aws:ViaAWSService",
    "aws:VpcSourceIp",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "bedrock:GuardrailIdentifier",
    "bedrock:InferenceProfileArn",
    "kms:CallerAccount",
    "kms:GrantIsForAWSResource",
    "kms:ViaService",
)
CANONICAL_NAMES: Mapping[str, str] = {name.lower(): name for name in _CANONICAL}

# Keys AWS always puts in an authenticated request (never absent).
ALWAYS_PRESENT = frozenset(
    {
        "aws:currenttime",
        "aws:epochtime",
        "aws:securetransport",
        "aws:requestedregion",
        "aws:viaawsservice",
    }
)

# Keys whose request value is a list (set operators required).
MULTIVALUED = frozenset(
    {
        "aws:calledvia",
        "aws:principalorgpaths",
        "aws:resourceorgpaths",
        "aws:sourceorgpaths",
        "aws:tagkeys",
        "aws:vpceorgpaths",
        "aws:principalservicenameslist",
        "kms:encryptioncontextkeys",
        "kms:grantoperations",
    }
)

BOOLEAN_KEYS = frozenset(
    {
        "aws:securetransport",
        "aws:viaawsservice",
        "aws:principalisawsservice",
        "aws:multifactorauthpresent",
        "kms:grantisforawsresource",
    }
)


def display_name(key: str, seen: Mapping[str, str] | None = None) -> str:
    """The spelling to show for a lower-case key."""
    if key in CANONICAL_NAMES:
        return CANONICAL_NAMES[key]
    if seen is not None and key in seen:
        return seen[key]
    return key


def to_constraint(value: ContextInput) -> Constraint:
    """Normalise one caller-supplied value."""
    if isinstance(value, Absent | Excluding):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, str):
        return value
    return tuple(str(item) for item in value)


def normalize_context(values: Mapping[str, ContextInput] | None) -> dict[str, Constraint]:
    """Lower-case the keys and normalise the values of a caller's context."""
    if not values:
        return {}
    return {key.lower(): to_constraint(value) for key, value in values.items()}

"""Candidate values per free condition key (symbolic evaluation by enumeration).

IAM conditions compare a key with constants, so the truth of every condition on a key is
constant over classes of values. For each free key this module lists one value per class
(and absence), using every comparison on that key in the relevant statements:

* strings and ARNs: :func:`.witness.string_witnesses` (exact over wildcards and case);
* numbers and dates: every literal, the midpoints between them, and one below/above;
* IP addresses: the first address of every CIDR and the one after its last (plus a public
  documentation address) — the left end of every cell of the CIDR partition;
* ``Bool``: ``true``/``false``;
* multivalued keys: the empty list and every subset of the element witnesses.

Values are then deduplicated by the truth vector they give the key's clauses, so the product
over keys stays small. ``complete`` is False when a key was approximated (mixed operator
families, variables comparing two free keys, a witness search over budget); a DENY built on an
incomplete enumeration is reported as UNKNOWN.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from itertools import combinations, pairwise

from msgspec import Struct

from .condition import Comparison, ConditionClause, Family, SetQualifier, parse_date, parse_network
from .context import ALWAYS_PRESENT, BOOLEAN_KEYS, MULTIVALUED, Absent, ContextValue, Excluding
from .truth import Truth
from .wildcard import Glob
from .witness import string_witnesses

Candidate = ContextValue | Absent
MAX_SUBSET_ELEMENTS = 4

_FRESH = {
    "aws:sourcevpce": "vpce-0aaaaaaaaaaaaaaaa",
    "aws:sourcevpc": "vpc-0aaaaaaaaaaaaaaaa",
    "aws:requestedregion": "ap-southeast-7",
    "aws:principalorgid": "o-aaaaaaaaaa",
    "aws:resourceorgid": "o-aaaaaaaaaa",
    "aws:sourceorgid": "o-aaaaaaaaaa",
    "aws:sourceaccount": "999999999999",
    "aws:principalaccount": "999999999999",
    "aws:resourceaccount": "999999999999",
    "aws:vpceaccount": "999999999999",
    "kms:calleraccount": "999999999999",
}
_PUBLIC_V4 = "203.0.113.10"
_PUBLIC_V6 = "2001:db8::10"


class KeyCandidates(Struct, frozen=True):
    key: str
    values: tuple[Candidate, ...]
    complete: bool


def _resolved(clause: ConditionClause, base: Mapping[str, ContextValue]) -> tuple[list[str], bool]:
    """Policy values of a clause with fixed variables substituted; False if any stayed free."""
    if not clause.variables:
        return list(clause.values), True
    values = [v for v in clause.resolved_values(base) if v is not None]
    return values, len(values) == len(clause.values)


def _string_globs(
    clauses: Sequence[ConditionClause], base: Mapping[str, ContextValue]
) -> tuple[list[Glob], bool]:
    globs: list[Glob] = []
    complete = True
    for clause in clauses:
        values, exact = _resolved(clause, base)
        complete = complete and exact
        for value in values:
            if clause.family is Family.ARN:
                globs.append(Glob.arn(value))
            elif clause.comparison is Comparison.LIKE:
                globs.append(Glob.like(value))
            elif clause.comparison is Comparison.EQUALS_IGNORE_CASE:
                globs.append(Glob.exact(value, case_insensitive=True))
            else:
                globs.append(Glob.exact(value))
    return globs, complete


def _ordered_candidates(points: Sequence[float]) -> list[float]:
    marks = sorted(set(points))
    if not marks:
        return [0.0]
    out = [marks[0] - 1]
    for low, high in pairwise(marks):
        out += [low, (low + high) / 2]
    out += [marks[-1], marks[-1] + 1]
    return out


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _date_text(key: str, value: float) -> str:
    if key == "aws:epochtime":
        return _number_text(value)
    stamp = datetime.fromtimestamp(value, tz=UTC)
    text = stamp.isoformat().replace("+00:00", "Z")
    return text


def _ip_candidates(values: Sequence[str]) -> list[str]:
    out = [_PUBLIC_V4]
    v6 = False
    for value in values:
        net = parse_network(value)
        if net is None:
            continue
        v6 = v6 or net.version == 6
        out.append(str(net.network_address))
        after = int(net.broadcast_address) + 1
        limit = 2**32 if net.version == 4 else 2**128
        if after < limit:
            out.append(
                str(
                    ipaddress.ip_address(after)
                    if net.version == 4
                    else ipaddress.IPv6Address(after)
                )
            )
    if v6:
        out.append(_PUBLIC_V6)
    return out


def element_values(
    key: str,
    clauses: Sequence[ConditionClause],
    base: Mapping[str, ContextValue],
    preferred: Sequence[str],
    excluded: Sequence[str] = (),
) -> tuple[list[str], bool]:
    """Present single values covering every class of the key's comparisons."""
    families = {c.family for c in clauses if c.family not in (None, Family.NULL)}
    complete = len(families) <= 1 or families <= {
        Family.STRING,
        Family.ARN,
        Family.BOOL,
        Family.BINARY,
    }
    values: list[str] = []
    string_like = [
        c for c in clauses if c.family in (Family.STRING, Family.ARN, Family.BOOL, Family.BINARY)
    ]
    fresh = _FRESH.get(key, "airlock-other-value")
    if string_like or not families:
        globs, exact = _string_globs(string_like, base)
        # Excluded values become patterns of their own, so that the search also finds a
        # value that behaves like them without being one of them.
        globs += [Glob.exact(value) for value in excluded]
        found = string_witnesses(tuple(globs), (*preferred, fresh))
        values += found.values
        complete = complete and exact and found.complete
    for family in families & {Family.NUMERIC, Family.DATE}:
        points: list[float] = []
        parse = parse_date if family is Family.DATE else (lambda text: _safe_float(text))
        for clause in clauses:
            if clause.family is family:
                points += [p for p in map(parse, clause.values) if p is not None]
        texts = [
            _date_text(key, p) if family is Family.DATE else _number_text(p)
            for p in _ordered_candidates(points)
        ]
        values += texts
    if Family.IP in families:
        values += _ip_candidates([v for c in clauses if c.family is Family.IP for v in c.values])
    if key in BOOLEAN_KEYS:
        values = ["true", "false"]
    return list(dict.fromkeys(values)), complete


def _safe_float(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def key_candidates(
    key: str,
    clauses: Sequence[ConditionClause],
    base: Mapping[str, ContextValue],
    constraint: Excluding | None = None,
    extra: Sequence[str] = (),
) -> KeyCandidates:
    """All classes of values for one free key, absent first, deduplicated by signature."""
    excluded = constraint.values if constraint else ()
    preferred = [value for value in extra if value not in excluded]
    elements, complete = element_values(key, clauses, base, preferred, excluded)
    multivalued = key in MULTIVALUED or (
        any(c.qualifier is not SetQualifier.NONE for c in clauses)
        and key not in BOOLEAN_KEYS
        and key not in _SINGLE_VALUED
    )
    raw: list[Candidate] = []
    if key not in ALWAYS_PRESENT and (constraint is None or constraint.allow_absent):
        raw.append(Absent.ABSENT)
    if constraint is not None:
        elements = [e for e in elements if e not in constraint.values]
    if multivalued:
        raw.append(())
        if len(elements) <= MAX_SUBSET_ELEMENTS:
            for size in range(1, len(elements) + 1):
                raw += [tuple(combo) for combo in combinations(elements, size)]
        else:
            complete = False
            raw += [(e,) for e in elements] + [tuple(elements)]
    else:
        raw += elements
    chosen: dict[tuple[Truth, ...], Candidate] = {}
    for candidate in raw:
        context = dict(base)
        if isinstance(candidate, Absent):
            context.pop(key, None)
        else:
            context[key] = candidate
        sig = tuple(clause.evaluate(context) for clause in clauses)
        chosen.setdefault(sig, candidate)
    return KeyCandidates(key, tuple(chosen.values()), complete)


_SINGLE_VALUED = frozenset(
    {
        "aws:sourcevpce", "aws:sourcevpc", "aws:sourceip", "aws:vpcsourceip", "aws:principalarn",
        "aws:principalaccount", "aws:principalorgid", "aws:requestedregion", "aws:sourceaccount",
        "aws:sourcearn", "aws:sourceorgid", "aws:resourceaccount", "aws:resourceorgid",
        "aws:userid", "aws:username", "aws:principaltype", "kms:calleraccount", "kms:viaservice",
        "aws:vpceaccount", "aws:vpceorgid", "aws:sourcevpcarn",
    }
)  # fmt: skip

"""Policy variables: ``${aws:username}``, defaults ``${aws:PrincipalTag/team, 'none'}`` and
the escapes ``${*}``, ``${?}``, ``${$}``.

A variable names a context key, ``<prefix>:<key>``: one colon after a prefix without colons
(``aws``, ``saml``, ``www.amazon.com``; the key part may hold more, as tag keys can). Anything
else in ``${...}`` is literal text -- notably the deploy-time tokens of CloudFormation,
``${AWS::AccountId}``, ``${AWS::Region}``, ``${LogicalId}``, ``${Resource.Attribute}``, which
sources leave in policy documents and ARNs.

Variables are substituted only in documents with ``"Version": "2012-10-17"``; under
``2008-10-17`` (or no version) ``${...}`` is literal text. A variable whose key has no value
and no default makes the whole string *null*: a ``Resource`` entry then matches nothing, a
positive condition value matches nothing and a negated one therefore matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .wildcard import LITERAL_QUESTION, LITERAL_STAR

_VARIABLE = re.compile(r"\$\{(\*|\?|\$|[^:{}]+:(?!:)[^{}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")

# A lookup returns a single value, or None when the key has no (single) value.
Lookup = Callable[[str], str | None]


def has_variables(text: str) -> bool:
    return "${" in text and _VARIABLE.search(text) is not None


def variable_keys(text: str) -> tuple[str, ...]:
    """The (lower-case) context keys a string refers to."""
    keys: list[str] = []
    for match in _VARIABLE.finditer(text):
        body = match.group(1)
        if body in ("*", "?", "$"):
            continue
        default = _DEFAULT.match(body)
        keys.append((default.group(1) if default else body).strip().lower())
    return tuple(keys)


def _protect(value: str) -> str:
    return value.replace("*", LITERAL_STAR).replace("?", LITERAL_QUESTION)


def substitute(text: str, lookup: Lookup) -> str | None:
    """Replace every variable; None when one has no value and no default.

    Wildcard characters coming from values or escapes are returned as literal markers so
    that :class:`~.wildcard.Glob` does not treat them as wildcards.
    """
    unresolved = False

    def replace(match: re.Match[str]) -> str:
        nonlocal unresolved
        body = match.group(1)
        if body == "*":
            return LITERAL_STAR
        if body == "?":
            return LITERAL_QUESTION
        if body == "$":
            return "$"
        default = _DEFAULT.match(body)
        key = (default.group(1) if default else body).strip().lower()
        value = lookup(key)
        if value is None:
            if default is None:
                unresolved = True
                return ""
            return _protect(default.group(2))
        return _protect(value)

    result = _VARIABLE.sub(replace, text)
    return None if unresolved else result


def plain(text: str) -> str:
    """Undo the literal markers (for exact comparisons)."""
    return text.replace(LITERAL_STAR, "*").replace(LITERAL_QUESTION, "?")

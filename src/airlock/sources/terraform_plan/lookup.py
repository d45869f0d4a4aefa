"""One attribute of a planned resource: known, unknown until apply, redacted, or absent.

``after`` holds the planned values (unknown ones as null), ``after_unknown`` marks what is
unknown until apply and ``after_sensitive`` what is sensitive; both mark a whole subtree with a
single ``true``. ``terraform show -json`` prints sensitive values in plain text, so a sensitive
value is only *redacted* when it is missing, null, or a redaction marker (plans passed through
Terraform Cloud's redacted JSON or a scrubbing tool).
"""

from __future__ import annotations

from enum import Enum
from typing import Any, TypeAlias

from msgspec import Struct

#: a path into a resource's values: attribute names and list indexes
Path: TypeAlias = tuple[str | int, ...]

#: strings that redaction tools put where a sensitive value was
REDACTION_MARKERS = frozenset(
    {
        "(sensitive value)",
        "(sensitive)",
        "<sensitive>",
        "(redacted)",
        "[redacted]",
        "redacted",
        "***",
    }
)


class State(Enum):
    KNOWN = "known"
    UNKNOWN = "unknown"
    REDACTED = "redacted"
    ABSENT = "absent"


class Found(Struct, frozen=True):
    state: State
    value: Any = None


def child(node: Any, part: str | int) -> Any:
    """One step down; a single nested block may be an object where a list is expected."""
    if isinstance(part, int):
        if isinstance(node, list):
            return node[part] if 0 <= part < len(node) else None
        if isinstance(node, dict) and part == 0:
            return node
        return None
    return node.get(part) if isinstance(node, dict) else None


def marked(tree: Any, path: Path) -> bool:
    """Whether ``tree`` marks ``path`` (or one of its ancestors) with ``true``."""
    node = tree
    if node is True:
        return True
    for part in path:
        node = child(node, part)
        if node is True:
            return True
        if node is None:
            return False
    return False


# the value-less outcomes, shared (Found is immutable)
_UNKNOWN = Found(State.UNKNOWN)
_REDACTED = Found(State.REDACTED)
_ABSENT = Found(State.ABSENT)


def find(values: Any, unknown: Any, sensitive: Any, path: Path) -> Found:
    if marked(unknown, path):
        return _UNKNOWN
    node = values
    for part in path:
        node = child(node, part)
        if node is None:
            break
    is_sensitive = marked(sensitive, path)
    if node is None:
        return _REDACTED if is_sensitive else _ABSENT
    if isinstance(node, str) and (
        node == "(sensitive value)" or (is_sensitive and node.strip().lower() in REDACTION_MARKERS)
    ):
        return _REDACTED
    return Found(State.KNOWN, node)

"""Typed reads of resolved property values: text, relation, flag, number, policy document.

The coercions follow the inventory rules: absent → ``None``; present but unknowable →
:class:`Unresolved`. A :class:`~.values.Symbol` read as a *relation* becomes the logical id
it identifies; read as *text* it is its real value when known (a literal bucket name) and
``Unresolved`` otherwise; inside a *policy document* it becomes its deploy-time text.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from airlock.inventory.model import PolicyValue, Unresolved, Val
from airlock.sources.cloudformation.functions import policy_text
from airlock.sources.cloudformation.values import Symbol

T = TypeVar("T")


def or_unresolved(value: T | Unresolved | None, reason: str) -> T | Unresolved:
    """A value the resource requires: when it is missing, say so instead of guessing."""
    return value if value is not None else Unresolved(reason)


class RelationIndex:
    """Maps names, ids and ARNs a template resource is known by to its logical id."""

    def __init__(self) -> None:
        self._texts: dict[str, list[tuple[str, str]]] = {}

    def add(self, text: str | None, logical_id: str, resource_type: str) -> None:
        if not text:
            return
        entries = self._texts.setdefault(text, [])
        if (logical_id, resource_type) not in entries:
            entries.append((logical_id, resource_type))

    def lookup(self, text: str, types: tuple[str, ...] = ()) -> str | None:
        entries = self._texts.get(text)
        if not entries:
            return None
        if types:
            entries = [entry for entry in entries if entry[1] in types]
        ids = {logical_id for logical_id, _ in entries}
        return entries[0][0] if len(ids) == 1 else None


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def as_text(value: Any) -> Val[str] | None:
    if value is None or isinstance(value, str | Unresolved):
        return value
    if isinstance(value, Symbol):
        return value.text if value.known else Unresolved(value.reason)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return Unresolved(f"expected a string, found {_kind(value)}")


def as_relation(value: Any, index: RelationIndex, types: tuple[str, ...] = ()) -> Val[str] | None:
    if isinstance(value, Symbol):
        if value.target is not None:
            return value.target
        if value.known:
            value = value.text
        else:
            return Unresolved(value.reason)
    if isinstance(value, str):
        return index.lookup(value, types) or value
    return as_text(value)


def as_flag(value: Any) -> Val[bool] | None:
    if value is None or isinstance(value, bool | Unresolved):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, Symbol):
        return Unresolved(value.reason)
    return Unresolved(f"expected true or false, found {value!r:.40}")


def as_int(value: Any) -> Val[int] | None:
    if value is None or isinstance(value, Unresolved):
        return value
    if isinstance(value, bool):
        return Unresolved(f"expected a number, found {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return int(text)
    if isinstance(value, Symbol):
        return Unresolved(value.reason)
    return Unresolved(f"expected a whole number, found {value!r:.40}")


def as_policy(value: Any) -> PolicyValue:
    """A policy document: a mapping, or a JSON string holding one."""
    if value is None or isinstance(value, Unresolved):
        return value
    if isinstance(value, Symbol):
        return Unresolved(value.reason)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as err:
            return Unresolved(f"the policy document is not valid JSON: {err}")
        except RecursionError:
            return Unresolved("the policy document is nested too deeply")
    if isinstance(value, dict):
        converted: dict[str, Any] = policy_text(value)
        return converted
    return Unresolved(f"the policy document is {_kind(value)}, not a JSON object")


class Props:
    """Read typed values from one resolved mapping (a resource's Properties or a part of it)."""

    def __init__(self, data: Any, index: RelationIndex) -> None:
        self.data = data
        self.index = index

    def get(self, *path: str) -> Any:
        value = self.data
        for key in path:
            if value is None:
                return None
            if isinstance(value, Unresolved):
                return value
            if isinstance(value, Symbol):
                return Unresolved(value.reason)
            if not isinstance(value, dict):
                return Unresolved(f"expected a mapping at {key}, found {_kind(value)}")
            value = value.get(key)
        return value

    def has(self, *path: str) -> bool:
        return self.get(*path) is not None

    def child(self, *path: str) -> Props:
        return Props(self.get(*path), self.index)

    def children(self, *path: str) -> list[Props] | Unresolved:
        """The items of a list of mappings (empty when absent)."""
        value = self.get(*path)
        if value is None:
            return []
        if isinstance(value, Unresolved):
            return value
        if isinstance(value, Symbol):
            return Unresolved(value.reason)
        if not isinstance(value, list):
            return Unresolved(f"expected a list at {'.'.join(path)}, found {_kind(value)}")
        return [Props(item, self.index) for item in value]

    def text(self, *path: str) -> Val[str] | None:
        return as_text(self.get(*path))

    def rel(self, *path: str, types: tuple[str, ...] = ()) -> Val[str] | None:
        return as_relation(self.get(*path), self.index, types)

    def flag(self, *path: str) -> Val[bool] | None:
        return as_flag(self.get(*path))

    def integer(self, *path: str) -> Val[int] | None:
        return as_int(self.get(*path))

    def policy(self, *path: str) -> PolicyValue:
        return as_policy(self.get(*path))

    def _items(self, path: tuple[str, ...]) -> Iterable[Any]:
        value = self.get(*path)
        if value is None:
            return ()
        if isinstance(value, list):
            return value
        return (value,)

    def rels(self, *path: str, types: tuple[str, ...] = ()) -> tuple[Val[str], ...]:
        """A list of relations; a single value counts as a one-item list."""
        out: list[Val[str]] = []
        for item in self._items(path):
            found = as_relation(item, self.index, types)
            if found is not None:
                out.append(found)
        return tuple(out)

    def texts(self, *path: str) -> tuple[Val[str], ...]:
        out: list[Val[str]] = []
        for item in self._items(path):
            found = as_text(item)
            if found is not None:
                out.append(found)
        return tuple(out)

    def tags(self) -> Mapping[str, Val[str]]:
        """``Tags`` as a list of Key/Value pairs (most types) or a plain mapping (SAM)."""
        value = self.get("Tags")
        tags: dict[str, Val[str]] = {}
        if isinstance(value, dict):
            for key, item in value.items():
                text = as_text(item)
                if text is not None:
                    tags[key] = text
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and isinstance(item.get("Key"), str):
                    text = as_text(item.get("Value"))
                    tags[item["Key"]] = text if text is not None else ""
        return tags

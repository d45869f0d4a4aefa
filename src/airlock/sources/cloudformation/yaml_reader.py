"""YAML templates: PyYAML's event stream (libyaml when available) built into plain data.

We build the data ourselves from parser events instead of using a ``Loader``: it is faster
than PyYAML's composer (which resolves every scalar through Python regexes), and it gives us
what a loader does not:

* the line of every key in the first two levels (``Resources`` → logical ids), for findings;
* duplicate keys are refused (CloudFormation refuses them too), naming both lines;
* short-form intrinsic tags become their long form: ``!GetAtt A.B`` → ``{"Fn::GetAtt": "A.B"}``,
  ``!Ref X`` → ``{"Ref": "X"}``, ``!Condition C`` → ``{"Condition": "C"}``, any other ``!Name``
  → ``{"Fn::Name": ...}`` (unknown functions are then reported as unresolved, not refused);
* aliases are bounded: a document whose aliases expand to more than :data:`MAX_ALIAS_NODES`
  nodes (a "billion laughs" bomb) or that refers to itself is refused;
* plain scalars follow the YAML 1.2 core schema: ``true``/``false``, ``null``/``~``, decimal,
  hex and octal integers without leading zeros, and floats are typed; everything else is a
  string (``yes``, ``2012-10-17``, ``012345678901`` stay strings, as CloudFormation reads them).
"""

from __future__ import annotations

import re
from typing import Any

from msgspec import Struct, field

# PyYAML is imported by parse_yaml, when a YAML document is read: JSON templates never need it

#: Expanded size (in nodes) that aliases may add to a document before it is refused.
MAX_ALIAS_NODES = 1_000_000
#: Nesting deeper than this is refused (no real template comes close).
MAX_DEPTH = 100

_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_OCT = re.compile(r"0o[0-7]+")
_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_CONSTANTS: dict[str, Any] = {
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    "null": None,
    "Null": None,
    "NULL": None,
    "~": None,
    "": None,
}
_STR_TAG = "tag:yaml.org,2002:str"
_CORE_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}"
    for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp", "binary")
)


class YamlInputError(Exception):
    """A document we refuse; ``line`` is 1-based when known."""

    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Parsed(Struct, frozen=True):
    """The document's data and the line of each key in its first two levels."""

    root: Any
    lines: dict[tuple[str, ...], int]


def plain_scalar(value: str) -> Any:
    """Type a plain (unquoted, untagged) scalar per the YAML 1.2 core schema."""
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    first = value[0]
    if first in "-+.0123456789":
        if _INT.fullmatch(value):
            return int(value)
        if (
            ("." in value or "e" in value or "E" in value)
            and _FLOAT.fullmatch(value)
            and any(c.isdigit() for c in value)
        ):
            return float(value)
        if _HEX.fullmatch(value):
            return int(value[2:], 16)
        if _OCT.fullmatch(value):
            return int(value[2:], 8)
    return value


def _tagged(tag: str, value: Any, line: int) -> Any:
    if tag == "!":
        return value
    if tag in _CORE_TAGS:
        return value
    if not tag.startswith("!") or tag.startswith("!!") or len(tag) < 2:
        raise YamlInputError(f"unsupported YAML tag '{tag}'", line)
    name = tag[1:]
    if name in ("Ref", "Condition"):
        return {name: value}
    return {f"Fn::{name}": value}


class _Frame(Struct):
    container: dict[str, Any] | list[Any]
    line: int
    tag: str | None
    anchor: str | None
    depth: int
    path: tuple[str, ...]
    weight: int = 1
    key: str | None = None
    key_line: int = 0
    key_pending: bool = True
    key_lines: dict[str, int] = field(default_factory=dict)
    merges: list[Any] = field(default_factory=list)


class _Builder:
    def __init__(self) -> None:
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.alias_nodes = 0
        self.lines: dict[tuple[str, ...], int] = {}
        self.root: Any = None
        self.done = False

    # -- values -----------------------------------------------------------------------
    def value(self, value: Any, weight: int, line: int, anchor: str | None) -> None:
        if anchor is not None:
            self.anchors[anchor] = (value, weight)
        if not self.stack:
            if self.done:
                raise YamlInputError("the file holds more than one YAML document", line)
            self.root = value
            self.done = True
            return
        top = self.stack[-1]
        top.weight += weight
        container = top.container
        if isinstance(container, list):
            container.append(value)
            return
        if top.key_pending:
            self._key(top, value, line)
            return
        key = top.key
        assert key is not None
        top.key_pending = True
        if key == "<<" and key not in top.key_lines:
            top.merges.append((value, top.key_line))
            return
        container[key] = value

    def _key(self, top: _Frame, value: Any, line: int) -> None:
        if isinstance(value, dict | list):
            raise YamlInputError("a mapping key must be a plain string", line)
        key = _key_text(value)
        first = top.key_lines.get(key)
        if first is not None:
            raise YamlInputError(f"duplicate key '{key}' (first on line {first})", line)
        if key != "<<":
            top.key_lines[key] = line
        top.key = key
        top.key_line = line
        top.key_pending = False
        if top.depth < 2 and key != "<<":
            self.lines[(*top.path, key)] = line

    # -- containers -------------------------------------------------------------------
    def open(self, container: dict[str, Any] | list[Any], event: Any) -> None:
        line = event.start_mark.line + 1
        depth = len(self.stack)
        if depth >= MAX_DEPTH:
            raise YamlInputError(f"nesting deeper than {MAX_DEPTH} levels", line)
        path: tuple[str, ...] = ()
        if self.stack:
            parent = self.stack[-1]
            if isinstance(parent.container, dict) and parent.key is not None and depth <= 2:
                path = (*parent.path, parent.key)
        if event.anchor is not None:
            self.open_anchors.add(event.anchor)
        tag = event.tag if event.tag not in (None, "!") else None
        self.stack.append(_Frame(container, line, tag, event.anchor, depth, path))

    def close(self) -> None:
        frame = self.stack.pop()
        if frame.anchor is not None:
            self.open_anchors.discard(frame.anchor)
        container = frame.container
        if isinstance(container, dict):
            if not frame.key_pending:
                raise YamlInputError("a mapping key has no value", frame.key_line)
            for merged, line in frame.merges:
                _merge(container, merged, line)
        value: Any = container
        if frame.tag is not None:
            value = _tagged(frame.tag, value, frame.line)
        self.value(value, frame.weight, frame.line, frame.anchor)

    def alias(self, name: str, line: int) -> None:
        if name in self.open_anchors:
            raise YamlInputError(f"alias '*{name}' refers to its own anchor", line)
        found = self.anchors.get(name)
        if found is None:
            raise YamlInputError(f"alias '*{name}' has no anchor", line)
        value, weight = found
        self.alias_nodes += weight
        if self.alias_nodes > MAX_ALIAS_NODES:
            raise YamlInputError(
                f"YAML aliases expand to more than {MAX_ALIAS_NODES:,} nodes (refused as a "
                "possible alias bomb)",
                line,
            )
        self.value(value, weight, line, None)


def _key_text(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _merge(target: dict[str, Any], merged: Any, line: int) -> None:
    sources = merged if isinstance(merged, list) else [merged]
    for source in sources:
        if not isinstance(source, dict):
            raise YamlInputError("a '<<' merge key needs a mapping or a list of mappings", line)
        for key, value in source.items():
            target.setdefault(key, value)


def _scalar(event: Any) -> Any:
    value: str = event.value
    tag = event.tag
    if tag is None or tag == "!":
        if not event.style and event.implicit[0] and tag is None:
            return plain_scalar(value)
        return value
    if tag == _STR_TAG:
        return value
    if tag in _CORE_TAGS:
        return plain_scalar(value) if value else None
    return _tagged(tag, value, event.start_mark.line + 1)


def parse_yaml(text: str) -> Parsed:
    """Parse one YAML document; raises :class:`YamlInputError` or ``yaml.YAMLError``."""
    import yaml

    try:  # libyaml's parser when PyYAML was built with it
        from yaml import CSafeLoader as _Loader
    except ImportError:  # pragma: no cover - depends on the PyYAML build
        from yaml import SafeLoader as _Loader  # type: ignore[assignment]

    builder = _Builder()
    loader = _Loader(text)
    try:
        get_event = loader.get_event
        check_event = loader.check_event
        while check_event():
            event: Any = get_event()
            kind = type(event)
            if kind is yaml.ScalarEvent:
                builder.value(_scalar(event), 1, event.start_mark.line + 1, event.anchor)
            elif kind is yaml.MappingStartEvent:
                builder.open({}, event)
            elif kind is yaml.SequenceStartEvent:
                builder.open([], event)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                builder.close()
            elif kind is yaml.AliasEvent:
                builder.alias(event.anchor, event.start_mark.line + 1)
    finally:
        loader.dispose()
    return Parsed(builder.root, builder.lines)

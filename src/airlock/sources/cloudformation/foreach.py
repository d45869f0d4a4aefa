"""``Fn::ForEach`` loops of the ``AWS::LanguageExtensions`` transform, expanded as CloudFormation does.

``"Fn::ForEach::Name": [Identifier, Collection, {OutputKey: OutputValue}]`` stands for one copy
of the fragment per item of the collection. In each copy ``${Identifier}`` (and
``&{Identifier}``, the item without its non-alphanumeric characters) is replaced in keys and
strings, and ``Ref Identifier`` becomes the item. Loops nest, and may appear in Resources,
Conditions and anywhere in a resource's properties.

The collection must be known before deploy time to expand a loop: a literal list, a
``CommaDelimitedList``/``List<...>`` parameter (the caller's value, else its ``Default``), or
``Fn::Split``/``Fn::FindInMap`` of such values. A loop whose collection is not known is left
as written and recorded as :class:`Unexpanded`, with the reason, so it becomes a coverage gap.
A template whose loops would write more than :data:`MAX_NODES` nodes is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from msgspec import Struct

from airlock.sources.cloudformation.yaml_reader import MAX_ALIAS_NODES, MAX_DEPTH

LOOP_PREFIX = "Fn::ForEach::"
#: Nodes (keys and values) that loops may write before the template is refused, the budget
#: YAML aliases get. CloudFormation deploys at most 500 resources and a 1 MB processed
#: template, so no deployable template comes near: more is a nesting that multiplies copies.
MAX_NODES = MAX_ALIAS_NODES
#: Intrinsic functions nested in a collection (the readers refuse deeper documents anyway).
MAX_NESTING = MAX_DEPTH

_PLACEHOLDER = re.compile(r"([$&])\{([^}]*)\}")
_NOT_ALPHANUMERIC = re.compile(r"[^0-9A-Za-z]+")
_LOGICAL_ID = re.compile(r"[0-9A-Za-z]+")
_PINS = {"AWS::Region": " (--region pins it)", "AWS::AccountId": " (--account pins it)"}

#: what ``Scope`` maps: each identifier of the loops around a fragment to the current item
Scope = Mapping[str, str]


class Unexpanded(Struct, frozen=True):
    """A loop left as written: its collection cannot be known before deploy time."""

    loop: str  # the whole key, ``Fn::ForEach::Name``
    reason: str
    section: str  # Resources or Conditions
    resource: str | None = None  # the resource whose properties hold the loop


class LoopError(Exception):
    """A loop CloudFormation refuses; ``entry`` is the section key it was found under."""

    def __init__(self, message: str, entry: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.entry = entry


class _Unknowable(Exception):
    """The collection cannot be known before deploy time; ``args[0]`` says why."""


class Expander:
    """Expands the loops of one template (parameters, mappings and pinned values given)."""

    def __init__(
        self,
        parameters: Mapping[str, Mapping[str, Any]],
        mappings: Mapping[str, Any],
        values: Mapping[str, str],
    ) -> None:
        self.parameters = parameters
        self.mappings = mappings
        #: the caller's parameter values and pinned pseudo parameters (``AWS::Region``...)
        self.values = values
        self.unexpanded: list[Unexpanded] = []
        self._section = ""
        self._resource: str | None = None
        self._nodes = 0  # charged to the budget so far
        self._nesting = 0  # intrinsic functions being resolved in a collection

    def section(self, name: str, entries: Mapping[str, Any]) -> dict[str, tuple[Any, str]]:
        """Each key of the expanded section → its value and the key it was written under."""
        self._section = name
        out: dict[str, tuple[Any, str]] = {}
        for entry, raw in entries.items():
            try:
                # every loop's collection first, while no resource is being expanded
                for key, value, scope in list(self._entries(entry, raw, {}, keep=False)):
                    self._check_key(name, key, entry, out)
                    self._resource = key if name == "Resources" else None
                    out[key] = (value if scope is None else self.value(value, scope), entry)
            except LoopError as err:
                err.entry = err.entry or entry
                raise
            finally:
                self._resource = None
        return out

    def value(self, node: Any, scope: Scope) -> Any:
        """``node`` with the identifiers in scope replaced and its own loops expanded."""
        if isinstance(node, dict):
            if len(node) == 1 and isinstance(node.get("Ref"), str) and node["Ref"] in scope:
                return scope[node["Ref"]]
            out: dict[str, Any] = {}
            for key, raw in node.items():
                for new_key, new_raw, inner in self._entries(key, raw, scope, keep=True):
                    if new_key in out:
                        raise LoopError(f"duplicate key '{new_key}' after expanding {key}")
                    out[new_key] = new_raw if inner is None else self.value(new_raw, inner)
            return _plain_sub(node, out)
        if isinstance(node, list):
            return [self.value(item, scope) for item in node]
        if isinstance(node, str):
            return _substitute(node, scope)
        return node

    # -- loops ----------------------------------------------------------------------------
    def _entries(
        self, key: str, raw: Any, scope: Scope, keep: bool
    ) -> Iterator[tuple[str, Any, Scope | None]]:
        """The entries ``key: raw`` stands for, each with the scope to resolve it in.

        A loop that cannot be expanded is dropped, or kept as written (scope None) if ``keep``.
        """
        if not key.startswith(LOOP_PREFIX):
            yield _substitute(key, scope), raw, scope
            return
        identifier, collection, fragment = _parts(key, raw)
        try:
            items = self._collection(collection, scope)
        except _Unknowable as unknown:
            self._note(key, str(unknown))
            if keep:
                yield key, raw, None
            return
        # a loop over a written list inside another loop was charged with the enclosing one
        if not scope or not isinstance(collection, list):
            self._nodes += len(items) * _weight(fragment)
            if self._nodes > MAX_NODES:
                raise LoopError(
                    f"{key} expands to more than {MAX_NODES:,} nodes (refused as a possible "
                    "expansion bomb)"
                )
        for item in items:
            inner = {**scope, identifier: item}
            for inner_key, inner_raw in fragment.items():
                yield from self._entries(inner_key, inner_raw, inner, keep)

    def _check_key(self, section: str, key: str, entry: str, seen: Mapping[str, Any]) -> None:
        noun = "logical id" if section == "Resources" else "name"
        if key in seen:
            origin = entry if entry != key else seen[key][1]
            raise LoopError(f"duplicate {noun} '{key}' in {section} after expanding {origin}")
        if key != entry and not _LOGICAL_ID.fullmatch(key):
            raise LoopError(
                f"{entry} generates the {noun} '{key}', which is not alphanumeric "
                "(&{Identifier} drops the other characters)"
            )

    def _note(self, loop: str, reason: str) -> None:
        gap = Unexpanded(loop, reason, self._section, self._resource)
        if gap not in self.unexpanded:
            self.unexpanded.append(gap)

    # -- the collection -------------------------------------------------------------------
    @contextmanager
    def _nested(self) -> Iterator[None]:
        """One more intrinsic function being resolved; none past :data:`MAX_NESTING`."""
        self._nesting += 1
        try:
            if self._nesting > MAX_NESTING:
                raise _Unknowable(f"its collection nests functions more than {MAX_NESTING} deep")
            yield
        finally:
            self._nesting -= 1

    def _collection(self, node: Any, scope: Scope) -> list[str]:
        if isinstance(node, list):
            return [self._text(item, scope) for item in node]
        if isinstance(node, dict) and len(node) == 1:
            with self._nested():
                return self._collection_function(*next(iter(node.items())), scope)
        raise _Unknowable(f"its collection is {_shown(node)}, not a list")

    def _collection_function(self, function: str, argument: Any, scope: Scope) -> list[str]:
        if function == "Ref":
            return self._list_parameter(self._text(argument, scope))
        if function == "Fn::Split":
            if not isinstance(argument, list) or len(argument) != 2:
                raise _Unknowable("Fn::Split needs [delimiter, source string]")
            delimiter = self._text(argument[0], scope)
            return self._text(argument[1], scope).split(delimiter) if delimiter else []
        if function == "Fn::FindInMap":
            return self._collection(self._find_in_map(argument, scope), scope)
        raise _Unknowable(f"its collection uses {function}, which Airlock does not evaluate")

    def _list_parameter(self, name: str) -> list[str]:
        spec = self.parameters.get(name)
        if spec is None:
            if name in self.values or name.startswith("AWS::"):
                raise _Unknowable(f"its collection Ref {name} is not a list")
            raise _Unknowable(f"its collection Ref {name} names no parameter")
        kind = spec.get("Type", "String")
        # CommaDelimitedList, List<...> and the SSM parameter types holding one
        if not isinstance(kind, str) or "List" not in kind:
            raise _Unknowable(f"its collection is parameter {name}, of type {kind}, not a list")
        raw = self._parameter(name, spec)
        if isinstance(raw, list):
            items: list[Any] = raw
        else:
            text = _text_of(raw)
            items = text.split(",") if text else []
        # CloudFormation trims the spaces around each member of a list parameter
        return [_text_of(item).strip() for item in items]

    def _parameter(self, name: str, spec: Mapping[str, Any]) -> Any:
        if name in self.values:
            return self.values[name]
        kind = spec.get("Type", "String")
        if isinstance(kind, str) and kind.startswith("AWS::SSM::Parameter::Value<"):
            raise _Unknowable(f"parameter {name} is read from SSM Parameter Store at deploy time")
        if spec.get("Default") is None:
            raise _Unknowable(
                f"parameter {name} has no default; its value is set at deploy time "
                "(--parameter sets it)"
            )
        return spec["Default"]

    def _text(self, node: Any, scope: Scope) -> str:
        """A scalar of the collection (an item, a map key, a parameter...) as text."""
        if isinstance(node, str):
            return _substitute(node, scope)
        if isinstance(node, bool | int | float):
            return _text_of(node)
        if isinstance(node, dict) and len(node) == 1:
            with self._nested():
                return self._text_function(*next(iter(node.items())), scope)
        raise _Unknowable(f"its collection holds {_shown(node)}, not a string")

    def _text_function(self, function: str, argument: Any, scope: Scope) -> str:
        if function == "Ref":
            return self._ref_text(self._text(argument, scope), scope)
        if function == "Fn::FindInMap":
            return self._text(self._find_in_map(argument, scope), scope)
        if function == "Fn::Sub" and isinstance(argument, str):
            return _PLACEHOLDER.sub(
                lambda m: self._sub_variable(m, scope), _substitute(argument, scope)
            )
        raise _Unknowable(f"its collection uses {function}, which Airlock does not evaluate")

    def _sub_variable(self, match: re.Match[str], scope: Scope) -> str:
        sign, name = match.group(1), match.group(2)
        if sign != "$":
            return match.group(0)
        if name.startswith("!"):  # ${!Literal} is written as ${Literal}
            return "${" + name[1:] + "}"
        return self._ref_text(name, scope)

    def _ref_text(self, name: str, scope: Scope) -> str:
        if name in scope:
            return scope[name]
        if name in self.values:
            return self.values[name]
        spec = self.parameters.get(name)
        if spec is not None:
            raw = self._parameter(name, spec)
            if isinstance(raw, list):
                raise _Unknowable(f"parameter {name} is a list, not a string")
            return _text_of(raw)
        if name.startswith("AWS::"):
            raise _Unknowable(f"{name} is chosen at deploy time{_PINS.get(name, '')}")
        raise _Unknowable(f"Ref {name} names no parameter or loop identifier")

    def _find_in_map(self, argument: Any, scope: Scope) -> Any:
        if not isinstance(argument, list) or len(argument) not in (3, 4):
            raise _Unknowable("Fn::FindInMap needs [map, top-level key, second-level key]")
        map_name = self._text(argument[0], scope)
        second = self._text(argument[2], scope)
        mapping = self.mappings.get(map_name)
        if not isinstance(mapping, Mapping):
            raise _Unknowable(f"Fn::FindInMap names no mapping {map_name}")
        options = argument[3] if len(argument) == 4 else None
        # the DefaultValue option of the transform, for a key the mapping lacks
        default = options.get("DefaultValue", _NONE) if isinstance(options, dict) else _NONE
        try:
            top = self._text(argument[1], scope)
        except _Unknowable as unknown:
            # the top-level key is chosen at deploy time: still known if every value it can
            # find agrees, the default included (it applies to every key the mapping lacks)
            try:
                found = [_mapped(e, second, default, map_name) for e in mapping.values()]
            except _Unknowable:
                raise unknown from None
            found.append(default)
            if found[0] is not _NONE and all(repr(f) == repr(found[0]) for f in found):
                return found[0]
            raise
        value = _mapped(mapping.get(top), second, default, map_name)
        if value is _NONE:
            raise _Unknowable(f"Fn::FindInMap finds no entry {second} in mapping {map_name}")
        return value


#: a value absent (no entry, no ``DefaultValue``)
_NONE: Any = object()


def _mapped(entry: Any, second: str, default: Any, map_name: str) -> Any:
    """The value ``entry`` of a mapping holds under ``second``, else ``default``.

    CloudFormation allows no functions in Mappings, so only a value or a list of values is
    taken: resolving anything else could loop (a mapping value naming itself) for nothing.
    """
    if not isinstance(entry, Mapping) or second not in entry:
        return default
    value = entry[second]
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(item, str | bool | int | float) for item in items):
        raise _Unknowable(
            f"mapping {map_name} holds {_shown(value)} under {second}, not a value or a list "
            "of values"
        )
    return value


def _weight(node: Any) -> int:
    """The nodes ``node`` writes once expanded (what :data:`MAX_NODES` counts).

    A loop over a written list counts as all its copies; any other loop as written, since its
    own expansion is charged when its collection is known.
    """
    if isinstance(node, dict):
        total = 1
        for key, raw in node.items():
            if (
                isinstance(key, str)
                and key.startswith(LOOP_PREFIX)
                and isinstance(raw, list)
                and len(raw) == 3
                and isinstance(raw[1], list)
            ):
                total += len(raw[1]) * _weight(raw[2])
            else:
                total += 1 + _weight(raw)
        return total
    if isinstance(node, list):
        return 1 + sum(_weight(item) for item in node)
    return 1


def _parts(key: str, raw: Any) -> tuple[str, Any, Mapping[str, Any]]:
    if (
        not isinstance(raw, list)
        or len(raw) != 3
        or not isinstance(raw[0], str)
        or not isinstance(raw[2], dict)
    ):
        raise LoopError(f"{key} must be [identifier, collection, {{output key: output value}}]")
    return raw[0], raw[1], raw[2]


def _substitute(text: str, scope: Scope) -> str:
    if not scope or "{" not in text:
        return text

    def item(match: re.Match[str]) -> str:
        value = scope.get(match.group(2))
        if value is None:
            return match.group(0)
        return value if match.group(1) == "$" else _NOT_ALPHANUMERIC.sub("", value)

    return _PLACEHOLDER.sub(item, text)


def _plain_sub(original: Mapping[str, Any], expanded: dict[str, Any]) -> Any:
    """A ``Fn::Sub`` whose only variables were loop identifiers is the plain string.

    So ``Ref: !Sub "Subnet${Name}"`` becomes ``Ref: SubnetA``, as the transform writes it.
    """
    if len(expanded) != 1 or "Fn::Sub" not in expanded:
        return expanded
    text, written = _sub_text(expanded["Fn::Sub"]), _sub_text(original.get("Fn::Sub"))
    if text is not None and text != written and "${" not in text:
        return text
    return expanded


def _sub_text(argument: Any) -> str | None:
    """The string of a ``Fn::Sub`` argument (``"text"`` or ``["text", {variables}]``)."""
    if isinstance(argument, list) and argument:
        argument = argument[0]
    return argument if isinstance(argument, str) else None


def _text_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _shown(node: Any) -> str:
    if isinstance(node, dict):
        return f"a mapping of {', '.join(map(str, node))}" if node else "an empty mapping"
    if node is None:
        return "empty"
    return f"a {type(node).__name__} value" if not isinstance(node, str) else f"'{node}'"

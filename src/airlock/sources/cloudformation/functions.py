"""The intrinsic functions besides ``Ref``/``Fn::GetAtt``/``Fn::Sub`` (see :mod:`.resolver`)."""

from __future__ import annotations

import base64
import ipaddress
import json
from collections.abc import Mapping
from typing import Any

from airlock.inventory.model import DEPLOY_TOKEN, Unresolved
from airlock.sources.cloudformation.resolver import Function, Resolver, render
from airlock.sources.cloudformation.values import NO_VALUE, Symbol


def _pair(argument: Any, size: int, name: str) -> list[Any] | Unresolved:
    if not isinstance(argument, list) or len(argument) != size:
        return Unresolved(f"{name} needs a list of {size} arguments")
    return argument


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def fn_join(resolver: Resolver, argument: Any) -> Any:
    args = _pair(argument, 2, "Fn::Join")
    if isinstance(args, Unresolved):
        return args
    delimiter = resolver.argument(args[0])
    items = resolver.argument(args[1])
    if not isinstance(delimiter, str):
        return Unresolved("Fn::Join needs a string delimiter")
    if isinstance(items, Unresolved):
        return Unresolved(f"Fn::Join over a list that is not known: {items.reason}")
    if isinstance(items, Symbol):
        return Unresolved(f"Fn::Join over a list that is not known: {items.reason}")
    if not isinstance(items, list):
        return Unresolved("Fn::Join needs a list")
    parts: list[str] = []
    for item in items:
        rendered = render(item)
        if isinstance(rendered, Unresolved):
            return Unresolved(f"Fn::Join: {rendered.reason}")
        parts.append(rendered)
    return delimiter.join(parts)


def fn_select(resolver: Resolver, argument: Any) -> Any:
    args = _pair(argument, 2, "Fn::Select")
    if isinstance(args, Unresolved):
        return args
    index = resolver.argument(args[0])
    items = resolver.argument(args[1])
    if isinstance(index, Unresolved):
        return index
    if isinstance(items, Unresolved):
        return Unresolved(f"Fn::Select from a list that is not known: {items.reason}")
    position = _index(index)
    if position is None:
        return Unresolved("Fn::Select needs a whole-number index")
    if not isinstance(items, list):
        return Unresolved("Fn::Select needs a list")
    if position >= len(items):
        return Unresolved(
            f"Fn::Select index {position} is past the end of a {len(items)}-item list"
        )
    return items[position]


def fn_split(resolver: Resolver, argument: Any) -> Any:
    args = _pair(argument, 2, "Fn::Split")
    if isinstance(args, Unresolved):
        return args
    delimiter = resolver.argument(args[0])
    source = resolver.argument(args[1])
    if isinstance(source, Symbol) and source.known:
        source = source.text
    if isinstance(source, Unresolved):
        return Unresolved(f"Fn::Split of a string that is not known: {source.reason}")
    if isinstance(source, Symbol):
        return Unresolved(f"Fn::Split of a string that is not known: {source.reason}")
    if not isinstance(delimiter, str) or not delimiter or not isinstance(source, str):
        return Unresolved("Fn::Split needs a delimiter and a string")
    for token in DEPLOY_TOKEN.findall(source):
        if delimiter in token:
            return Unresolved(
                f"Fn::Split of '{source}' on '{delimiter}': {token} is chosen at deploy time"
            )
    return source.split(delimiter)


def fn_if(resolver: Resolver, argument: Any) -> Any:
    args = _pair(argument, 3, "Fn::If")
    if isinstance(args, Unresolved):
        return args
    decision = resolver.condition(args[0])
    if decision is True:
        return resolver.resolve(args[1])  # may be AWS::NoValue: the property goes away
    if decision is False:
        return resolver.resolve(args[2])
    assert isinstance(decision, Unresolved)
    first, second = resolver.resolve(args[1]), resolver.resolve(args[2])  # may be NoValue
    if first == second:
        return first
    return Unresolved(f"Fn::If picks on {decision.reason}")


def _comparable(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    if isinstance(value, list):
        return [_comparable(item) for item in value]
    return value


def _unknown_in(value: Any) -> Unresolved | None:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, Symbol) and not value.known:
        return Unresolved(value.reason)
    if isinstance(value, list):
        for item in value:
            found = _unknown_in(item)
            if found is not None:
                return found
    return None


def fn_equals(resolver: Resolver, argument: Any) -> bool | Unresolved:
    args = _pair(argument, 2, "Fn::Equals")
    if isinstance(args, Unresolved):
        return args
    left, right = resolver.argument(args[0]), resolver.argument(args[1])
    if isinstance(left, Symbol) and isinstance(right, Symbol) and left.text == right.text:
        return True
    left = left.text if isinstance(left, Symbol) and left.known else left
    right = right.text if isinstance(right, Symbol) and right.known else right
    for side in (left, right):
        unknown = _unknown_in(side)
        if unknown is not None:
            return unknown
    return bool(_comparable(left) == _comparable(right))


def _conditions(resolver: Resolver, argument: Any, name: str) -> list[bool | Unresolved]:
    if not isinstance(argument, list) or not argument:
        return [Unresolved(f"{name} needs a list of conditions")]
    return [resolver.condition_expression(item) for item in argument]


def fn_and(resolver: Resolver, argument: Any) -> bool | Unresolved:
    results = _conditions(resolver, argument, "Fn::And")
    if any(result is False for result in results):
        return False
    for result in results:
        if isinstance(result, Unresolved):
            return result
    return True


def fn_or(resolver: Resolver, argument: Any) -> bool | Unresolved:
    results = _conditions(resolver, argument, "Fn::Or")
    if any(result is True for result in results):
        return True
    for result in results:
        if isinstance(result, Unresolved):
            return result
    return False


def fn_not(resolver: Resolver, argument: Any) -> bool | Unresolved:
    results = _conditions(resolver, argument, "Fn::Not")
    if len(results) != 1:
        return Unresolved("Fn::Not needs exactly one condition")
    result = results[0]
    return result if isinstance(result, Unresolved) else not result


def fn_condition(resolver: Resolver, argument: Any) -> bool | Unresolved:
    return resolver.condition(argument)


def fn_find_in_map(resolver: Resolver, argument: Any) -> Any:
    if not isinstance(argument, list) or len(argument) not in (3, 4):
        return Unresolved("Fn::FindInMap needs [map, top-level key, second-level key]")
    default: Any = NO_VALUE
    if len(argument) == 4:
        options = argument[3]
        if isinstance(options, dict) and "DefaultValue" in options:
            default = options["DefaultValue"]
    names = [resolver.argument(item) for item in argument[:3]]
    keys: list[str | None] = []
    for name in names:
        if isinstance(name, Symbol) and name.known:
            name = name.text
        if isinstance(name, (bool | int | float, str)):
            keys.append(_comparable(name))
        else:
            keys.append(None)
    map_name, top, second = keys
    shown = ", ".join(
        key if key is not None else _describe(name) for key, name in zip(keys, names, strict=True)
    )
    mapping = resolver.template.mappings.get(map_name) if map_name is not None else None
    if not isinstance(mapping, Mapping):
        return Unresolved(f"Fn::FindInMap [{shown}]: no such mapping")
    if top is None:
        # the top-level key is chosen at deploy time: still known if every entry agrees
        values = [
            entry.get(second) if isinstance(entry, Mapping) and second is not None else None
            for entry in mapping.values()
        ]
        if values and second is not None and all(v is not None and v == values[0] for v in values):
            return resolver.resolve(values[0])
        return Unresolved(f"Fn::FindInMap [{shown}]: the key is chosen at deploy time")
    entry = mapping.get(top)
    if second is None:
        return Unresolved(f"Fn::FindInMap [{shown}]: the key is chosen at deploy time")
    if isinstance(entry, Mapping) and second in entry:
        return resolver.resolve(entry[second])
    if default is not NO_VALUE:
        return resolver.resolve(default)
    return Unresolved(f"Fn::FindInMap [{shown}]: no such entry")


def _describe(value: Any) -> str:
    if isinstance(value, Symbol):
        return value.text
    if isinstance(value, Unresolved):
        return "<unresolved>"
    return repr(value)


def fn_get_azs(resolver: Resolver, argument: Any) -> Unresolved:
    return Unresolved("Fn::GetAZs: the region's availability zones are known at deploy time")


def fn_import_value(resolver: Resolver, argument: Any) -> Unresolved:
    name = render(resolver.argument(argument))
    shown = name if isinstance(name, str) else "<unresolved name>"
    # an export is always one string, whatever it holds
    return Unresolved(f"Fn::ImportValue {shown}: exported by another stack", single=True)


def fn_base64(resolver: Resolver, argument: Any) -> Any:
    text = render(resolver.argument(argument))
    if isinstance(text, Unresolved):
        return Unresolved(f"Fn::Base64: {text.reason}")
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def fn_cidr(resolver: Resolver, argument: Any) -> Any:
    args = _pair(argument, 3, "Fn::Cidr")
    if isinstance(args, Unresolved):
        return args
    block, count, bits = (resolver.argument(item) for item in args)
    if isinstance(block, Symbol) and block.known:
        block = block.text
    if not isinstance(block, str):
        reason = block.reason if isinstance(block, Unresolved | Symbol) else "not a CIDR block"
        return Unresolved(f"Fn::Cidr of an address block that is not known: {reason}")
    how_many, subnet_bits = _index(count), _index(bits)
    if how_many is None or subnet_bits is None:
        return Unresolved("Fn::Cidr needs a whole-number count and bit size")
    try:
        network = ipaddress.ip_network(block, strict=False)
        prefix = network.max_prefixlen - subnet_bits
        if prefix < network.prefixlen or how_many > 256:
            return Unresolved(f"Fn::Cidr cannot cut {how_many} /{prefix} blocks from {block}")
        subnets = []
        for subnet in network.subnets(new_prefix=prefix):
            subnets.append(str(subnet))
            if len(subnets) == how_many:
                break
    except ValueError as err:
        return Unresolved(f"Fn::Cidr: {err}")
    if len(subnets) < how_many:
        return Unresolved(f"Fn::Cidr cannot cut {how_many} /{prefix} blocks from {block}")
    return subnets


def policy_text(value: Any) -> Any:
    """Deep-convert symbols to their text (for JSON strings and policy documents)."""
    if isinstance(value, Symbol):
        return value.text
    if isinstance(value, dict):
        return {key: policy_text(item) for key, item in value.items()}
    if isinstance(value, list):
        return [policy_text(item) for item in value]
    return value


def fn_to_json_string(resolver: Resolver, argument: Any) -> Any:
    value = policy_text(resolver.argument(argument))
    unknown = _first_unresolved(value)
    if unknown is not None:
        return Unresolved(f"Fn::ToJsonString: {unknown.reason}")
    return json.dumps(value, separators=(",", ":"))


def _first_unresolved(value: Any) -> Unresolved | None:
    if isinstance(value, Unresolved):
        return value
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = _first_unresolved(item)
            if found is not None:
                return found
    return None


def fn_length(resolver: Resolver, argument: Any) -> Any:
    value = resolver.argument(argument)
    if isinstance(value, list):
        return len(value)
    if isinstance(value, Unresolved):
        return Unresolved(f"Fn::Length of a list that is not known: {value.reason}")
    return Unresolved("Fn::Length needs a list")


def fn_transform(resolver: Resolver, argument: Any) -> Unresolved:
    name = argument.get("Name") if isinstance(argument, dict) else None
    return Unresolved(
        f"Fn::Transform {name or ''}: a macro that runs at deploy time".replace("  ", " ")
    )


def _get_att(resolver: Resolver, argument: Any) -> Any:
    return resolver.get_att(argument)


def _sub(resolver: Resolver, argument: Any) -> Any:
    return resolver.sub(argument)


FUNCTIONS: dict[str, Function] = {
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": fn_join,
    "Fn::Select": fn_select,
    "Fn::Split": fn_split,
    "Fn::If": fn_if,
    "Fn::Equals": fn_equals,
    "Fn::And": fn_and,
    "Fn::Or": fn_or,
    "Fn::Not": fn_not,
    "Fn::Condition": fn_condition,
    "Fn::FindInMap": fn_find_in_map,
    "Fn::GetAZs": fn_get_azs,
    "Fn::ImportValue": fn_import_value,
    "Fn::Base64": fn_base64,
    "Fn::Cidr": fn_cidr,
    "Fn::ToJsonString": fn_to_json_string,
    "Fn::Length": fn_length,
    "Fn::Transform": fn_transform,
}

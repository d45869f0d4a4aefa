"""The plan document indexed for lookups.

One :class:`PlanResource` per resource instance, merged from ``planned_values`` and
``resource_changes`` (``after``, ``after_unknown``, ``after_sensitive``), with its
:class:`ConfigResource` from the ``configuration`` section. Module calls, module outputs and
provider configurations are indexed by module call path, because the configuration describes
module *calls* while planned values describe module *instances*.

The skeleton must be well formed (every resource entry an object with an address); anything
else raises :class:`InputError`. Attribute values are kept as they are and judged later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from enum import StrEnum
from functools import lru_cache
from typing import Any

from msgspec import Struct, field

from airlock.errors import InputError
from airlock.sources.terraform_plan.addresses import (
    InstanceAddress,
    Key,
    ModulePath,
    call_path,
    instance_address,
    module_text,
    parse_module,
    split_address,
)

#: deeper module nesting than this is not indexed (Terraform configurations are far shallower)
MAX_MODULE_DEPTH = 64


class Presence(StrEnum):
    #: exists after apply: created, updated, replaced, unchanged
    LIVE = "live"
    #: actions == ["delete"]: gone after apply
    DELETED = "deleted"
    #: actions == ["forget"] (a ``removed`` block): left in AWS, no longer managed
    FORGOTTEN = "forgotten"


class ConfigResource(Struct, frozen=True):
    """A resource block of the configuration (one per block, not per instance)."""

    expressions: dict[str, Any]
    for_each_refs: tuple[str, ...] = ()
    provider_key: str | None = None


class ModuleCall(Struct, frozen=True):
    expressions: dict[str, Any]
    for_each_refs: tuple[str, ...] = ()


class PlanResource(Struct):
    address: str
    where: InstanceAddress
    values: dict[str, Any]
    unknown: Any
    sensitive: Any
    presence: Presence
    config: ConfigResource | None = None
    provider_name: str = ""

    @property
    def type(self) -> str:
        return self.where.rtype

    @property
    def module(self) -> ModulePath:
        return self.where.module

    @property
    def key(self) -> Key | None:
        return self.where.key


class Plan(Struct):
    path: str
    format_version: str
    #: managed resource instances by address: live, deleted and forgotten
    resources: dict[str, PlanResource] = field(default_factory=dict)
    #: data resource instances by address
    data: dict[str, PlanResource] = field(default_factory=dict)
    #: data resources Terraform reads only during apply (their values are unknown)
    deferred_data: set[str] = field(default_factory=set)
    #: (module instance text, local address) -> live instances, in index order
    instances: dict[tuple[str, str], list[PlanResource]] = field(default_factory=dict)
    #: (parent module instance text, call name) -> child module instances
    module_children: dict[tuple[str, str], list[ModulePath]] = field(default_factory=dict)
    config_resources: dict[tuple[tuple[str, ...], str], ConfigResource] = field(
        default_factory=dict
    )
    module_calls: dict[tuple[tuple[str, ...], str], ModuleCall] = field(default_factory=dict)
    #: (module call path, output name) -> the references of the output's expression
    outputs: dict[tuple[tuple[str, ...], str], tuple[str, ...]] = field(default_factory=dict)
    providers: dict[str, dict[str, Any]] = field(default_factory=dict)
    variables: dict[str, Any] = field(default_factory=dict)
    has_configuration: bool = False
    #: (address, type, reason) of changes Terraform deferred to a later plan
    deferred: list[tuple[str, str, str]] = field(default_factory=list)
    errored: bool = False
    lines: dict[str, int] = field(default_factory=dict)

    def live(self) -> Iterator[PlanResource]:
        """Managed resources that exist after apply (forgotten ones included)."""
        return (r for r in self.resources.values() if r.presence is not Presence.DELETED)

    def deleted(self) -> Iterator[PlanResource]:
        return (r for r in self.resources.values() if r.presence is Presence.DELETED)

    def config_of(self, module: ModulePath, local: str) -> ConfigResource | None:
        return self.config_resources.get((call_path(module), local))


def as_dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def references(expression: object) -> tuple[str, ...]:
    """The ``references`` list of a configuration expression (strings only)."""
    refs = as_dict(expression).get("references")
    return tuple(r for r in as_list(refs) if isinstance(r, str))


def index_plan(path: str, document: dict[str, Any], text: str) -> Plan:
    plan = Plan(path=path, format_version=str(document.get("format_version", "")))
    plan.errored = document.get("errored") is True
    _index_configuration(plan, as_dict(document.get("configuration")))
    plan.has_configuration = isinstance(document.get("configuration"), dict)
    for name, variable in as_dict(document.get("variables")).items():
        if isinstance(variable, dict) and "value" in variable:
            plan.variables[name] = variable["value"]
    planned: dict[str, dict[str, Any]] = {}
    for entry in _module_resources(path, as_dict(document.get("planned_values")), "planned_values"):
        planned.setdefault(entry["address"], entry)
    prior = as_dict(as_dict(document.get("prior_state")).get("values"))
    for entry in _module_resources(path, prior, "prior_state"):
        if entry.get("mode") == "data":
            _add_data(
                plan, entry, as_dict(entry.get("values")), as_dict(entry.get("sensitive_values"))
            )
    changes = _resource_changes(path, as_list(document.get("resource_changes")))
    for address, entry in planned.items():
        change = changes.get(address)
        if entry.get("mode") == "data":
            _add_data(plan, entry, as_dict(entry.get("values")), entry.get("sensitive_values"))
        elif change is None:
            _add(
                plan,
                entry,
                as_dict(entry.get("values")),
                {},
                entry.get("sensitive_values"),
                Presence.LIVE,
            )
    for address, change in changes.items():
        body = as_dict(change.get("change"))
        if change.get("mode") == "data":
            # a deferred read keeps what is unknown of its configuration: a policy document
            # can be rebuilt from the rest (see :mod:`policy_document`)
            _add_data(
                plan,
                change,
                as_dict(body.get("after")),
                body.get("after_sensitive"),
                body.get("after_unknown"),
            )
            if "read" in as_list(body.get("actions")):
                plan.deferred_data.add(address)
            continue
        presence = _presence(body.get("actions"), change.get("type"))
        if presence is Presence.LIVE:
            values = dict(as_dict(body.get("after")))
            pv = as_dict(planned.get(address, {}).get("values"))
            for key, value in pv.items():
                values.setdefault(key, value)
            sensitive = body.get(
                "after_sensitive", planned.get(address, {}).get("sensitive_values")
            )
            _add(plan, change, values, body.get("after_unknown"), sensitive, presence)
        else:
            _add(
                plan,
                change,
                as_dict(body.get("before")),
                {},
                body.get("before_sensitive"),
                presence,
            )
    for deferred in as_list(document.get("deferred_changes")):
        deferred_change = as_dict(as_dict(deferred).get("resource_change"))
        deferred_address = deferred_change.get("address")
        if isinstance(deferred_address, str):
            reason = as_dict(deferred).get("reason")
            rtype = str(deferred_change.get("type", ""))
            plan.deferred.append((deferred_address, rtype, str(reason or "deferred")))
    _index_instances(plan)
    plan.lines = _address_lines(text)
    return plan


#: Terraform cannot delete these default objects: "destroying" one only forgets it
_ONLY_FORGOTTEN = frozenset(
    {"aws_default_route_table", "aws_default_security_group", "aws_default_network_acl"}
)


def _presence(actions: object, rtype: object = None) -> Presence:
    names = {a for a in as_list(actions) if isinstance(a, str)}
    if names & {"create", "update", "no-op", "read"} or not names:
        return Presence.LIVE
    if "delete" in names:
        forgotten = isinstance(rtype, str) and rtype in _ONLY_FORGOTTEN
        return Presence.FORGOTTEN if forgotten else Presence.DELETED
    if "forget" in names:
        return Presence.FORGOTTEN
    return Presence.LIVE


def _resource_changes(path: str, entries: list[Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("address"), str):
            raise InputError(path, f"not a valid plan: resource_changes[{i}] has no address")
        if entry.get("deposed"):
            continue  # a deposed object being cleaned up; the current instance is separate
        if not isinstance(entry.get("change"), dict):
            raise InputError(path, f"not a valid plan: resource_changes[{i}] has no change object")
        found.setdefault(entry["address"], entry)
    return found


def _module_resources(path: str, values: dict[str, Any], section: str) -> Iterator[dict[str, Any]]:
    """Every resource entry of a values representation, child modules included.

    Each entry is a shallow copy that also carries its module's address.
    """
    stack: list[tuple[dict[str, Any], int]] = [(as_dict(values.get("root_module")), 0)]
    while stack:
        module, depth = stack.pop()
        module_address = module.get("address") if depth else ""
        for i, entry in enumerate(as_list(module.get("resources"))):
            if not isinstance(entry, dict) or not isinstance(entry.get("address"), str):
                raise InputError(
                    path, f"not a valid plan: a resource in {section} has no address (#{i})"
                )
            if isinstance(module_address, str) and "module_address" not in entry:
                entry = {**entry, "module_address": module_address}
            yield entry
        if depth < MAX_MODULE_DEPTH:
            stack.extend(
                (as_dict(child), depth + 1)
                for child in reversed(as_list(module.get("child_modules")))
            )


def _where(entry: dict[str, Any], module_address: str | None = None) -> InstanceAddress | None:
    """Where a resource entry lives: from its fields when they are all there, else its address."""
    rtype, name, index = entry.get("type"), entry.get("name"), entry.get("index")
    module_text_ = entry.get("module_address", module_address)
    if module_text_ is None and "module." not in entry["address"]:
        module_text_ = ""
    if (
        isinstance(rtype, str)
        and isinstance(name, str)
        and isinstance(module_text_, str)
        and (index is None or (isinstance(index, (int, str)) and not isinstance(index, bool)))
    ):
        module = _module_path(module_text_)
        if module is not None:
            mode = "data" if entry.get("mode") == "data" else "managed"
            where = InstanceAddress(module, mode, rtype, name, index)
            if instance_address(module, mode, rtype, name, index) == entry["address"]:
                return where
    return split_address(entry["address"])


@lru_cache(maxsize=4096)
def _module_path(text: str) -> ModulePath | None:
    return parse_module(text)


def _add(
    plan: Plan,
    entry: dict[str, Any],
    values: dict[str, Any],
    unknown: object,
    sensitive: object,
    presence: Presence,
) -> None:
    where = _where(entry)
    if where is None:
        raise InputError(
            plan.path, f"not a valid plan: cannot parse the address {entry['address']!r}"
        )
    if where.mode == "data":
        _add_data(plan, entry, values, sensitive)
        return
    config = plan.config_of(where.module, where.local) if presence is Presence.LIVE else None
    plan.resources[entry["address"]] = PlanResource(
        address=entry["address"],
        where=where,
        values=values,
        unknown=unknown if unknown is not None else {},
        sensitive=sensitive if sensitive is not None else {},
        presence=presence,
        config=config,
        provider_name=str(entry.get("provider_name") or ""),
    )


def _add_data(
    plan: Plan,
    entry: dict[str, Any],
    values: dict[str, Any],
    sensitive: object,
    unknown: object = None,
) -> None:
    where = _where(entry)
    if where is None:
        return
    plan.data[entry["address"]] = PlanResource(
        address=entry["address"],
        where=where,
        values=values,
        unknown=unknown if unknown is not None else {},
        sensitive=sensitive if sensitive is not None else {},
        presence=Presence.LIVE,
    )


def _index_configuration(plan: Plan, configuration: dict[str, Any]) -> None:
    plan.providers = {
        k: v
        for k, v in as_dict(configuration.get("provider_config")).items()
        if isinstance(v, dict)
    }
    stack: list[tuple[tuple[str, ...], dict[str, Any]]] = [
        ((), as_dict(configuration.get("root_module")))
    ]
    while stack:
        calls, module = stack.pop()
        for block in as_list(module.get("resources")):
            block = as_dict(block)
            local = block.get("address")
            if not isinstance(local, str):
                continue
            provider_key = block.get("provider_config_key")
            plan.config_resources[(calls, local)] = ConfigResource(
                expressions=as_dict(block.get("expressions")),
                for_each_refs=references(block.get("for_each_expression")),
                provider_key=provider_key if isinstance(provider_key, str) else None,
            )
        for name, output in as_dict(module.get("outputs")).items():
            plan.outputs[(calls, name)] = references(as_dict(output).get("expression"))
        if len(calls) >= MAX_MODULE_DEPTH:
            continue
        for name, call in as_dict(module.get("module_calls")).items():
            call = as_dict(call)
            plan.module_calls[(calls, name)] = ModuleCall(
                expressions=as_dict(call.get("expressions")),
                for_each_refs=references(call.get("for_each_expression")),
            )
            stack.append(((*calls, name), as_dict(call.get("module"))))


def _index_instances(plan: Plan) -> None:
    seen: set[tuple[str, ModulePath]] = set()
    for resource in [*plan.live(), *plan.data.values()]:
        if resource.presence is Presence.FORGOTTEN:
            continue
        key = (module_text(resource.module), resource.where.local)
        plan.instances.setdefault(key, []).append(resource)
        path = resource.module
        for depth in range(1, len(path) + 1):
            parent, child = module_text(path[: depth - 1]), path[:depth]
            if (parent, child) not in seen:
                seen.add((parent, child))
                plan.module_children.setdefault((parent, child[-1].name), []).append(child)
    for found in plan.instances.values():
        found.sort(key=_key_order)


def _key_order(resource: PlanResource) -> tuple[int, int, str]:
    key = resource.key
    if isinstance(key, int):
        return (0, key, "")
    return (1, 0, key or "")


_ADDRESS = re.compile(r'"address"\s*:\s*"((?:[^"\\\n]|\\.)*)"')


def _unescape(raw: str) -> str:
    """A JSON string body; addresses usually only escape the quotes of their keys."""
    if "\\" not in raw:
        return raw
    if (
        "\\\\" not in raw
        and "\\u" not in raw
        and all(raw[i + 1] == '"' for i in range(len(raw) - 1) if raw[i] == "\\")
    ):
        return raw.replace('\\"', '"')
    value = json.loads(f'"{raw}"')
    return value if isinstance(value, str) else raw


def _address_lines(text: str) -> dict[str, int]:
    """The line of the first ``"address": "..."`` of each resource in the file."""
    lines: dict[str, int] = {}
    line, last = 1, 0
    for match in _ADDRESS.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        raw = match.group(1)
        try:
            address = _unescape(raw)
        except ValueError:
            continue
        lines.setdefault(address, line)
    return lines

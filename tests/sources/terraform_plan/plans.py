"""Build ``terraform show -json`` plan documents for tests, in Terraform's own layout.

``Plan.resource(address, values, ...)`` adds one resource instance: to ``planned_values`` (in
its child module), to ``resource_changes`` and, with ``expressions``, to ``configuration``
(once per resource block, in its module call). References are written as Terraform writes
them (``ref("aws_vpc.main.id")`` expands to ``["aws_vpc.main.id", "aws_vpc.main"]``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from airlock.inventory.model import Inventory
from airlock.sources.terraform_plan import load

_PART = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[("(?:[^"\\]|\\.)*"|\d+)\]')


def _parts(address: str) -> list[str]:
    return [m.group(0).lstrip(".") for m in _PART.finditer(address)]


def _join(pieces: list[str]) -> str:
    text = ""
    for piece in pieces:
        text += piece if piece.startswith("[") or not text else "." + piece
    return text


def ref(*expressions: str) -> dict[str, Any]:
    """A configuration expression with the ``references`` list Terraform writes for it.

    Like Terraform: the full traversal, each shorter prefix down to the referenced object,
    then the resource without its key (or, for a module output, the module call).
    """
    out: list[str] = []
    for text in expressions:
        pieces = _parts(text)
        size = 3 if pieces[0] == "data" else 2
        keyed = len(pieces) > size and pieces[size].startswith("[")
        subject = size + (1 if keyed else 0)
        if pieces[0] == "module" and len(pieces) > subject:
            subject += 1  # the output is part of the subject
        found = [_join(pieces[:end]) for end in range(len(pieces), subject - 1, -1)]
        if (
            pieces[0] == "module"
            and len(pieces) >= subject
            and subject > size + (1 if keyed else 0)
        ):
            found.append(_join(pieces[: subject - 1]))
        elif keyed and pieces[0] not in ("var", "local", "each", "count"):
            found.append(_join(pieces[:size]))
        out.extend(f for f in found if f not in out)
    return {"references": out}


def const(value: Any) -> dict[str, Any]:
    return {"constant_value": value}


def _split(address: str) -> tuple[str, str, str, str, Any]:
    """(module address, mode, type, name, index) of a resource instance address."""
    pieces = _parts(address)
    module: list[str] = []
    i = 0
    while pieces[i] == "module":
        step = "module." + pieces[i + 1]
        i += 2
        if i < len(pieces) and pieces[i].startswith("["):
            step += pieces[i]
            i += 1
        module.append(step)
    mode = "managed"
    if pieces[i] == "data":
        mode = "data"
        i += 1
    rtype, name = pieces[i], pieces[i + 1]
    index: Any = None
    if i + 2 < len(pieces):
        index = json.loads(pieces[i + 2][1:-1])
    return ".".join(module), mode, rtype, name, index


def _local(address: str) -> tuple[tuple[str, ...], str]:
    """(module call names, module-relative resource address without index)."""
    module, mode, rtype, name, _ = _split(address)
    calls = tuple(re.findall(r"module\.([A-Za-z_][A-Za-z0-9_-]*)", module))
    return calls, ("data." if mode == "data" else "") + f"{rtype}.{name}"


class Plan:
    def __init__(self, format_version: str = "1.2", region: str | None = "eu-central-1") -> None:
        self.doc: dict[str, Any] = {
            "format_version": format_version,
            "terraform_version": "1.9.5",
            "variables": {},
            "planned_values": {"root_module": {}},
            "resource_changes": [],
            "prior_state": {"format_version": "1.0", "values": {"root_module": {}}},
            "configuration": {"provider_config": {}, "root_module": {}},
            "timestamp": "2026-11-20T10:00:00Z",
            "applyable": True,
            "complete": True,
            "errored": False,
        }
        if region is not None:
            self.provider("aws", region=const(region))

    # -- configuration ----------------------------------------------------------------------

    def provider(self, key: str, **expressions: Any) -> Plan:
        name = key.split(":")[-1].split(".")[0]
        entry: dict[str, Any] = {
            "name": name,
            "full_name": f"registry.terraform.io/hashicorp/{name}",
        }
        if "." in key.split(":")[-1]:
            entry["alias"] = key.split(".")[-1]
        if expressions:
            entry["expressions"] = expressions
        self.doc["configuration"]["provider_config"][key] = entry
        return self

    def _config_module(self, calls: tuple[str, ...]) -> dict[str, Any]:
        module: dict[str, Any] = self.doc["configuration"]["root_module"]
        for call in calls:
            module = module.setdefault("module_calls", {}).setdefault(
                call, {"source": f"./modules/{call}", "module": {}}
            )
            module = module["module"]
        return module

    def module_call(
        self,
        calls: tuple[str, ...],
        expressions: dict[str, Any] | None = None,
        outputs: dict[str, Any] | None = None,
        for_each: dict[str, Any] | None = None,
    ) -> Plan:
        parent = self._config_module(calls[:-1])
        call = parent.setdefault("module_calls", {}).setdefault(
            calls[-1], {"source": f"./modules/{calls[-1]}", "module": {}}
        )
        if expressions:
            call["expressions"] = expressions
        if for_each:
            call["for_each_expression"] = for_each
        if outputs:
            call["module"]["outputs"] = {
                name: {"expression": expr} for name, expr in outputs.items()
            }
        return self

    def variable(self, name: str, value: Any) -> Plan:
        self.doc["variables"][name] = {"value": value}
        return self

    # -- resources --------------------------------------------------------------------------

    def resource(
        self,
        address: str,
        values: dict[str, Any],
        *,
        unknown: dict[str, Any] | None = None,
        sensitive: Any = None,
        actions: tuple[str, ...] = ("create",),
        expressions: dict[str, Any] | None = None,
        before: dict[str, Any] | None = None,
        for_each: dict[str, Any] | None = None,
        count: dict[str, Any] | None = None,
        provider_key: str = "aws",
    ) -> Plan:
        module, mode, rtype, name, index = _split(address)
        deleted = list(actions) == ["delete"] or list(actions) == ["forget"]
        entry: dict[str, Any] = {
            "address": address,
            "mode": mode,
            "type": rtype,
            "name": name,
            "provider_name": "registry.terraform.io/hashicorp/aws",
            "schema_version": 0,
        }
        if index is not None:
            entry["index"] = index
        if not deleted:
            planned = dict(entry, values=values, sensitive_values=sensitive or {})
            self._planned_module(module).setdefault("resources", []).append(planned)
        change = dict(entry)
        if module:
            change["module_address"] = module
        change["change"] = {
            "actions": list(actions),
            "before": before if before is not None else (values if deleted else None),
            "after": None if deleted else values,
            "after_unknown": {} if deleted else (unknown or {}),
            "before_sensitive": False if before is None and not deleted else {},
            "after_sensitive": False if deleted else (sensitive or {}),
        }
        self.doc["resource_changes"].append(change)
        if not deleted and (expressions is not None or for_each is not None or count is not None):
            self.config(
                address,
                expressions or {},
                for_each=for_each,
                count=count,
                provider_key=provider_key,
            )
        return self

    def config(
        self,
        address: str,
        expressions: dict[str, Any],
        *,
        for_each: dict[str, Any] | None = None,
        count: dict[str, Any] | None = None,
        provider_key: str = "aws",
    ) -> Plan:
        calls, local = _local(address)
        module = self._config_module(calls)
        blocks = module.setdefault("resources", [])
        if any(b["address"] == local for b in blocks):
            return self
        mode = "data" if local.startswith("data.") else "managed"
        rtype, name = local.removeprefix("data.").split(".")
        block: dict[str, Any] = {
            "address": local,
            "mode": mode,
            "type": rtype,
            "name": name,
            "provider_config_key": provider_key,
            "expressions": expressions,
            "schema_version": 0,
        }
        if for_each is not None:
            block["for_each_expression"] = for_each
        if count is not None:
            block["count_expression"] = count
        blocks.append(block)
        return self

    def data(self, address: str, values: dict[str, Any]) -> Plan:
        """A data source read while planning (in ``prior_state``)."""
        _, _, rtype, name, _ = _split(address)
        entry = {"address": address, "mode": "data", "type": rtype, "name": name, "values": values}
        self.doc["prior_state"]["values"]["root_module"].setdefault("resources", []).append(entry)
        return self

    def _planned_module(self, module: str) -> dict[str, Any]:
        node: dict[str, Any] = self.doc["planned_values"]["root_module"]
        if not module:
            return node
        steps = re.findall(
            r'module\.[A-Za-z_][A-Za-z0-9_-]*(?:\[(?:"(?:[^"\\]|\\.)*"|\d+)\])?', module
        )
        address = ""
        for step in steps:
            address = f"{address}.{step}" if address else step
            children = node.setdefault("child_modules", [])
            found = next((c for c in children if c["address"] == address), None)
            if found is None:
                found = {"address": address, "resources": []}
                children.append(found)
            node = found
        return node

    # -- output -----------------------------------------------------------------------------

    def write(self, directory: Path, name: str = "plan.json") -> str:
        path = directory / name
        path.write_text(json.dumps(self.doc, indent=2))
        return str(path)

    def load(self, directory: Path) -> Inventory:
        return load(self.write(directory))

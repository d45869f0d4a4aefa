"""The template's sections, checked for the shape CloudFormation requires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct

from airlock.errors import InputError
from airlock.sources.cloudformation.yaml_reader import Parsed

SAM_TRANSFORM = "AWS::Serverless-2016-10-31"
LANGUAGE_EXTENSIONS = "AWS::LanguageExtensions"


class Declaration(Struct, frozen=True):
    """One entry of ``Resources``: raw, unresolved properties."""

    logical_id: str
    type: str
    properties: Mapping[str, Any]
    condition: object
    line: int | None


class Template(Struct, frozen=True):
    path: str
    resources: tuple[Declaration, ...]
    parameters: Mapping[str, Mapping[str, Any]]
    mappings: Mapping[str, Any]
    conditions: Mapping[str, Any]
    transforms: tuple[str, ...]
    globals: Mapping[str, Any]
    #: ``Fn::ForEach::*`` keys of Resources (LanguageExtensions loops, not expanded)
    loops: tuple[str, ...]


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "empty"
    return f"a {type(value).__name__} value" if not isinstance(value, str) else "a string"


def _section(root: Mapping[str, Any], name: str, doc: Parsed, path: str) -> Mapping[str, Any]:
    value = root.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError(
            path,
            f"the {name} section must be a mapping, not {_kind(value)}",
            doc.lines.get((name,)),
        )
    return value


def build_template(doc: Parsed, path: str) -> Template:
    """Check the document's shape and split it into sections."""
    root = doc.root
    if root is None:
        raise InputError(path, "is empty")
    if not isinstance(root, dict):
        raise InputError(
            path,
            f"is not a CloudFormation template: the document is {_kind(root)}, not a mapping",
            1,
        )
    if "Resources" not in root:
        raise InputError(path, "is not a CloudFormation template: it has no Resources section")
    resources = root["Resources"]
    resources_line = doc.lines.get(("Resources",))
    if not isinstance(resources, dict):
        raise InputError(
            path,
            f"is not a CloudFormation template: Resources is {_kind(resources)}, not a mapping",
            resources_line,
        )
    if not resources:
        raise InputError(path, "the Resources section is empty", resources_line)
    declarations: list[Declaration] = []
    loops: list[str] = []
    for logical_id, body in resources.items():
        line = doc.lines.get(("Resources", logical_id))
        if logical_id.startswith("Fn::ForEach::"):
            loops.append(logical_id)
            continue
        declarations.append(_declaration(logical_id, body, line, path))
    parameters = _section(root, "Parameters", doc, path)
    for name, spec in parameters.items():
        if not isinstance(spec, dict):
            raise InputError(
                path,
                f"parameter '{name}' must be a mapping, not {_kind(spec)}",
                doc.lines.get(("Parameters", name)),
            )
    return Template(
        path=path,
        resources=tuple(declarations),
        parameters=parameters,
        mappings=_section(root, "Mappings", doc, path),
        conditions=_section(root, "Conditions", doc, path),
        transforms=_transforms(root.get("Transform")),
        globals=_section(root, "Globals", doc, path),
        loops=tuple(loops),
    )


def _declaration(logical_id: str, body: object, line: int | None, path: str) -> Declaration:
    if not isinstance(body, dict):
        raise InputError(
            path, f"resource '{logical_id}' must be a mapping, not {_kind(body)}", line
        )
    kind = body.get("Type")
    if kind is None:
        raise InputError(path, f"resource '{logical_id}' has no Type", line)
    if not isinstance(kind, str) or not kind:
        raise InputError(path, f"the Type of resource '{logical_id}' must be a string", line)
    properties = body.get("Properties")
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InputError(
            path,
            f"the Properties of resource '{logical_id}' must be a mapping, not {_kind(properties)}",
            line,
        )
    return Declaration(logical_id, kind, properties, body.get("Condition"), line)


def _transforms(value: object) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    names: list[str] = []
    for item in items:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("Name"), str):
            names.append(item["Name"])
        else:
            names.append(str(item))
    return tuple(names)

"""The template's sections, checked for the shape CloudFormation requires."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from msgspec import Struct

from airlock.errors import InputError
from airlock.sources.cloudformation.foreach import LOOP_PREFIX, Expander, LoopError, Unexpanded
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
    #: ``Fn::ForEach`` loops left as written (their collection is known only at deploy time)
    loops: tuple[Unexpanded, ...]


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


def build_template(doc: Parsed, path: str, values: Mapping[str, str] | None = None) -> Template:
    """Check the document's shape, expand its ``Fn::ForEach`` loops, split it into sections.

    ``values`` are the caller's parameter values and pinned pseudo parameters: loops over a
    parameter list use them.
    """
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
    parameters = _section(root, "Parameters", doc, path)
    for name, spec in parameters.items():
        if not isinstance(spec, dict):
            raise InputError(
                path,
                f"parameter '{name}' must be a mapping, not {_kind(spec)}",
                doc.lines.get(("Parameters", name)),
            )
    mappings = _section(root, "Mappings", doc, path)
    conditions = _section(root, "Conditions", doc, path)
    transforms = _transforms(root.get("Transform"))
    loops: list[Unexpanded] = []
    if LANGUAGE_EXTENSIONS in transforms:
        expander = Expander(parameters, mappings, values or {})
        entries = _expand(expander, "Resources", resources, doc, path)
        conditions = {
            name: value
            for name, (value, _) in _expand(expander, "Conditions", conditions, doc, path).items()
        }
        loops = expander.unexpanded
    else:
        # CloudFormation refuses these loops without the transform: seen as today, not expanded
        entries = {}
        for key, body in resources.items():
            if key.startswith(LOOP_PREFIX):
                loops.append(Unexpanded(key, _NO_TRANSFORM, "Resources"))
            else:
                entries[key] = (body, key)
    declarations = [
        _declaration(logical_id, body, doc.lines.get(("Resources", entry)), path)
        for logical_id, (body, entry) in entries.items()
    ]
    return Template(
        path=path,
        resources=tuple(declarations),
        parameters=parameters,
        mappings=mappings,
        conditions=conditions,
        transforms=transforms,
        globals=_section(root, "Globals", doc, path),
        loops=tuple(loops),
    )


_NO_TRANSFORM = f"the template does not declare the {LANGUAGE_EXTENSIONS} transform it needs"


def _expand(
    expander: Expander, name: str, entries: Mapping[str, Any], doc: Parsed, path: str
) -> dict[str, tuple[Any, str]]:
    """The section's entries once its loops are expanded (each with the key it came from)."""
    try:
        return expander.section(name, entries)
    except LoopError as err:
        line = doc.lines.get((name, err.entry)) if err.entry is not None else None
        raise InputError(path, err.message, line) from None


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

"""Terraform addresses and the reference strings of the plan's ``configuration`` section.

Plan JSON names things with traversal strings: ``module.net["eu"].aws_subnet.private[0]`` for a
resource instance, ``aws_vpc.main.id`` or ``module.vpc.private_subnets`` for a reference. This
module parses them into small values; it never raises on odd input (it returns ``None``).
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from functools import lru_cache
from typing import TypeAlias

from msgspec import Struct

#: an instance key: a ``count`` index or a ``for_each`` key
Key: TypeAlias = int | str

_TOKEN = re.compile(
    r"""(?P<name>[A-Za-z_][A-Za-z0-9_-]*)
      | \.(?P<attr>[A-Za-z_][A-Za-z0-9_-]*)
      | \.(?P<dotsplat>\*)
      | \[(?P<index>-?[0-9]+|"(?:[^"\\]|\\.)*"|\*)\]""",
    re.VERBOSE,
)

_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")

#: a traversal step: ("attr", name) or ("index", key); the root is the first "attr" step
Step: TypeAlias = tuple[str, Key]


def traversal(text: str) -> list[Step] | None:
    """Split ``a.b[0]["k"].c`` into steps; ``None`` when the text is not a traversal.

    A splat (``[*]`` or ``.*``) ends the traversal: what follows applies to every element.
    """
    if _DOTTED.fullmatch(text):  # the common case: names and attributes only
        return [("attr", part) for part in text.split(".")]
    steps: list[Step] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            return None
        if match.group("name") is not None:
            if steps:
                return None
            steps.append(("attr", match.group("name")))
        elif not steps:
            return None
        elif match.group("attr") is not None:
            steps.append(("attr", match.group("attr")))
        elif match.group("dotsplat") is not None:
            return steps
        else:
            raw = match.group("index")
            if raw == "*":
                return steps
            key = _parse_key(raw)
            if key is None:
                return None
            steps.append(("index", key))
        pos = match.end()
    return steps or None


def _parse_key(raw: str) -> Key | None:
    if raw.startswith('"'):
        try:
            value = json.loads(raw)
        except ValueError:
            return None
        return value if isinstance(value, str) else None
    try:
        return int(raw)
    except ValueError:
        return None


def key_text(key: Key | None) -> str:
    """The ``[0]`` / ``["a"]`` suffix Terraform prints for an instance key."""
    if key is None:
        return ""
    if isinstance(key, int):
        return f"[{key}]"
    return "[" + json.dumps(key, ensure_ascii=False) + "]"


class ModuleStep(Struct, frozen=True):
    name: str
    key: Key | None = None


#: a module instance: the steps from the root (the root module is the empty tuple)
ModulePath: TypeAlias = tuple[ModuleStep, ...]


@lru_cache(maxsize=65536)
def module_text(path: ModulePath) -> str:
    """``module.net["eu"].module.sub`` -- the canonical text of a module instance path."""
    return ".".join(f"module.{step.name}{key_text(step.key)}" for step in path)


def call_path(path: ModulePath) -> tuple[str, ...]:
    """The module call names of an instance path (what the configuration is keyed by)."""
    return tuple(step.name for step in path)


def parse_module(text: str) -> ModulePath | None:
    """Parse a ``module_address`` such as ``module.a[0].module.b``; ``""`` is the root."""
    if not text:
        return ()
    steps = traversal(text)
    if steps is None:
        return None
    path: list[ModuleStep] = []
    i = 0
    while i < len(steps):
        if steps[i] != ("attr", "module") or i + 1 >= len(steps) or steps[i + 1][0] != "attr":
            return None
        name = steps[i + 1][1]
        assert isinstance(name, str)
        i += 2
        key: Key | None = None
        if i < len(steps) and steps[i][0] == "index":
            key = steps[i][1]
            i += 1
        path.append(ModuleStep(name, key))
    return tuple(path)


def instance_address(module: ModulePath, mode: str, rtype: str, name: str, key: Key | None) -> str:
    """The full address of a resource instance, as Terraform prints it."""
    prefix = module_text(module)
    local = f"{'data.' if mode == 'data' else ''}{rtype}.{name}{key_text(key)}"
    return f"{prefix}.{local}" if prefix else local


class RefKind(StrEnum):
    RESOURCE = "resource"
    DATA = "data"
    MODULE = "module"
    VAR = "var"
    LOCAL = "local"
    EACH = "each"
    COUNT = "count"
    #: path.*, terraform.*: always known while planning
    META = "meta"
    #: anything else (self, ephemeral resources, actions...): cannot be followed
    OTHER = "other"


class Reference(Struct, frozen=True):
    """One parsed reference string of a configuration expression.

    ``name`` is the resource/data name, module call, variable or local name; ``rtype`` the
    resource type; ``key`` the instance key when the reference names one; ``attr`` the first
    attribute after the subject (the module output for module references).
    """

    kind: RefKind
    name: str = ""
    rtype: str = ""
    key: Key | None = None
    has_key: bool = False
    attr: str | None = None
    #: an index right after ``attr`` (``module.m.ids["a"]``, ``var.map["k"]``)
    subkey: Key | None = None


_META_ROOTS = frozenset({"path", "terraform"})


@lru_cache(maxsize=65536)
def parse_reference(text: str) -> Reference | None:
    steps = traversal(text)
    if not steps:
        return None
    root = steps[0][1]
    rest = steps[1:]
    if root in ("var", "local", "each", "count") or root in _META_ROOTS:
        kind = {
            "var": RefKind.VAR,
            "local": RefKind.LOCAL,
            "each": RefKind.EACH,
            "count": RefKind.COUNT,
        }.get(str(root), RefKind.META)
        first = rest[0][1] if rest and rest[0][0] == "attr" else ""
        attr = rest[1][1] if len(rest) > 1 and rest[1][0] == "attr" else None
        subkey = rest[1][1] if len(rest) > 1 and rest[1][0] == "index" else None
        attr_name = str(attr) if attr is not None else None
        return Reference(kind, name=str(first), attr=attr_name, subkey=subkey)
    if root == "module":
        return _subject(RefKind.MODULE, "", rest)
    if root == "data":
        if not rest or rest[0][0] != "attr":
            return None
        return _subject(RefKind.DATA, str(rest[0][1]), rest[1:])
    if root in ("self", "ephemeral", "action", "resource", "list"):
        return Reference(RefKind.OTHER, name=str(root))
    return _subject(RefKind.RESOURCE, str(root), rest)


def _subject(kind: RefKind, rtype: str, rest: list[Step]) -> Reference | None:
    """``name [key] [.attr ...]`` after ``module.``, ``data.<type>.`` or ``<type>.``."""
    if not rest or rest[0][0] != "attr":
        return None
    name = str(rest[0][1])
    rest = rest[1:]
    key: Key | None = None
    has_key = False
    if rest and rest[0][0] == "index":
        key = rest[0][1]
        has_key = True
        rest = rest[1:]
    attr = str(rest[0][1]) if rest and rest[0][0] == "attr" else None
    subkey = rest[1][1] if attr is not None and len(rest) > 1 and rest[1][0] == "index" else None
    return Reference(kind, name, rtype, key, has_key, attr, subkey)


class InstanceAddress(Struct, frozen=True):
    module: ModulePath
    mode: str  # managed | data
    rtype: str
    name: str
    key: Key | None

    @property
    def local(self) -> str:
        """The module-relative resource address (no key): ``aws_subnet.private``."""
        return f"{'data.' if self.mode == 'data' else ''}{self.rtype}.{self.name}"


def split_address(address: str) -> InstanceAddress | None:
    """Parse ``module.a[0].data.aws_x.y["k"]`` into its parts."""
    steps = traversal(address)
    if steps is None:
        return None
    module: list[ModuleStep] = []
    i = 0
    while i + 1 < len(steps) and steps[i] == ("attr", "module") and steps[i + 1][0] == "attr":
        name = str(steps[i + 1][1])
        i += 2
        key: Key | None = None
        if i < len(steps) and steps[i][0] == "index":
            key = steps[i][1]
            i += 1
        module.append(ModuleStep(name, key))
    mode = "managed"
    if i < len(steps) and steps[i] == ("attr", "data"):
        mode = "data"
        i += 1
    if i + 1 >= len(steps) or steps[i][0] != "attr" or steps[i + 1][0] != "attr":
        return None
    rtype, name = str(steps[i][1]), str(steps[i + 1][1])
    i += 2
    key = None
    if i < len(steps) and steps[i][0] == "index":
        key = steps[i][1]
        i += 1
    if i != len(steps):
        return None
    return InstanceAddress(tuple(module), mode, rtype, name, key)

"""Policy documents of ``data "aws_iam_policy_document"`` reads deferred to apply, rebuilt.

In a fresh plan a document whose statements reference a value known only after apply (an
endpoint id, a bucket ARN) is read during apply: its ``json`` is unknown, and so is every
``policy`` argument set from it. The plan still holds the document's evaluated configuration
(``after``) and marks its unknown leaves (``after_unknown``), so the document can be rendered
as terraform-provider-aws renders it (``policy_document_data_source.go``, ``policy_model.go``):
the ``source_policy_documents`` statements, then the document's own statements, then each
``override_policy_documents`` (a statement with the same non-empty Sid replaces the earlier
one); a missing effect is Allow; conditions group values by test and variable; principals
group identifiers by type, and a lone ``{type = "*", identifiers = ["*"]}`` is ``"*"``.

An unknown condition value, resource or principal identifier becomes an
:class:`~airlock.inventory.model.Unresolved` leaf naming what it is (the same text as the
``aws_id``/``arn`` of the referenced plan resource), which the policy evaluator treats as
unknown wherever it matters; an unknown element of a known list is marked ``single`` (one
string, so an endpoint id compared exactly is one opaque id), an unknown list is not.
Anything else unknown (a statement, effect, action, principal type, Sid, source or override
document), a sensitive value, or a ``policy`` expression whose references are not those of one
document's ``json`` leaves the policy unresolved, as before.

The references do not prove that the ``policy`` *is* the document: Terraform records the same
ones for ``jsonencode({Statement = concat(jsondecode(data.D.x.json).Statement, [...])})``.
So the rebuilt document ends with one extra Allow whose Action is unresolved, standing for any
statements a function may add: it can turn a default DENY into UNKNOWN, never an explicit Deny
or a proven ALLOW of the document's own statements.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from msgspec.structs import replace

from airlock.inventory.model import Unresolved
from airlock.sources.terraform_plan.addresses import Key, RefKind, module_text, parse_reference
from airlock.sources.terraform_plan.lookup import Path, State, find
from airlock.sources.terraform_plan.plan import PlanResource, as_dict, as_list, references
from airlock.sources.terraform_plan.resolver import expression_at

if TYPE_CHECKING:
    from airlock.sources.terraform_plan.view import ResourceView

DOCUMENT_TYPE = "aws_iam_policy_document"
_JSON_ATTRS = frozenset({"json", "minified_json"})
_DEFAULT_VERSION = "2012-10-17"
#: statement lists of strings, their JSON element, and whether ``&{`` means ``${`` there
_STRING_LISTS = (
    ("actions", "Action", False),
    ("not_actions", "NotAction", False),
    ("resources", "Resource", True),
    ("not_resources", "NotResource", True),
)


class _GiveUp(Exception):
    """The document cannot be rebuilt soundly: the policy stays unresolved."""


def deferred_document(view: ResourceView, path: Path) -> dict[str, Any] | None:
    """The document behind the unknown policy at ``path`` of ``view``, or None."""
    source = _document_source(view, path)
    if source is None:
        return None
    try:
        document = _Rebuild(view, source).document()
    except _GiveUp:
        return None
    # The configuration records the same references for ``data.D.x.json`` and for
    # ``jsonencode({Statement = concat(jsondecode(data.D.x.json).Statement, [...])})``, so the
    # policy may hold statements the plan cannot show: one unreadable Allow stands for them.
    # It may allow anything (a default DENY becomes UNKNOWN) but denies nothing, so explicit
    # Denies and proven ALLOWs of the rebuilt statements still decide.
    reason = (
        f"the plan cannot show whether {view.where(*path)} is {source.address} unchanged: "
        "a function may add statements"
    )
    document["Statement"].append({"Effect": "Allow", "Action": Unresolved(reason), "Resource": "*"})
    return document


def _document_source(view: ResourceView, path: Path) -> PlanResource | None:
    """The deferred document instance that the expression at ``path`` is a plain reference to.

    Terraform lists ``data.D.x.json`` as ``["data.D.x.json", "data.D.x"]``, a keyed instance
    with its key too, and ``data.D.x[each.key].json`` as ``["data.D.x", "each.key"]``. Any
    other reference means the expression computes something else (``merge``, ``replace``...).
    """
    resource = view.resource
    if resource.config is None:
        return None
    expression, declared = expression_at(
        resource.config.expressions, view.prefix + path, resource.values
    )
    refs = references(expression)
    if not declared or not refs:
        return None
    names: set[str] = set()
    keys: list[Key] = []
    attrs: set[str] = set()
    by_each_key = False
    for text in refs:
        if text == "each.key":
            by_each_key = True
            continue
        ref = parse_reference(text)
        if ref is None or ref.kind is not RefKind.DATA or ref.rtype != DOCUMENT_TYPE:
            return None
        if ref.subkey is not None or (ref.attr is not None and ref.attr not in _JSON_ATTRS):
            return None
        names.add(ref.name)
        if ref.has_key and ref.key not in keys:
            keys.append(ref.key)  # type: ignore[arg-type]  # has_key: a key
        if ref.attr is not None:
            attrs.add(ref.attr)
    if len(names) != 1 or len(keys) > 1:
        return None
    key: Key | None
    if by_each_key:
        if keys or attrs or resource.key is None:
            return None
        key = resource.key
    else:
        if len(attrs) != 1:
            return None
        key = keys[0] if keys else None
    local = f"data.{DOCUMENT_TYPE}.{names.pop()}"
    found = [
        r
        for r in view.ctx.plan.instances.get((module_text(resource.module), local), [])
        if r.key == key and type(r.key) is type(key)
    ]
    if len(found) != 1 or found[0].address not in view.ctx.plan.deferred_data:
        return None
    return found[0]


def _marked_paths(tree: Any, path: Path = ()) -> list[Path]:
    """Every path a mask (``after_unknown``, ``after_sensitive``) marks ``true``."""
    if tree is True:
        return [path]
    if isinstance(tree, dict):
        return [p for k, v in tree.items() for p in _marked_paths(v, (*path, k))]
    if isinstance(tree, list):
        return [p for i, v in enumerate(tree) for p in _marked_paths(v, (*path, i))]
    return []


def _unknown_allowed(path: Path) -> bool:
    """Whether an unknown leaf here can stay an Unresolved value inside the document."""
    if path in (("id",), ("json",), ("minified_json",)):
        return True
    match path:
        case ("statement", int(), "resources" | "not_resources", *rest):
            return len(rest) <= 1
        case ("statement", int(), "condition", int(), "values", *rest):
            return len(rest) <= 1
        case ("statement", int(), "principals" | "not_principals", int(), "identifiers", *rest):
            return len(rest) <= 1
    return False


class _Rebuild:
    def __init__(self, view: ResourceView, data: PlanResource) -> None:
        self.ctx = view.ctx
        # the document's own configuration, to name what an unknown leaf references
        config = self.ctx.plan.config_of(data.module, data.where.local)
        self.data = replace(data, config=config)

    def found(self, *path: str | int) -> Any:
        data = self.data
        return find(data.values, data.unknown, data.sensitive, path)

    def document(self) -> dict[str, Any]:
        values = self.data.values
        if "statement" not in values or self.data.config is None:
            raise _GiveUp  # not the evaluated configuration a plan holds for a deferred read
        if not all(_unknown_allowed(p) for p in _marked_paths(self.data.unknown)):
            raise _GiveUp
        if _marked_paths(self.data.sensitive):
            raise _GiveUp
        if values.get("source_json") or values.get("override_json"):
            raise _GiveUp  # deprecated arguments, not rebuilt
        version = values.get("version") or _DEFAULT_VERSION
        policy_id = values.get("policy_id") or ""
        if not isinstance(version, str) or not isinstance(policy_id, str):
            raise _GiveUp
        statements: list[dict[str, Any]] = []
        seen: set[str] = set()
        for text in as_list(values.get("source_policy_documents")):
            if text is None:
                continue  # the provider skips null entries
            _, _, found = _parse_document(text)
            for statement in found:
                sid = statement.get("Sid")
                if sid:
                    if sid in seen:
                        raise _GiveUp  # the provider refuses duplicate Sids across sources
                    seen.add(sid)
            statements.extend(found)
        own = [
            self._statement(i, as_dict(block), version)
            for i, block in enumerate(as_list(values.get("statement")))
        ]
        sids = [s["Sid"] for s in own if s.get("Sid")]
        if len(sids) != len(set(sids)):
            raise _GiveUp  # the provider refuses duplicate Sids
        _merge(statements, own)
        for text in as_list(values.get("override_policy_documents")):
            if text is None:
                continue
            other_version, other_id, found = _parse_document(text)
            _merge(statements, found)
            version = max(version, other_version)  # an override may upgrade the version
            policy_id = other_id or policy_id
        if not statements:
            raise _GiveUp  # AWS refuses an empty policy: nothing to judge
        document: dict[str, Any] = {"Version": version}
        if policy_id:
            document["Id"] = policy_id
        document["Statement"] = statements
        return document

    def _statement(self, i: int, block: dict[str, Any], version: str) -> dict[str, Any]:
        out: dict[str, Any] = {}
        sid = block.get("sid")
        if sid is not None and not isinstance(sid, str):
            raise _GiveUp
        if sid:
            out["Sid"] = sid
        effect = block.get("effect") or "Allow"
        if effect not in ("Allow", "Deny"):
            raise _GiveUp
        out["Effect"] = effect
        for attr, element, variables in _STRING_LISTS:
            items = self._strings(("statement", i, attr), variables, version)
            if items:
                out[element] = items
        for attr, element in (("principals", "Principal"), ("not_principals", "NotPrincipal")):
            principals = self._principals(i, attr, version)
            if principals is not None:
                out[element] = principals
        conditions: dict[str, dict[str, list[Any]]] = {}
        for j, condition in enumerate(as_list(block.get("condition"))):
            test, variable = as_dict(condition).get("test"), as_dict(condition).get("variable")
            if not isinstance(test, str) or not isinstance(variable, str):
                raise _GiveUp
            found = self._strings(("statement", i, "condition", j, "values"), True, version)
            conditions.setdefault(test, {}).setdefault(variable, []).extend(found)
        if conditions:
            out["Condition"] = conditions
        return out

    def _principals(self, i: int, attr: str, version: str) -> Any:
        blocks = as_list(self.found("statement", i, attr).value)
        grouped: dict[str, list[Any]] = {}
        for j, block in enumerate(blocks):
            kind = as_dict(block).get("type")
            if not isinstance(kind, str):
                raise _GiveUp
            ids = self._strings(("statement", i, attr, j, "identifiers"), True, version)
            if len(blocks) == 1 and kind == "*" and ids == ["*"]:
                return "*"
            grouped.setdefault(kind, []).extend(ids)
        return grouped or None

    def _strings(self, path: Path, variables: bool, version: str) -> list[Any]:
        """A list of strings; unknown elements (or the whole list) as Unresolved leaves."""
        found = self.found(*path)
        if found.state is State.UNKNOWN:
            return [self._unknown(path)]
        if found.state is State.ABSENT:
            return []
        if found.state is not State.KNOWN or not isinstance(found.value, list):
            raise _GiveUp
        out: list[Any] = []
        for k, item in enumerate(found.value):
            element = self.found(*path, k)
            if element.state is State.UNKNOWN:
                out.append(self._unknown((*path, k)))
            elif element.state is State.KNOWN and isinstance(item, str):
                out.append(_interpolation(item, version) if variables else item)
            else:
                raise _GiveUp
        return out

    def _unknown(self, path: Path) -> Unresolved:
        """``known after apply: aws_vpc_endpoint.x.id`` when the leaf reads one attribute of one
        plan resource (the text its own ``aws_id``/``arn`` has), else the document's path."""
        resolution = self.ctx.resolver.at(self.data, path)
        targets = list(resolution.targets)
        key = self.data.key
        if len(targets) > 1 and resolution.by_index and key is not None:
            targets = [t for t in targets if t.key == key and type(t.key) is type(key)] or targets
        # an unknown element of a list whose length the plan knows is one string (an id, an
        # ARN); an unknown list may hold any number
        single = isinstance(path[-1], int)
        if len(targets) == 1 and targets[0].attr:
            reason = f"known after apply: {targets[0].address}.{targets[0].attr}"
            return Unresolved(reason, single=single)
        where = self.data.address
        for part in path:
            where += f"[{part}]" if isinstance(part, int) else f".{part}"
        reason = f"known after apply: {where}"
        if len(targets) == 1:
            reason += f" (from {targets[0].address})"  # a whole object, e.g. via a module output
        if resolution.data:
            reason += f" (read from {', '.join(resolution.data)})"
        return Unresolved(reason, single=single)


def _interpolation(text: str, version: str) -> str:
    """``&{aws:username}`` is how a configuration writes the policy variable ``${...}``."""
    if "&{" in text and version == "2008-10-17":
        raise _GiveUp  # the provider refuses policy variables in the old version
    return text.replace("&{", "${")


def _parse_document(text: object) -> tuple[str, str, list[dict[str, Any]]]:
    """(Version, Id, statements) of a source or override document (a JSON string)."""
    if not isinstance(text, str):
        raise _GiveUp
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise _GiveUp from err
    if not isinstance(document, dict):
        raise _GiveUp
    raw = document.get("Statement", [])
    statements = [raw] if isinstance(raw, dict) else raw
    version, policy_id = document.get("Version", ""), document.get("Id", "")
    if (
        not isinstance(statements, list)
        or not all(isinstance(s, dict) for s in statements)
        or not all(isinstance(s.get("Sid", ""), str) for s in statements)
        or not isinstance(version, str)
        or not isinstance(policy_id, str)
    ):
        raise _GiveUp
    return version, policy_id, statements


def _merge(statements: list[dict[str, Any]], new: list[dict[str, Any]]) -> None:
    """Append ``new``; one with the Sid of an earlier statement replaces it in place."""
    for statement in new:
        sid = statement.get("Sid")
        at = next((i for i, old in enumerate(statements) if sid and old.get("Sid") == sid), None)
        if at is None:
            statements.append(statement)
        else:
            statements[at] = statement

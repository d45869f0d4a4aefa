"""Typed reads of one planned resource: values, relations and policies, as inventory values.

Every read answers with the inventory's three-way convention:

* a known value is returned as is (checked against the expected type);
* ``None`` when the argument is not set -- absent, null, or unknown only because an argument
  left null is computed by the provider (the configuration omits it, or builds it only from
  variables and constants): then the AWS default applies;
* :class:`Unresolved` when it is set but unknowable: ``"known after apply: <address>.<attr>"``,
  a sensitive value the plan redacts, an unexpected type, invalid policy JSON.

Relations (:meth:`ref`, :meth:`refs`) prefer the address of the referenced plan resource: from
the configuration's references when the value is unknown, and from a known id, ARN or name
when it is known (see :mod:`identities`); other literals are kept as written.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, TypeVar

from airlock.inventory.model import Location, PolicyValue, Unresolved, Val
from airlock.sources.terraform_plan.families import (
    NETWORK_ACL,
    ROUTE_TABLE,
    SECURITY_GROUP,
    Family,
)
from airlock.sources.terraform_plan.lookup import Found, Path, State, find
from airlock.sources.terraform_plan.plan import PlanResource, Presence
from airlock.sources.terraform_plan.policy_document import deferred_document
from airlock.sources.terraform_plan.resolver import VPC_DEFAULT_ATTRS, VPC_TYPES, Resolution, Target

if TYPE_CHECKING:
    from airlock.sources.terraform_plan.context import PlanContext

T = TypeVar("T")

_DEFAULT_OBJECT_FAMILY = {
    "default_route_table_id": ROUTE_TABLE,
    "main_route_table_id": ROUTE_TABLE,
    "default_security_group_id": SECURITY_GROUP,
    "default_network_acl_id": NETWORK_ACL,
}


class ResourceView:
    def __init__(self, ctx: PlanContext, resource: PlanResource, prefix: Path = ()) -> None:
        self.ctx = ctx
        self.resource = resource
        self.prefix = prefix

    # -- identity ---------------------------------------------------------------------------

    @property
    def address(self) -> str:
        return self.resource.address

    @property
    def type(self) -> str:
        return self.resource.type

    @property
    def deleted(self) -> bool:
        return self.resource.presence is Presence.DELETED

    def at(self, *path: str | int) -> ResourceView:
        return ResourceView(self.ctx, self.resource, self.prefix + path)

    def where(self, *path: str | int) -> str:
        text = self.address
        for part in self.prefix + path:
            text += f"[{part}]" if isinstance(part, int) else f".{part}"
        return text

    def base(self) -> dict[str, Any]:
        """The fields every inventory resource has."""
        plan = self.ctx.plan
        return {
            "id": self.address,
            "native_type": self.type,
            "arn": self.computed("arn"),
            "aws_id": self.computed("id"),
            "region": self.ctx.providers.region_of(self.resource),
            "account": self.ctx.providers.account_of(self.resource),
            "location": Location(plan.path, plan.lines.get(self.address)),
            "tags": self.tags(),
        }

    # -- raw access -------------------------------------------------------------------------

    def found(self, *path: str | int) -> Found:
        r = self.resource
        return find(r.values, r.unknown, r.sensitive, self.prefix + path)

    def known(self, *path: str | int) -> Any:
        """The value when known, else ``None``."""
        found = self.found(*path)
        return found.value if found.state is State.KNOWN else None

    def unknown(self, *path: str | int) -> bool:
        return self.found(*path).state is State.UNKNOWN

    def declared(self, attr: str) -> bool:
        """Whether the configuration sets the top-level argument ``attr``."""
        config = self.resource.config
        return config is not None and attr in config.expressions

    def resolution(self, *path: str | int) -> Resolution:
        return self.ctx.resolver.at(self.resource, self.prefix + path)

    def blocks(self, *path: str | int) -> list[ResourceView]:
        """Views of the known nested blocks at ``path``."""
        found = self.found(*path)
        if found.state is not State.KNOWN:
            return []
        if isinstance(found.value, dict):
            return [self.at(*path, 0)]
        if isinstance(found.value, list):
            return [
                self.at(*path, i) for i, block in enumerate(found.value) if isinstance(block, dict)
            ]
        return []

    # -- scalars ----------------------------------------------------------------------------

    def computed(self, attr: str) -> Val[str] | None:
        """An attribute the provider always sets (``id``, ``arn``): unknown is Unresolved."""
        found = self.found(attr)
        if found.state is State.KNOWN:
            return found.value if isinstance(found.value, str) and found.value else None
        if found.state is State.ABSENT:
            return None
        return self._unresolved(found, (attr,), Resolution(plan_time=False))

    def text(self, *path: str | int, default: str | None = None) -> Val[str] | None:
        found = self.found(*path)
        if found.state is State.KNOWN:
            value = found.value
            if isinstance(value, str):
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            return self._unexpected(path, "a string")
        return self._missing(path, found, default)

    def flag(self, *path: str | int, default: bool | None = None) -> Val[bool] | None:
        found = self.found(*path)
        if found.state is State.KNOWN:
            value = found.value
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false"):
                return value.lower() == "true"
            return self._unexpected(path, "true or false")
        return self._missing(path, found, default)

    def number(self, *path: str | int, default: int | None = None) -> Val[int] | None:
        found = self.found(*path)
        if found.state is State.KNOWN:
            value = found.value
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value.strip())
            return self._unexpected(path, "a number")
        return self._missing(path, found, default)

    def strs(self, *path: str | int) -> tuple[Val[str], ...]:
        """A list (or set) of plain strings: CIDR blocks, names, actions."""
        found = self.found(*path)
        if found.state is State.KNOWN:
            if isinstance(found.value, str):
                return (found.value,)
            if not isinstance(found.value, list):
                return (self._unexpected(path, "a list"),)
            items = (self.text(*path, i) for i in range(len(found.value)))
            return tuple(item for item in items if item is not None)
        missing = self._missing(path, found, None)
        return () if missing is None else (missing,)

    def string_map(self, *path: str | int) -> dict[str, Val[str]]:
        found = self.found(*path)
        if found.state is not State.KNOWN or not isinstance(found.value, dict):
            return {}
        out: dict[str, Val[str]] = {}
        for key in found.value:
            value = self.text(*path, key)
            if value is not None:
                out[str(key)] = value
        return out

    def tags(self) -> dict[str, Val[str]]:
        found = self.found("tags_all")
        if found.state is State.KNOWN and isinstance(found.value, dict) and found.value:
            return self.string_map("tags_all")
        return self.string_map("tags")

    def required_text(self, *path: str | int) -> Val[str]:
        value = self.text(*path)
        return (
            value
            if value is not None
            else Unresolved(f"{self.where(*path)} is not set in the plan")
        )

    def unresolved_collection(self, *path: str | int) -> Unresolved | None:
        """Unresolved when a whole list argument is unknown until apply (or redacted).

        A list the configuration omits and the provider computes (rules, routes of a new
        security group or route table) is empty, not unknown: that gives ``None``.
        """
        found = self.found(*path)
        if found.state not in (State.UNKNOWN, State.REDACTED):
            return None
        missing = self._missing(path, found, None)
        return missing if isinstance(missing, Unresolved) else None

    # -- relations --------------------------------------------------------------------------

    def ref(self, *path: str | int, family: Family | None) -> Val[str] | None:
        """A single relation: an inventory id, a literal, None, or Unresolved."""
        found = self.found(*path)
        if found.state is State.KNOWN:
            if not isinstance(found.value, str):
                return self._unexpected(path, "an id")
            if not found.value:
                return None
            candidates = self._candidates(self.resolution(*path), family)
            return self._known_id(found.value, family, candidates)
        if found.state is State.ABSENT:
            return None
        resolution = self.resolution(*path)
        candidates = self._candidates(resolution, family)
        if candidates:
            chosen = self._choose(candidates)
            if chosen is not None:
                return self.ctx.target_id(chosen)
            names = ", ".join(dict.fromkeys(self.ctx.target_id(t) for t in candidates))
            return Unresolved(
                f"{self.where(*path)} refers to one of {names}; which one is known only after apply"
            )
        return self._missing(path, found, None, resolution)

    def required_ref(self, *path: str | int, family: Family | None) -> Val[str]:
        value = self.ref(*path, family=family)
        return (
            value
            if value is not None
            else Unresolved(f"{self.where(*path)} is not set in the plan")
        )

    def refs(self, *path: str | int, family: Family | None) -> tuple[Val[str], ...]:
        """A list of relations (subnet ids, security group ids...)."""
        found = self.found(*path)
        if found.state is State.ABSENT:
            return ()
        resolution = self.resolution(*path)
        candidates = self._candidates(resolution, family)
        key = self.resource.key
        if resolution.by_index and key is not None:
            # `aws_security_group.sg[count.index].id`: the instance with the referrer's index
            same = [t for t in candidates if t.key == key and type(t.key) is type(key)]
            candidates = same or candidates
        ids = list(dict.fromkeys(self.ctx.target_id(t) for t in candidates))
        if found.state is not State.KNOWN:
            if ids:
                return tuple(ids)
            missing = self._missing(path, found, None, resolution)
            return () if missing is None else (missing,)
        items = found.value if isinstance(found.value, list) else [found.value]
        slots: list[Val[str] | None] = []  # None: an element known only after apply
        for i, item in enumerate(items):
            element = self.found(*path, i) if isinstance(found.value, list) else found
            if element.state is State.KNOWN and isinstance(item, str):
                if item:
                    slots.append(self._known_id(item, family, candidates))
            elif element.state is State.KNOWN:
                slots.append(self._unexpected(path, "a list of ids"))
            elif element.state is not State.ABSENT:
                slots.append(None)
        pending = slots.count(None)
        remaining: list[Val[str]] = [i for i in ids if i not in slots]
        if pending and len(remaining) != pending:
            reason = f"known after apply: {self.where(*path)}"
            if remaining:
                reason += f" (one of {', '.join(map(str, remaining))})"
            remaining = [Unresolved(reason)] * pending
        fill = iter(remaining)
        out = [slot if slot is not None else next(fill) for slot in slots]
        return tuple(dict.fromkeys(out))

    def _known_id(self, value: str, family: Family | None, candidates: list[Target]) -> str:
        """The inventory id for a known value: a plan resource with that id/ARN/name, or the
        referenced resource whose referenced attribute has that value; else the literal."""
        hit = self.ctx.ids.lookup(value, family)
        if hit is not None:
            return self.ctx.target_id(hit)
        for target in candidates:
            planned = self.ctx.plan.resources.get(target.address)
            attr = target.attr
            if planned is not None and attr is not None and planned.values.get(attr) == value:
                return self.ctx.target_id(target)
        return value

    def _candidates(self, resolution: Resolution, family: Family | None) -> list[Target]:
        if family is None:
            return list(resolution.targets)
        found: list[Target] = []
        for target in resolution.targets:
            if target.type in VPC_TYPES and target.attr in VPC_DEFAULT_ATTRS:
                if family & _DEFAULT_OBJECT_FAMILY[target.attr]:
                    found.append(target)
            elif target.type in family:
                found.append(target)
        return found

    def _choose(self, candidates: list[Target]) -> Target | None:
        """One target: the only one, else the instance with the referrer's own index."""
        by_id = {self.ctx.target_id(t): t for t in candidates}
        if len(by_id) == 1:
            return candidates[0]
        key = self.resource.key
        if key is None:
            return None
        same = [t for t in by_id.values() if t.key == key and type(t.key) is type(key)]
        return same[0] if len(same) == 1 else None

    # -- policies ---------------------------------------------------------------------------

    def policy(self, *path: str | int) -> PolicyValue:
        """A JSON policy document (a string in the plan), parsed."""
        found = self.found(*path)
        if found.state is State.UNKNOWN:
            rebuilt = deferred_document(self, path)
            if rebuilt is not None:
                return rebuilt
        if found.state is not State.KNOWN:
            return self._missing(path, found, None)
        value = found.value
        if isinstance(value, dict):
            return value
        if not isinstance(value, str):
            return self._unexpected(path, "a JSON policy document")
        return parse_policy(value, self.where(*path))

    # -- reasons ----------------------------------------------------------------------------

    def _missing(
        self, path: Path, found: Found, default: T | None, resolution: Resolution | None = None
    ) -> T | Unresolved | None:
        if found.state is State.ABSENT:
            return default
        if found.state is State.UNKNOWN:
            resolution = resolution if resolution is not None else self.resolution(*path)
            if self.resource.config is not None and (
                not resolution.declared or resolution.plan_time
            ):
                return default  # an argument left null, computed by the provider
        return self._unresolved(found, path, resolution)

    def _unresolved(self, found: Found, path: Path, resolution: Resolution | None) -> Unresolved:
        if found.state is State.REDACTED:
            return Unresolved(f"sensitive value redacted in the plan: {self.where(*path)}")
        reason = f"known after apply: {self.where(*path)}"
        if resolution is not None and resolution.data:
            reason += f" (read from {', '.join(resolution.data)})"
        return Unresolved(reason)

    def _unexpected(self, path: Path, expected: str) -> Unresolved:
        return Unresolved(
            f"unexpected value in the plan for {self.where(*path)}: expected {expected}"
        )


def parse_policy(text: str, where: str) -> PolicyValue:
    """Parse a policy document; empty means not set, invalid JSON is Unresolved (never raised)."""
    if not text.strip():
        return None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as err:
        return Unresolved(
            f"invalid JSON in {where}: {err.msg} at line {err.lineno} column {err.colno}"
        )
    except (ValueError, RecursionError) as err:
        return Unresolved(f"invalid JSON in {where}: {err}")
    if not isinstance(document, dict):
        return Unresolved(f"the policy in {where} is not a JSON object")
    return document

"""Folding split resources into the resources they configure.

Builders put one inventory resource per planned resource into an :class:`Assembly`. Joiners
(``aws_vpc_endpoint_policy``, ``aws_route``, ``aws_security_group_rule``...) do not become
resources: they record a :class:`Patch` on the resource they configure, which is applied once
at the end (no quadratic rebuilding):

* a live configuring resource **sets** a value or **adds** items, and its address is listed in
  the target's ``configured_by``;
* a configuring resource the plan deletes **resets** the value to what the provider leaves
  behind, or **removes** its items -- whatever stale copy the target's own planned attributes
  still show (the target planned before the provider knew the other resource goes away);
* items the target itself lists are kept as they are when its configuration declares that
  argument (Terraform enforces it); when it does not, they are only the last observed state,
  which already contains what separate resources added -- those copies are replaced by the
  separate resources' own items, or dropped when the separate resource is deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

from msgspec import Struct, field
from msgspec.structs import replace

from airlock.inventory.audit import AdvancedEventSelector
from airlock.inventory.dns import FirewallRule
from airlock.inventory.model import CoverageGap, NamedPolicy, Resource, Unresolved, Val
from airlock.inventory.network import NetworkAclEntry, Route, SecurityGroupRule, TransitGatewayRoute
from airlock.sources.terraform_plan.context import PlanContext
from airlock.sources.terraform_plan.families import Family
from airlock.sources.terraform_plan.view import ResourceView


def item_key(item: object) -> Hashable:
    """What makes two collection items the same (a route's destination, a rule's match)."""
    if isinstance(item, Route):
        return (
            "route",
            item.destination_cidr,
            item.destination_ipv6_cidr,
            item.destination_prefix_list,
        )
    if isinstance(item, SecurityGroupRule):
        return (
            item.protocol, item.from_port, item.to_port, item.cidr_ipv4, item.cidr_ipv6,
            item.security_group, item.prefix_list,
        )  # fmt: skip
    if isinstance(item, NetworkAclEntry):
        return ("nacl", item.egress, item.rule_number)
    if isinstance(item, NamedPolicy):
        return ("policy", item.name)
    if isinstance(item, TransitGatewayRoute):
        return ("tgw-route", item.destination_cidr)
    if isinstance(item, FirewallRule):
        return ("firewall-rule", item.domain_list)
    if isinstance(item, AdvancedEventSelector):
        return ("selector", item.name)
    try:
        hash(item)
    except TypeError:
        return repr(item)
    return item


class Patch(Struct):
    origins: list[str] = field(default_factory=list)
    sets: dict[str, list[tuple[object, str]]] = field(default_factory=dict)
    resets: dict[str, object] = field(default_factory=dict)
    additions: dict[str, list[object]] = field(default_factory=dict)
    removals: dict[str, set[Hashable]] = field(default_factory=dict)
    restricts: dict[str, set[Hashable]] = field(default_factory=dict)
    #: field -> the target's own argument holding observed items of that field
    observed: dict[str, str | None] = field(default_factory=dict)


Synthesizer = Callable[[str], Resource | None]


class Assembly:
    def __init__(self, ctx: PlanContext) -> None:
        self.ctx = ctx
        self.resources: dict[str, Resource] = {}
        self.gaps: list[CoverageGap] = []
        self.synthesized: set[str] = set()
        #: builds a default object (``<vpc>#main``) on demand when a joiner targets it
        self.synthesizer: Synthesizer = lambda _id: None
        self._patches: dict[str, Patch] = {}

    def add_resource(self, resource: Resource, synthesized: bool = False) -> None:
        self.resources[resource.id] = resource
        if synthesized:
            self.synthesized.add(resource.id)

    def gap(self, scope: str, reason: str, resource_id: str | None = None) -> None:
        self.gaps.append(CoverageGap(scope=scope, reason=reason, resource_id=resource_id))

    # -- targets ----------------------------------------------------------------------------

    def target(
        self,
        v: ResourceView,
        attr: str | tuple[str | int, ...],
        family: Family,
        kind: type[Resource],
    ) -> str | None:
        """The inventory id of the resource ``v`` configures through ``attr``, or None.

        A live configuring resource whose target is not in the plan, or cannot be identified,
        leaves a coverage gap: its effect cannot be placed.
        """
        path = (attr,) if isinstance(attr, str) else attr
        value = v.ref(*path, family=family)
        if isinstance(value, str):
            found = self.resources.get(value)
            if found is None:
                found = self.synthesizer(value)
                if found is not None:
                    self.add_resource(found, synthesized=True)
            if isinstance(found, kind):
                return value
        if not v.deleted:
            self.gap(v.type, self._unplaced(v, path, value), v.address)
        return None

    def targets(
        self, v: ResourceView, attr: str, family: Family, kind: type[Resource]
    ) -> list[str]:
        """The inventory ids of the resources ``v`` configures through a list argument."""
        found: list[str] = []
        for value in v.refs(attr, family=family):
            resource = self.resources.get(value) if isinstance(value, str) else None
            if isinstance(resource, kind) and isinstance(value, str):
                found.append(value)
            elif not v.deleted:
                self.gap(v.type, self._unplaced(v, (attr,), value), v.address)
        return found

    def _unplaced(
        self, v: ResourceView, path: tuple[str | int, ...], value: Val[str] | None
    ) -> str:
        what = v.where(*path)
        if isinstance(value, Unresolved):
            return f"cannot tell what {v.address} configures: {value.reason}"
        if value is None:
            return f"{what} is not set, so {v.address} configures nothing this plan shows"
        return f"{v.address} configures {value}, which is not in this plan"

    # -- patches ----------------------------------------------------------------------------

    def _patch(self, target: str) -> Patch:
        patch = self._patches.get(target)
        if patch is None:
            patch = self._patches[target] = Patch()
        return patch

    def set(self, target: str, name: str, value: object, origin: str) -> None:
        patch = self._patch(target)
        patch.sets.setdefault(name, []).append((value, origin))
        patch.origins.append(origin)

    def reset(self, target: str, name: str, value: object) -> None:
        self._patch(target).resets.setdefault(name, value)

    def add(
        self,
        target: str,
        name: str,
        items: Iterable[object],
        origin: str,
        observed: str | None = None,
    ) -> None:
        patch = self._patch(target)
        patch.additions.setdefault(name, []).extend(items)
        patch.observed.setdefault(name, observed)
        patch.origins.append(origin)

    def remove(
        self, target: str, name: str, items: Iterable[object], observed: str | None = None
    ) -> None:
        patch = self._patch(target)
        patch.removals.setdefault(name, set()).update(item_key(i) for i in items)
        patch.observed.setdefault(name, observed)

    def restrict(self, target: str, name: str, keys: Iterable[Hashable], origin: str) -> None:
        patch = self._patch(target)
        patch.restricts.setdefault(name, set()).update(keys)
        patch.origins.append(origin)

    def contribute(
        self,
        v: ResourceView,
        target: str,
        name: str,
        items: Iterable[object],
        observed: str | None = None,
    ) -> None:
        """Add ``items`` when ``v`` is live; remove them when the plan deletes ``v``."""
        if v.deleted:
            self.remove(target, name, items, observed)
        else:
            self.add(target, name, items, v.address, observed)

    def origin(self, target: str, origin: str) -> None:
        """Record ``origin`` in ``configured_by`` without changing a field."""
        self._patch(target).origins.append(origin)

    # -- finishing --------------------------------------------------------------------------

    def finish(self) -> None:
        """Apply every patch, one rebuild per configured resource."""
        for target, patch in self._patches.items():
            resource = self.resources.get(target)
            if resource is not None:
                self.resources[target] = self._apply(resource, patch)

    def _apply(self, resource: Resource, patch: Patch) -> Resource:
        changes: dict[str, Any] = {}
        for name, values in patch.sets.items():
            distinct = list(dict.fromkeys(_hashable(v) for v, _ in values))
            if len(distinct) == 1:
                changes[name] = values[0][0]
            else:
                origins = ", ".join(dict.fromkeys(o for _, o in values))
                changes[name] = Unresolved(
                    f"{origins} set {name} of {resource.id} to different values"
                )
        for name, value in patch.resets.items():
            if name not in patch.sets:
                changes[name] = value
        for name in set(patch.additions) | set(patch.removals) | set(patch.restricts):
            changes[name] = self._merged(resource, name, patch)
        if patch.origins:
            changes["configured_by"] = tuple(
                dict.fromkeys((*resource.configured_by, *patch.origins))
            )
        return replace(resource, **changes)

    def _merged(self, resource: Resource, name: str, patch: Patch) -> tuple[object, ...]:
        current = tuple(getattr(resource, name))
        added = patch.additions.get(name, [])
        if self._authoritative(resource.id, patch.observed.get(name)):
            drop: set[Hashable] = set()
        else:
            drop = patch.removals.get(name, set()) | {item_key(i) for i in added}
        merged: dict[Hashable, object] = {}
        for item in current:
            key = item_key(item)
            if key not in drop:
                merged.setdefault(key, item)
        for item in added:
            merged.setdefault(item_key(item), item)
        allowed = patch.restricts.get(name)
        return tuple(item for key, item in merged.items() if allowed is None or key in allowed)

    def _authoritative(self, target: str, observed: str | None) -> bool:
        """Whether the target's own items are enforced by its configuration."""
        return observed is None or target in self.synthesized or self.declares(target, observed)

    def declares(self, target: str, attr: str) -> bool:
        """Whether the configuration of ``target`` itself sets the argument ``attr``."""
        resource = self.ctx.plan.resources.get(target)
        config = resource.config if resource is not None else None
        return config is not None and attr in config.expressions

    def set_policy(
        self, v: ResourceView, target: str, name: str, value: object, reset: object
    ) -> None:
        """A policy set by a separate resource (or reset when the plan deletes it).

        The provider documents the two forms as conflicting. The separate resource decides,
        unless the target also declares a policy of its own that is known (and different, for
        a live resource): then the outcome depends on apply order, and it is Unresolved.
        """
        own = getattr(self.resources[target], name, None)
        conflict = self.declares(target, "policy") and own is not None
        if v.deleted and not conflict:
            self.reset(target, name, reset)
            return
        if not v.deleted and not (conflict and isinstance(own, Mapping) and own != value):
            self.set(target, name, value, v.address)
            return
        what = "deletes" if v.deleted else "has"
        reason = (
            f"{target} declares its own policy and the plan {what} {v.address}, which sets it "
            "too: the policy after apply depends on the order Terraform applies them"
        )
        if v.deleted:
            self.reset(target, name, Unresolved(reason))
        else:
            self.set(target, name, Unresolved(reason), v.address)


def _hashable(value: object) -> Hashable:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


#: builds the inventory resource of one planned resource
Builder = Callable[[ResourceView, Assembly], Resource | None]
#: folds a configuring resource into the resource it configures
Joiner = Callable[[ResourceView, Assembly], None]
Builders = dict[str, Builder]
Joiners = dict[str, Joiner]

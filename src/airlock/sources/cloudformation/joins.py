"""Fold separate resources into the ones they configure (routes into route tables...).

Mappers record attachments while they run; :meth:`Joins.apply` groups them by target and
replaces each target once, so joining is linear in the number of attachments. An attachment
whose target is not in the inventory (a literal id of something outside the template, or a
reference that cannot be resolved) becomes a coverage gap.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct
from msgspec.structs import replace

from airlock.inventory.model import CoverageGap, Resource, Unresolved, Val


class Attachment(Struct, frozen=True):
    target: Val[str] | None
    kinds: tuple[type[Resource], ...]
    field: str
    items: tuple[Any, ...]
    origin: str
    #: what the origin is, for messages: "route", "bucket policy"...
    what: str
    #: set the field to items[0] instead of appending items
    assign: bool = False
    #: items this attachment takes out of the field (AWS's default rules that it displaces)
    displaces: tuple[Any, ...] = ()


class Joins:
    def __init__(self) -> None:
        self.pending: list[Attachment] = []

    def append(
        self,
        target: Val[str] | None,
        kinds: type[Resource] | tuple[type[Resource], ...],
        field: str,
        items: tuple[Any, ...],
        origin: str,
        what: str,
        displaces: tuple[Any, ...] = (),
    ) -> None:
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        self.pending.append(
            Attachment(target, kinds, field, items, origin, what, displaces=displaces)
        )

    def assign(
        self,
        target: Val[str] | None,
        kinds: type[Resource] | tuple[type[Resource], ...],
        field: str,
        value: Any,
        origin: str,
        what: str,
    ) -> None:
        kinds = kinds if isinstance(kinds, tuple) else (kinds,)
        self.pending.append(Attachment(target, kinds, field, (value,), origin, what, assign=True))

    def targets(self, kind: type[Resource], field: str) -> list[Attachment]:
        return [a for a in self.pending if a.field == field and kind in a.kinds]

    def apply(self, resources: dict[str, Resource]) -> list[CoverageGap]:
        gaps: dict[tuple[str, str], CoverageGap] = {}
        grouped: dict[str, list[Attachment]] = {}
        for attachment in self.pending:
            target = attachment.target
            found = resources.get(target) if isinstance(target, str) else None
            if found is None or not isinstance(found, attachment.kinds):
                gap = _missing(attachment, found)
                gaps.setdefault((attachment.origin, gap.reason), gap)
                continue
            assert isinstance(target, str)
            grouped.setdefault(target, []).append(attachment)
        for target, attachments in grouped.items():
            resource = resources[target]
            changes: dict[str, Any] = {}
            for attachment in attachments:
                if attachment.assign:
                    changes[attachment.field] = attachment.items[0]
                else:
                    current = tuple(
                        i
                        for i in changes.get(attachment.field, getattr(resource, attachment.field))
                        if i not in attachment.displaces
                    )
                    # an id listed on both sides (role lists policy, policy lists role) once
                    new = tuple(
                        i for i in attachment.items if not (isinstance(i, str) and i in current)
                    )
                    changes[attachment.field] = current + new
            origins = [a.origin for a in attachments if a.origin != target]
            changes["configured_by"] = tuple(dict.fromkeys((*resource.configured_by, *origins)))
            resources[target] = replace(resource, **changes)
        return list(gaps.values())


def _missing(attachment: Attachment, found: Resource | None) -> CoverageGap:
    target = attachment.target
    kind = attachment.kinds[0].__name__
    if isinstance(target, Unresolved):
        reason = (
            f"the {kind} this {attachment.what} applies to cannot be resolved "
            f"({target.reason}); its effect is not seen"
        )
    elif target is None:
        reason = f"this {attachment.what} names no {kind}; its effect is not seen"
    elif found is not None:
        reason = (
            f"this {attachment.what} applies to '{target}', which is a {found.native_type}, "
            f"not a {kind}"
        )
    else:
        reason = (
            f"this {attachment.what} applies to '{target}', which is not declared in this "
            "template; Airlock cannot see the rest of its configuration"
        )
    return CoverageGap(scope=attachment.origin, reason=reason, resource_id=attachment.origin)

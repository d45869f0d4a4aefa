"""What a mapper needs: typed properties, common resource fields, joins and gaps."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from airlock.inventory.model import CoverageGap, Location, Resource, Unresolved, Val
from airlock.sources.cloudformation.fields import Props, RelationIndex
from airlock.sources.cloudformation.identity import identity_of
from airlock.sources.cloudformation.joins import Joins
from airlock.sources.cloudformation.resolver import Resolver
from airlock.sources.cloudformation.template import Declaration


class MapContext:
    def __init__(
        self,
        resolver: Resolver,
        index: RelationIndex,
        region: Val[str],
        account: Val[str],
    ) -> None:
        self.resolver = resolver
        self.index = index
        self.region = region
        self.account = account
        self.path = resolver.template.path
        self.resources: dict[str, Resource] = {}
        self.gaps: list[CoverageGap] = []
        self.joins = Joins()
        self._props: dict[str, Props] = {}

    def props(self, declaration: Declaration) -> Props:
        found = self._props.get(declaration.logical_id)
        if found is None:
            resolved = self.resolver.resolve(declaration.properties)
            if not isinstance(resolved, dict | Unresolved):
                resolved = {}
            found = Props(resolved, self.index)
            self._props[declaration.logical_id] = found
        return found

    def type_of(self, logical_id: object) -> str | None:
        if not isinstance(logical_id, str):
            return None
        declaration = self.resolver.declared.get(logical_id)
        return declaration.type if declaration is not None else None

    def declaration(self, logical_id: object) -> Declaration | None:
        if not isinstance(logical_id, str):
            return None
        return self.resolver.declared.get(logical_id)

    def common(self, declaration: Declaration, props: Props) -> dict[str, Any]:
        """Keyword arguments every inventory resource takes."""
        logical_id = declaration.logical_id
        identity = identity_of(declaration.type)
        resolver = self.resolver
        arn = resolver.arn_text(logical_id)
        return {
            "id": logical_id,
            "native_type": declaration.type,
            "arn": arn,
            "aws_id": resolver.physical_id(logical_id),
            "region": None if identity.is_global else self.region,
            "account": self.account,
            "location": Location(self.path, declaration.line),
            "tags": props.tags(),
        }

    def add(self, resource: Resource) -> None:
        self.resources[resource.id] = resource

    def gap(self, scope: str, reason: str, resource_id: str | None = None) -> None:
        self.gaps.append(CoverageGap(scope=scope, reason=reason, resource_id=resource_id))


Mapper = Callable[[Declaration, Props, MapContext], None]

"""IAM Identity Center: permission sets, the sign-in path of people into the accounts."""

from __future__ import annotations

from airlock.inventory.identity import PermissionSet, duration_seconds
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props
from airlock.sources.cloudformation.template import Declaration


def _permission_set(d: Declaration, p: Props, ctx: MapContext) -> None:
    duration = p.text("SessionDuration")
    ctx.add(
        PermissionSet(
            **ctx.common(d, p),
            name=p.text("Name"),
            session_duration=(
                duration_seconds(duration) if isinstance(duration, str) else duration
            ),
        )
    )


MAPPERS: dict[str, Mapper] = {"AWS::SSO::PermissionSet": _permission_set}

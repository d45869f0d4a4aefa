"""KMS keys, replica keys and aliases."""

from __future__ import annotations

from airlock.inventory.encryption import KmsAlias, KmsKey, KmsReplicaKey
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, or_unresolved
from airlock.sources.cloudformation.mapping.network import required
from airlock.sources.cloudformation.template import Declaration


def _key(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        KmsKey(
            **ctx.common(d, p),
            policy=p.policy("KeyPolicy"),
            rotation_enabled=p.flag("EnableKeyRotation"),
            rotation_period_days=p.integer("RotationPeriodInDays"),
            multi_region=p.flag("MultiRegion"),
            key_usage=p.text("KeyUsage"),
            key_spec=p.text("KeySpec"),
            enabled=p.flag("Enabled"),
            description=p.text("Description"),
        )
    )


def _replica(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        KmsReplicaKey(
            **ctx.common(d, p),
            primary_key=required(p, "PrimaryKeyArn"),
            policy=p.policy("KeyPolicy"),
        )
    )


def _alias(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        KmsAlias(
            **ctx.common(d, p),
            name=or_unresolved(p.text("AliasName"), "the alias has no AliasName"),
            target_key=required(p, "TargetKeyId"),
        )
    )


MAPPERS: dict[str, Mapper] = {
    "AWS::KMS::Key": _key,
    "AWS::KMS::ReplicaKey": _replica,
    "AWS::KMS::Alias": _alias,
}

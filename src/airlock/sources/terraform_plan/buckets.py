"""S3 buckets and the split resources that configure them (provider v4+ style).

The bucket's legacy inline arguments (``server_side_encryption_configuration``,
``versioning``, ``object_lock_configuration``, ``policy``, ``lifecycle_rule``) are read first;
a live split resource overrides them. A deleted split resource leaves what the provider leaves:

* ``aws_s3_bucket_policy`` -> DeleteBucketPolicy: no policy;
* ``aws_s3_bucket_server_side_encryption_configuration`` -> DeleteBucketEncryption: the S3
  default (SSE-S3), i.e. nothing declared;
* ``aws_s3_bucket_object_lock_configuration`` -> the default retention rule is removed; Object
  Lock itself stays enabled (it cannot be turned off);
* ``aws_s3_bucket_versioning`` -> versioning is suspended, unless Object Lock keeps it enabled;
* ``aws_s3_bucket_public_access_block`` / ``_lifecycle_configuration`` -> removed.

Retention given in years counts 365 days a year. ``lifecycle_expiration_days`` is the shortest
expiration of the enabled rules (what bounds retention).
"""

from __future__ import annotations

from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Resource, Unresolved, Val
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView

_SSE = ("rule", 0, "apply_server_side_encryption_by_default", 0)


def _retention_days(v: ResourceView) -> Val[int] | None:
    days, years = v.number("days"), v.number("years")
    if isinstance(days, int) and days > 0:
        return days
    if isinstance(years, int) and years > 0:
        return years * 365
    if isinstance(days, Unresolved):
        return days
    return years if isinstance(years, Unresolved) else None


def _shortest_expiration(rules: list[ResourceView], status: str) -> Val[int] | None:
    shortest: int | None = None
    for rule in rules:
        enabled = rule.text(status)
        if status == "enabled":
            enabled = "Enabled" if rule.flag("enabled") is True else "Disabled"
        if enabled != "Enabled":
            continue
        days = rule.number("expiration", 0, "days")
        if isinstance(days, Unresolved):
            return days
        if isinstance(days, int) and days > 0 and (shortest is None or days < shortest):
            shortest = days
    return shortest


def _versioning(enabled: Val[bool] | None) -> Val[str] | None:
    if isinstance(enabled, Unresolved):
        return enabled
    return "Enabled" if enabled else None


def bucket(v: ResourceView, out: Assembly) -> Resource:
    lock = v.at("object_lock_configuration", 0)
    lock_flag = v.flag("object_lock_enabled")
    if lock_flag is None and lock.text("object_lock_enabled") == "Enabled":
        lock_flag = True
    retention = lock.at("rule", 0, "default_retention", 0)
    sse = v.at("server_side_encryption_configuration", 0, *_SSE)
    return S3Bucket(
        **v.base(),
        bucket_name=v.computed("bucket"),
        sse_algorithm=sse.text("sse_algorithm") or None,
        kms_key=sse.ref("kms_master_key_id", family=F.KMS_KEY) or None,
        object_lock_enabled=lock_flag,
        object_lock_mode=retention.text("mode") or None,
        object_lock_days=_retention_days(retention),
        versioning=_versioning(v.flag("versioning", 0, "enabled")),
        policy=v.policy("policy"),
        lifecycle_expiration_days=_shortest_expiration(v.blocks("lifecycle_rule"), "enabled"),
    )


# -- configuring resources --------------------------------------------------------------------


def _target(v: ResourceView, out: Assembly) -> str | None:
    return out.target(v, "bucket", F.BUCKET, S3Bucket)


def bucket_policy(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    out.set_policy(v, target, "policy", v.policy("policy"), reset=None)  # deleted: no policy


def encryption(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    if v.deleted:
        out.reset(target, "sse_algorithm", None)
        out.reset(target, "kms_key", None)
        return
    sse = v.at(*_SSE)
    out.set(target, "sse_algorithm", sse.required_text("sse_algorithm"), v.address)
    out.set(target, "kms_key", sse.ref("kms_master_key_id", family=F.KMS_KEY) or None, v.address)


def object_lock(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    if v.deleted:
        out.reset(target, "object_lock_mode", None)
        out.reset(target, "object_lock_days", None)
        return
    if v.text("object_lock_enabled", default="Enabled") == "Enabled":
        out.set(target, "object_lock_enabled", True, v.address)
    retention = v.at("rule", 0, "default_retention", 0)
    out.set(target, "object_lock_mode", retention.text("mode") or None, v.address)
    out.set(target, "object_lock_days", _retention_days(retention), v.address)


def versioning(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    status = v.text("versioning_configuration", 0, "status")
    if not v.deleted:
        out.set(target, "versioning", None if status == "Disabled" else status, v.address)
        return
    if status != "Enabled":
        return
    current = out.resources[target]
    locked = isinstance(current, S3Bucket) and current.object_lock_enabled is True
    out.reset(target, "versioning", "Enabled" if locked else "Suspended")


def public_access_block(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    for name, attr in (
        ("block_public_policy", "block_public_policy"),
        ("restrict_public_buckets", "restrict_public_buckets"),
    ):
        if v.deleted:
            out.reset(target, name, None)
        else:
            out.set(target, name, v.flag(attr, default=False), v.address)


def lifecycle(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    if v.deleted:
        out.reset(target, "lifecycle_expiration_days", None)
    else:
        out.set(
            target,
            "lifecycle_expiration_days",
            _shortest_expiration(v.blocks("rule"), "status"),
            v.address,
        )


BUILDERS: Builders = {"aws_s3_bucket": bucket}

JOINERS: Joiners = {
    "aws_s3_bucket_policy": bucket_policy,
    "aws_s3_bucket_server_side_encryption_configuration": encryption,
    "aws_s3_bucket_object_lock_configuration": object_lock,
    "aws_s3_bucket_versioning": versioning,
    "aws_s3_bucket_public_access_block": public_access_block,
    "aws_s3_bucket_lifecycle_configuration": lifecycle,
}

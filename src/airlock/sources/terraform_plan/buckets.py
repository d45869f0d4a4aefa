"""S3 buckets and the split resources that configure them (provider v4+ style).

The bucket's legacy inline arguments (``server_side_encryption_configuration``,
``versioning``, ``object_lock_configuration``, ``policy``, ``lifecycle_rule``,
``replication_configuration``) are read first;
a live split resource overrides them. A deleted split resource leaves what the provider leaves:

* ``aws_s3_bucket_policy`` -> DeleteBucketPolicy: no policy;
* ``aws_s3_bucket_server_side_encryption_configuration`` -> DeleteBucketEncryption: the S3
  default (SSE-S3), i.e. nothing declared;
* ``aws_s3_bucket_object_lock_configuration`` -> the default retention rule is removed; Object
  Lock itself stays enabled (it cannot be turned off);
* ``aws_s3_bucket_versioning`` -> versioning is suspended, unless Object Lock keeps it enabled;
* ``aws_s3_bucket_public_access_block`` / ``_lifecycle_configuration`` -> removed;
* ``aws_s3_bucket_replication_configuration`` -> DeleteBucketReplication: no replication.

Retention given in years counts 365 days a year. ``lifecycle_expiration_days`` is the shortest
expiration of the enabled rules (what bounds retention).
"""

from __future__ import annotations

from airlock.inventory.encryption import ReplicationRule, S3Bucket
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


def _is(value: Val[str] | None, expected: str) -> Val[bool] | None:
    return value if value is None or isinstance(value, Unresolved) else value == expected


def _replication_filter(rule: ResourceView) -> tuple[Val[str] | None, tuple[Val[str], ...]]:
    """(prefix, "key=value" tag conditions) of a rule: its ``filter``, else its V1 ``prefix``.

    The split resource filters with ``tag { key value }`` and ``and { prefix tags }``; the
    legacy inline rules with ``filter { prefix tags }``.
    """
    unknown = rule.unresolved_collection("filter")
    if unknown is not None:
        return unknown, ()
    blocks = rule.blocks("filter")
    if not blocks:
        return rule.text("prefix") or None, ()
    found, both = blocks[0], blocks[0].at("and", 0)
    prefix = found.text("prefix") or both.text("prefix") or None
    tags: list[Val[str]] = []
    for tag in found.blocks("tag"):
        key, value = tag.text("key"), tag.text("value")
        if isinstance(key, Unresolved) or isinstance(value, Unresolved):
            tags.append(Unresolved(f"known after apply: {tag.where()}"))
        elif key:
            tags.append(f"{key}={value or ''}")
    for block in (found, both):
        for key, value in block.string_map("tags").items():
            tags.append(value if isinstance(value, Unresolved) else f"{key}={value}")
        if block.unknown("tags"):
            tags.append(Unresolved(f"known after apply: {block.where('tags')}"))
    return prefix, tuple(tags)


def _replication_rules(
    rules: list[ResourceView], role: Val[str] | None, legacy: bool
) -> tuple[ReplicationRule, ...]:
    found: list[ReplicationRule] = []
    for rule in rules:
        destination = rule.at("destination", 0)
        prefix, tags = _replication_filter(rule)
        kms = rule.at("source_selection_criteria", 0, "sse_kms_encrypted_objects", 0)
        if legacy:
            account = destination.text("account_id")
            delete_markers = rule.text("delete_marker_replication_status")
            kms_objects = kms.flag("enabled")
            replica_key = destination.ref("replica_kms_key_id", family=F.KMS_KEY)
        else:
            account = destination.text("account")
            delete_markers = rule.text("delete_marker_replication", 0, "status")
            kms_objects = _is(kms.text("status") or None, "Enabled")
            replica_key = destination.ref(
                "encryption_configuration", 0, "replica_kms_key_id", family=F.KMS_KEY
            )
        owner = destination.text("access_control_translation", 0, "owner") or None
        status = rule.required_text("status")
        found.append(
            ReplicationRule(
                destination_bucket=destination.required_ref("bucket", family=F.BUCKET),
                destination_account=account or None,
                owner_override=_is(owner, "Destination"),
                enabled=status if isinstance(status, Unresolved) else status == "Enabled",
                prefix=prefix,
                tag_filter=tags,
                delete_markers=_is(delete_markers or None, "Enabled"),
                sse_kms_objects=kms_objects,
                replica_kms_key=replica_key,
                role=role,
                rule_id=rule.text("id") or None,
                priority=rule.number("priority"),
            )
        )
    return tuple(found)


def _legacy_replication(v: ResourceView) -> tuple[ReplicationRule, ...] | Unresolved | None:
    """The bucket's inline ``replication_configuration`` (provider v4 and earlier)."""
    blocks = v.blocks("replication_configuration")
    if not blocks:
        return v.unresolved_collection("replication_configuration")
    config = blocks[0]
    unknown = config.unresolved_collection("rules")
    if unknown is not None:
        return unknown
    rules = _replication_rules(config.blocks("rules"), config.ref("role", family=F.ROLE), True)
    return rules or None


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
        replication=_legacy_replication(v),
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


def replication(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    if v.deleted:
        out.reset(target, "replication", None)
        return
    rules = v.unresolved_collection("rule") or _replication_rules(
        v.blocks("rule"), v.ref("role", family=F.ROLE), legacy=False
    )
    out.set(target, "replication", rules, v.address)


BUILDERS: Builders = {"aws_s3_bucket": bucket}

JOINERS: Joiners = {
    "aws_s3_bucket_policy": bucket_policy,
    "aws_s3_bucket_server_side_encryption_configuration": encryption,
    "aws_s3_bucket_object_lock_configuration": object_lock,
    "aws_s3_bucket_versioning": versioning,
    "aws_s3_bucket_public_access_block": public_access_block,
    "aws_s3_bucket_lifecycle_configuration": lifecycle,
    "aws_s3_bucket_replication_configuration": replication,
}

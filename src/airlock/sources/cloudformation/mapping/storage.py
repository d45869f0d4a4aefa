"""Stores that hold data: S3 buckets (and bucket policies), log groups, secrets, OpenSearch."""

from __future__ import annotations

from typing import Any

from airlock.inventory.encryption import (
    LogGroup,
    OpenSearchCollection,
    OpenSearchSecurityPolicy,
    ReplicationRule,
    S3Bucket,
    Secret,
)
from airlock.inventory.model import PolicyValue, Unresolved, Val
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, as_policy, or_unresolved
from airlock.sources.cloudformation.template import Declaration

BUCKET_TYPES = ("AWS::S3::Bucket",)
KEY_TYPES = ("AWS::KMS::Key", "AWS::KMS::Alias")


def _encryption(p: Props) -> tuple[Val[str] | None, Val[str] | None]:
    rules = p.children("BucketEncryption", "ServerSideEncryptionConfiguration")
    if isinstance(rules, Unresolved):
        return rules, rules
    if not rules:
        return None, None
    default = rules[0].child("ServerSideEncryptionByDefault")
    return default.text("SSEAlgorithm"), default.rel("KMSMasterKeyID")


def _retention_days(p: Props) -> Val[int] | None:
    retention = p.child("ObjectLockConfiguration", "Rule", "DefaultRetention")
    days = retention.integer("Days")
    if days is not None:
        return days
    years = retention.integer("Years")
    if isinstance(years, int):
        return years * 365
    return years


def _lifecycle_days(p: Props) -> Val[int] | None:
    """The earliest expiration (current or noncurrent versions) of any enabled rule."""
    rules = p.children("LifecycleConfiguration", "Rules")
    if isinstance(rules, Unresolved):
        return rules
    found: list[int] = []
    for rule in rules:
        status = rule.text("Status")
        if isinstance(status, str) and status != "Enabled":
            continue
        values: list[Val[int] | None] = [
            rule.integer("ExpirationInDays"),
            rule.integer("NoncurrentVersionExpirationInDays"),
            rule.integer("NoncurrentVersionExpiration", "NoncurrentDays"),
        ]
        if rule.has("ExpirationDate"):
            values.append(Unresolved("a lifecycle rule expires objects on a fixed date"))
        if isinstance(status, Unresolved):
            values = [status] if any(v is not None for v in values) else []
        for value in values:
            if isinstance(value, Unresolved):
                return value
            if value is not None:
                found.append(value)
    return min(found) if found else None


def _is(value: Val[str] | None, expected: str) -> Val[bool] | None:
    return value if value is None or isinstance(value, Unresolved) else value == expected


def _replication_filter(rule: Props) -> tuple[Val[str] | None, tuple[Val[str], ...]]:
    """(prefix, "key=value" tag conditions): a V2 ``Filter``, else the V1 rule ``Prefix``.

    A ``Filter`` that is not a mapping reads as an unresolved prefix.
    """
    found = rule.get("Filter")
    if found is None:
        return rule.text("Prefix"), ()
    if not isinstance(found, dict):
        return rule.text("Filter", "Prefix"), ()  # Unresolved: the Filter cannot be read
    both = rule.child("Filter", "And")
    prefix = rule.text("Filter", "Prefix")
    if prefix is None:
        prefix = both.text("Prefix")
    listed = both.children("TagFilters")
    if isinstance(listed, Unresolved):
        return prefix, (listed,)
    single = rule.child("Filter", "TagFilter")
    tags: list[Val[str]] = []
    for tag in ([single] if single.data is not None else []) + listed:
        key, value = tag.text("Key"), tag.text("Value")
        if isinstance(key, Unresolved) or isinstance(value, Unresolved):
            tags.append(Unresolved("a replication rule filters on a tag that is unresolved"))
        else:
            tags.append(f"{key}={value or ''}")
    return prefix, tuple(tags)


def _replication(p: Props) -> tuple[ReplicationRule, ...] | Unresolved | None:
    if p.get("ReplicationConfiguration") is None:
        return None
    rules = p.children("ReplicationConfiguration", "Rules")
    if isinstance(rules, Unresolved):
        return rules
    role = p.rel("ReplicationConfiguration", "Role", types=("AWS::IAM::Role",))
    found: list[ReplicationRule] = []
    for rule in rules:
        destination = rule.child("Destination")
        prefix, tags = _replication_filter(rule)
        bucket = destination.rel("Bucket", types=BUCKET_TYPES)
        status = rule.text("Status")
        found.append(
            ReplicationRule(
                destination_bucket=or_unresolved(bucket, "the replication rule names no Bucket"),
                destination_account=destination.text("Account"),
                owner_override=_is(
                    destination.text("AccessControlTranslation", "Owner"), "Destination"
                ),
                enabled=or_unresolved(_is(status, "Enabled"), "the replication rule has no Status"),
                prefix=prefix,
                tag_filter=tags,
                delete_markers=_is(rule.text("DeleteMarkerReplication", "Status"), "Enabled"),
                sse_kms_objects=_is(
                    rule.text("SourceSelectionCriteria", "SseKmsEncryptedObjects", "Status"),
                    "Enabled",
                ),
                replica_kms_key=destination.rel(
                    "EncryptionConfiguration", "ReplicaKmsKeyID", types=KEY_TYPES
                ),
                role=role,
                rule_id=rule.text("Id"),
                priority=rule.integer("Priority"),
            )
        )
    return tuple(found)


def _bucket(d: Declaration, p: Props, ctx: MapContext) -> None:
    algorithm, key = _encryption(p)
    ctx.add(
        S3Bucket(
            **ctx.common(d, p),
            bucket_name=p.text("BucketName"),
            sse_algorithm=algorithm,
            kms_key=key,
            object_lock_enabled=p.flag("ObjectLockEnabled"),
            object_lock_mode=p.text("ObjectLockConfiguration", "Rule", "DefaultRetention", "Mode"),
            object_lock_days=_retention_days(p),
            versioning=p.text("VersioningConfiguration", "Status"),
            block_public_policy=p.flag("PublicAccessBlockConfiguration", "BlockPublicPolicy"),
            restrict_public_buckets=p.flag(
                "PublicAccessBlockConfiguration", "RestrictPublicBuckets"
            ),
            lifecycle_expiration_days=_lifecycle_days(p),
            replication=_replication(p),
        )
    )


def _bucket_policy(d: Declaration, p: Props, ctx: MapContext) -> None:
    bucket = or_unresolved(p.rel("Bucket", types=BUCKET_TYPES), "the policy names no Bucket")
    document = or_unresolved(p.policy("PolicyDocument"), "the policy has no PolicyDocument")
    ctx.joins.assign(bucket, S3Bucket, "policy", document, d.logical_id, "bucket policy")


def _log_group(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        LogGroup(
            **ctx.common(d, p),
            name=p.text("LogGroupName"),
            kms_key=p.rel("KmsKeyId"),
            retention_days=p.integer("RetentionInDays"),
        )
    )


def _secret(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(Secret(**ctx.common(d, p), name=p.text("Name"), kms_key=p.rel("KmsKeyId")))


def _collection(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        OpenSearchCollection(
            **ctx.common(d, p), name=p.text("Name"), collection_type=p.text("Type")
        )
    )


def _security_document(value: Any) -> PolicyValue:
    """An encryption policy is a JSON object; a network policy a JSON list (kept as Policies)."""
    if isinstance(value, str) and value.lstrip().startswith("["):
        parsed = as_policy('{"Policies": ' + value + "}")
        return parsed
    if isinstance(value, list):
        return as_policy({"Policies": value})
    return as_policy(value)


def _security_policy(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        OpenSearchSecurityPolicy(
            **ctx.common(d, p),
            name=p.text("Name"),
            policy_type=or_unresolved(p.text("Type"), "the policy has no Type"),
            document=_security_document(p.get("Policy")),
        )
    )


MAPPERS: dict[str, Mapper] = {
    "AWS::S3::Bucket": _bucket,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::OpenSearchServerless::Collection": _collection,
    "AWS::OpenSearchServerless::SecurityPolicy": _security_policy,
}

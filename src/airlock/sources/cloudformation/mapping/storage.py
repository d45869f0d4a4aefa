"""Stores that hold data: S3 buckets (and bucket policies), log groups, secrets, OpenSearch."""

from __future__ import annotations

from typing import Any

from airlock.inventory.encryption import (
    LogGroup,
    OpenSearchCollection,
    OpenSearchSecurityPolicy,
    S3Bucket,
    Secret,
)
from airlock.inventory.model import PolicyValue, Unresolved, Val
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, as_policy, or_unresolved
from airlock.sources.cloudformation.template import Declaration

BUCKET_TYPES = ("AWS::S3::Bucket",)


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

"""The S3 buckets that hold Bedrock data, and what each one holds.

A bucket is referenced by an inventory id, or by the literal the user wrote: a bucket name,
``arn:aws:s3:::name`` (optionally with a key path) or ``s3://name/prefix``.
"""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct

from airlock.controls.model import ResourceRef, ScanContext
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import DataSource, InvocationLogging
from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Inventory, Unresolved, Val


class BucketRole(StrEnum):
    INVOCATION_LOGS = "model invocation logs"
    INVOCATION_LARGE_DATA = "large invocation payloads"
    KNOWLEDGE_BASE_SOURCE = "knowledge-base source documents"
    TRAIL = "CloudTrail logs"


AUDIT_ROLES = frozenset(
    {BucketRole.INVOCATION_LOGS, BucketRole.INVOCATION_LARGE_DATA, BucketRole.TRAIL}
)


class BucketUse(Struct, frozen=True):
    """One referenced bucket: in the inventory (``bucket``) or only a literal (``ref``)."""

    ref: Val[str]
    bucket: S3Bucket | None
    roles: tuple[BucketRole, ...]
    #: ids of the resources that write or read it (trail, logging configuration, data source)
    users: tuple[str, ...]

    @property
    def name(self) -> str:
        if self.bucket is not None:
            return self.bucket.id
        return self.ref if isinstance(self.ref, str) else f"<unresolved: {self.ref.reason}>"

    @property
    def audit(self) -> bool:
        return any(role in AUDIT_ROLES for role in self.roles)


def bucket_subject(use: BucketUse) -> S3Bucket | ResourceRef:
    """What a finding about a referenced bucket is about."""
    return use.bucket if use.bucket is not None else ResourceRef(type="s3-bucket", id=use.name)


def bucket_name(ref: str) -> str:
    """The bucket name in a reference literal."""
    for prefix in ("arn:aws:s3:::", "arn:aws-cn:s3:::", "arn:aws-us-gov:s3:::", "s3://"):
        if ref.startswith(prefix):
            return ref[len(prefix) :].split("/", 1)[0]
    return ref


def find_bucket(inventory: Inventory, ref: Val[str] | None) -> S3Bucket | None:
    if not isinstance(ref, str):
        return None
    return inventory.find(ref, S3Bucket) or inventory.find(bucket_name(ref), S3Bucket)


def bucket_arn(bucket: S3Bucket) -> str | None:
    """``arn:aws:s3:::name`` when the name is known."""
    if isinstance(bucket.arn, str):
        return bucket.arn
    name = bucket.bucket_name if isinstance(bucket.bucket_name, str) else None
    name = name or (bucket.aws_id if isinstance(bucket.aws_id, str) else None)
    return f"arn:aws:s3:::{name}" if name else None


def bedrock_buckets(ctx: ScanContext) -> tuple[BucketUse, ...]:
    return ctx.analysis("bedrock-buckets", lambda: _collect(ctx.inventory))


def _collect(inventory: Inventory) -> tuple[BucketUse, ...]:
    uses: dict[str, tuple[Val[str], S3Bucket | None, list[BucketRole], list[str]]] = {}

    def add(ref: Val[str] | None, role: BucketRole, user: str) -> None:
        if ref is None:
            return
        bucket = find_bucket(inventory, ref)
        if bucket is not None:
            key = bucket.id
        elif isinstance(ref, Unresolved):
            key = f"{user}:{role.value}"
        else:
            key = bucket_name(ref)
        entry = uses.setdefault(key, (ref, bucket, [], []))
        if role not in entry[2]:
            entry[2].append(role)
        if user not in entry[3]:
            entry[3].append(user)

    for logging in inventory.of(InvocationLogging):
        add(logging.s3_bucket, BucketRole.INVOCATION_LOGS, logging.id)
        add(logging.large_data_bucket, BucketRole.INVOCATION_LARGE_DATA, logging.id)
    for source in inventory.of(DataSource):
        add(source.bucket, BucketRole.KNOWLEDGE_BASE_SOURCE, source.id)
    for trail in inventory.of(Trail):
        add(trail.s3_bucket, BucketRole.TRAIL, trail.id)
    return tuple(
        BucketUse(ref, bucket, tuple(roles), tuple(users))
        for ref, bucket, roles, users in uses.values()
    )

"""Audit layer, whether the record survives: Object Lock, a separate account, and nobody in
the workload account able to delete or weaken it.

Audit buckets are the invocation-log (and large-payload) buckets and the trail buckets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from airlock.controls.audit_protection import audit_tamper, unresolved_owner
from airlock.controls.buckets import BucketRole, BucketUse, bedrock_buckets, bucket_subject
from airlock.controls.coverage import absence_is_proof
from airlock.controls.judgement import Answer
from airlock.controls.model import (
    Control,
    Layer,
    ScanContext,
    Severity,
    Verdict,
    failed,
    numbered,
    passed,
    unknown,
)
from airlock.controls.verdicts import from_judgement
from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Resource, Unresolved
from airlock.obligations.model import Topic

_S3_SCOPES = ("s3", "AWS::S3::Bucket", "aws_s3_bucket", "S3Bucket")


def audit_buckets(ctx: ScanContext) -> list[BucketUse]:
    return [use for use in bedrock_buckets(ctx) if use.audit]


def _holds(use: BucketUse) -> str:
    return ", ".join(r.value for r in use.roles)


# --- AL-AUD-007 ------------------------------------------------------------------------


def _object_lock(ctx: ScanContext) -> Iterator[Verdict]:
    minimum = ctx.settings.min_retention_days
    for use in audit_buckets(ctx):
        if use.bucket is None:
            yield unknown(
                bucket_subject(use),
                f"Bucket {use.name} ({_holds(use)}) is not in this inventory, so its Object Lock cannot be read.",
            )
        else:
            yield judge_lock(use.bucket, _holds(use), minimum)


def judge_lock(bucket: S3Bucket, holds: str, minimum: int) -> Verdict:
    enabled, mode, days = (
        bucket.object_lock_enabled,
        bucket.object_lock_mode,
        bucket.object_lock_days,
    )
    evidence = {
        "object_lock_enabled": enabled,
        "mode": mode,
        "days": days,
        "required_days": minimum,
    }
    for value in (enabled, mode, days):
        if isinstance(value, Unresolved):
            return unknown(
                bucket,
                f"The Object Lock settings of bucket {bucket.id} are unresolved: {value.reason}.",
                **evidence,
            )
    if not enabled and mode is None:
        return failed(
            bucket,
            f"Bucket {bucket.id} ({holds}) has no Object Lock, so its records can be deleted.",
            **evidence,
        )
    if mode is None:
        return failed(
            bucket,
            f"Bucket {bucket.id} ({holds}) enables Object Lock without a default retention, so records are not locked.",
            **evidence,
        )
    if mode != "COMPLIANCE":
        return failed(
            bucket,
            f"Bucket {bucket.id} ({holds}) locks records in {mode} mode, which a principal with s3:BypassGovernanceRetention can lift.",
            **evidence,
        )
    if not isinstance(days, int):
        return unknown(
            bucket,
            f"The retention period of bucket {bucket.id} is not set in the inventory.",
            **evidence,
        )
    if days < minimum:
        return failed(
            bucket,
            f"Bucket {bucket.id} ({holds}) retains records for {days} days, less than the required {minimum}.",
            **evidence,
        )
    return passed(
        bucket,
        f"Bucket {bucket.id} ({holds}) locks records in COMPLIANCE mode for {days} days.",
        **evidence,
    )


# --- AL-AUD-008 ------------------------------------------------------------------------


def _separate_account(ctx: ScanContext) -> Iterator[Verdict]:
    for use in audit_buckets(ctx):
        yield _judge_account(ctx, use)


def _judge_account(ctx: ScanContext, use: BucketUse) -> Verdict:
    subject = bucket_subject(use)
    if use.bucket is None:
        if isinstance(use.ref, Unresolved):
            return unknown(subject, f"The bucket of {', '.join(use.users)} is unresolved.")
        if absence_is_proof(ctx.inventory, *_S3_SCOPES):
            return passed(
                subject,
                f"Bucket {use.name} is not in the scanned account, so it lives in another account.",
            )
        return unknown(
            subject,
            f"Bucket {use.name} ({_holds(use)}) is not created here; it may live in a separate account, which this inventory cannot show.",
        )
    writers = [r for uid in use.users if (r := ctx.inventory.get(uid, Resource)) is not None]
    workload = next((w.account for w in writers if isinstance(w.account, str)), None)
    home = workload or (
        ctx.inventory.source.account if isinstance(ctx.inventory.source.account, str) else None
    )
    owner = use.bucket.account
    evidence = {"bucket_account": owner, "workload_account": home, "written_by": list(use.users)}
    if isinstance(owner, str) and home is not None and owner != home:
        return passed(
            use.bucket,
            f"Bucket {use.bucket.id} is in account {owner}, separate from the workload account {home}.",
            **evidence,
        )
    elsewhere = unresolved_owner(ctx, use)
    if elsewhere is not None:
        return unknown(
            use.bucket,
            f"Bucket {use.bucket.id} may be in another account than the workload it records: {elsewhere.reason}.",
            **evidence,
        )
    if BucketRole.TRAIL not in use.roles:
        return unknown(
            use.bucket,
            f"Bedrock writes invocation logs only to a bucket of its own account, so bucket {use.bucket.id} stays in the workload account; whether it forwards them to a separate account (S3 replication) is not in the inventory.",
            **evidence,
        )
    return failed(
        use.bucket,
        f"Bucket {use.bucket.id} ({_holds(use)}) is created with the workload it records, so a compromise of that account reaches its audit trail.",
        **evidence,
    )


# --- AL-AUD-009 ------------------------------------------------------------------------


def _tamper(ctx: ScanContext) -> Iterator[Verdict]:
    for use in audit_buckets(ctx):
        judgement = audit_tamper(ctx, use)
        subject = bucket_subject(use)
        yield from_judgement(subject, judgement, bad=Answer.YES)


def _ctl(
    number: int,
    title: str,
    severity: Severity,
    rationale: str,
    remediation: str,
    check: Callable[[ScanContext], Iterator[Verdict]],
    *references: str,
) -> Control:
    return numbered(
        number,
        title=title,
        layer=Layer.AUDIT,
        severity=severity,
        rationale=rationale,
        remediation=remediation,
        topics=(Topic.AUDIT_LOGGING, Topic.RECORD_RETENTION),
        check=check,
        references=references,
    )


CONTROLS: tuple[Control, ...] = (
    _ctl(
        7,
        "Audit buckets lock records in compliance mode",
        Severity.HIGH,
        "Object Lock in COMPLIANCE mode stops everyone, the root user included, from deleting a "
        "record or shortening its retention; GOVERNANCE mode can be bypassed with "
        "s3:BypassGovernanceRetention.",
        "Create the bucket with Object Lock and a default retention rule in COMPLIANCE mode for "
        "at least the regime's retention period.",
        _object_lock,
        "CKV_AWS_143",
    ),
    _ctl(
        8,
        "Audit buckets live in a separate account",
        Severity.HIGH,
        "Logs kept in the account they record fall with it: an attacker with administrator "
        "rights there can reach the bucket policy, its key and its retention settings.",
        "Deliver CloudTrail and invocation logs to a bucket in a log-archive account of the "
        "Security OU; grant the workload account only s3:PutObject.",
        _separate_account,
    ),
    _ctl(
        9,
        "The workload account cannot delete or weaken the audit trail",
        Severity.CRITICAL,
        "Even with Object Lock, a principal that can change the bucket's Object Lock "
        "configuration or policy weakens the protection of every future record, and without "
        "COMPLIANCE retention it can delete records outright.",
        "Deny s3:DeleteObject*, s3:PutBucketPolicy, s3:PutLifecycleConfiguration, "
        "s3:PutBucketObjectLockConfiguration and s3:BypassGovernanceRetention on the audit "
        "bucket to every workload principal (an SCP stops the account root too), and keep the "
        "bucket in a separate account.",
        _tamper,
    ),
)

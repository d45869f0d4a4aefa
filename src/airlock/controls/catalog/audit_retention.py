"""Audit layer, whether the record survives: Object Lock, a separate account, and nobody in
the workload account able to delete or weaken it.

Audit buckets are the invocation-log (and large-payload) buckets, the trail buckets and the
copies of invocation logs, found as :mod:`airlock.controls.buckets` describes.
Bedrock writes invocation logs only to a bucket of its own account, so for those buckets a
separate account means S3 replication of every object to a bucket of another account.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from airlock.controls.audit_protection import audit_tamper, unresolved_owner
from airlock.controls.buckets import (
    BucketRole,
    BucketUse,
    bedrock_buckets,
    bucket_subject,
    find_bucket,
)
from airlock.controls.coverage import absence_is_proof
from airlock.controls.judgement import Answer
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ResourceRef,
    ScanContext,
    Severity,
    Verdict,
    failed,
    passed,
    unknown,
)
from airlock.controls.verdicts import from_judgement
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.encryption import ReplicationRule, S3Bucket
from airlock.inventory.model import Resource, Unresolved, Val
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
    if use.sources and (use.bucket is not None or use.declared_account is not None):
        return _receives(use, subject)
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
        homes = tuple(a for a in (owner, home) if a is not None)
        return _forwarded(ctx, use, use.bucket, homes, evidence)
    return failed(
        use.bucket,
        f"Bucket {use.bucket.id} ({_holds(use)}) is created with the workload it records, so a compromise of that account reaches its audit trail.",
        **evidence,
    )


def _receives(use: BucketUse, subject: S3Bucket | ResourceRef) -> Verdict:
    """A trail bucket or a copy that no trail or logging configuration of the inventory
    writes to (a template of the audit account, a replica outside the inventory): its
    account against the accounts whose records its policy or the replication rules show it
    receives."""
    owner = use.bucket.account if use.bucket is not None else use.declared_account
    holds = _holds(use)
    name = use.name
    evidence = {"bucket_account": owner, "receives_from": list(use.sources)}
    if owner in use.sources:
        if use.users:
            return unknown(
                subject,
                f"Bucket {name} ({holds}) copies bucket {', '.join(use.users)} within its account, the workload's, so it does not separate the record; whether the logs leave the account is judged on the source bucket.",
                **evidence,
            )
        return unknown(
            subject,
            f"Bucket {name} ({holds}) receives the records of its own account, so it is separate from the workload only if no workload runs there, which this inventory does not show.",
            **evidence,
        )
    doubt = next((s for s in use.sources if isinstance(s, Unresolved)), None)
    if doubt is not None:
        whose = (
            f"the account of bucket {', '.join(use.users)}, which replicates into it, is unresolved"
            if use.users
            else "whose records it receives is not known"
        )
        return unknown(subject, f"Bucket {name} ({holds}): {whose}: {doubt.reason}.", **evidence)
    accounts = ", ".join(str(s) for s in use.sources)
    if not isinstance(owner, str):
        why = f"unresolved: {owner.reason}" if isinstance(owner, Unresolved) else "not known"
        return unknown(
            subject,
            f"Bucket {name} ({holds}) receives the records of account {accounts}, but its own account is {why}.",
            **evidence,
        )
    return passed(
        subject,
        f"Bucket {name} ({holds}) is in account {owner}, separate from account {accounts} whose records it receives.",
        **evidence,
    )


def _written_keys(ctx: ScanContext, use: BucketUse) -> tuple[str, ...] | None:
    """Prefixes of every key Bedrock writes into the bucket (``<prefix>/AWSLogs/...``), or
    None when some cannot be known (an unresolved prefix, large-data delivery)."""
    keys: list[str] = []
    for logging in ctx.inventory.of(InvocationLogging):
        if logging.id not in use.users:
            continue
        if logging.large_data_bucket is not None and find_bucket(
            ctx.inventory, logging.large_data_bucket
        ) in (use.bucket, None):
            return None  # where large payloads land under the bucket is not modelled
        prefix = logging.s3_key_prefix
        if isinstance(prefix, Unresolved):
            return None
        keys.append(f"{prefix.rstrip('/')}/AWSLogs/" if prefix else "AWSLogs/")
    return tuple(keys)


def _forwarded(
    ctx: ScanContext,
    use: BucketUse,
    bucket: S3Bucket,
    homes: tuple[Val[str], ...],
    evidence: dict[str, Any],
) -> Verdict:
    """A bucket that must stay in the workload account: does replication copy it out?

    Anything short of a rule proven to copy every object to another account stays UNKNOWN,
    as it was before replication was read: the logs may still leave the account some other
    way (a copy job, CloudWatch Logs delivery), so no replication is no proof of a FAIL.
    """
    stays = (
        "Bedrock writes invocation logs only to a bucket of its own account, so bucket "
        f"{bucket.id} stays in the workload account"
    )
    rules = bucket.replication
    if isinstance(rules, Unresolved):
        return unknown(
            bucket,
            f"{stays}, and its S3 replication configuration is unresolved: {rules.reason}.",
            **evidence,
        )
    if not rules:
        return unknown(
            bucket,
            f"{stays}, and the inventory shows no S3 replication that copies them to a separate account.",
            **evidence,
        )
    written = _written_keys(ctx, use)
    encryption = bucket.sse_algorithm
    judged = [(rule, *_judge_rule(ctx, rule, homes, written, encryption)) for rule in rules]
    evidence = {
        **evidence,
        "bucket_encryption": encryption,
        "replication_rules": [_rule_evidence(r, account, gap) for r, account, gap in judged],
    }
    labels = {id(rule): _label(rule, n) for n, rule in enumerate(rules, 1)}
    forwarding = [(rule, account) for rule, account, gap in judged if gap is None]
    if not forwarding:
        gaps = "; ".join(f"{labels[id(rule)]} {gap}" for rule, _, gap in judged)
        return unknown(
            bucket,
            f"{stays}; no replication rule is shown to copy every object to a separate account: {gaps}.",
            **evidence,
        )
    rule, account = forwarding[0]
    # S3 applies the rule of highest priority to an object that rules to the same bucket
    # both match: one that keeps the workload account as replica owner may take over.
    rival = next(
        (
            other
            for other in rules
            if other is not rule
            and other.destination_bucket == rule.destination_bucket
            and other.enabled is not False
            and other.owner_override is not True
        ),
        None,
    )
    if rival is not None:
        return unknown(
            bucket,
            f"{stays}; {labels[id(rule)]} copies every object to account {account}, but {labels[id(rival)]} copies to the same bucket without making that account owner of the replicas, and which of them applies depends on their priorities.",
            **evidence,
        )
    target = rule.destination_bucket
    where = f"bucket {target}" if isinstance(target, str) else "a bucket"
    return passed(
        bucket,
        f"Bucket {bucket.id} stays in the workload account as Bedrock requires, but {labels[id(rule)]} replicates every new object to {where} in account {account}, which owns the replicas.",
        **evidence,
    )


def _label(rule: ReplicationRule, n: int) -> str:
    name = rule.rule_id if isinstance(rule.rule_id, str) and rule.rule_id else str(n)
    return f"replication rule {name}"


def _judge_rule(
    ctx: ScanContext,
    rule: ReplicationRule,
    homes: tuple[Val[str], ...],
    written: tuple[str, ...] | None,
    encryption: Val[str] | None,
) -> tuple[Val[str] | None, str | None]:
    """(destination account, why the rule does not forward every log object; None: it
    does). ``written``: the prefixes of the keys Bedrock writes (a filter on a prefix that
    every one of them starts with still copies every log); ``encryption``: the source
    bucket's default encryption, which Bedrock's log objects are written with."""
    account, elsewhere = _destination_account(ctx, rule, homes)
    if rule.enabled is False:
        return account, "is disabled"
    if isinstance(rule.enabled, Unresolved):
        return account, f"has an unresolved status: {rule.enabled.reason}"
    if isinstance(rule.prefix, Unresolved):
        return account, f"has an unresolved filter: {rule.prefix.reason}"
    if rule.prefix and not (written and all(k.startswith(rule.prefix) for k in written)):
        return account, f"copies only keys under '{rule.prefix}'"
    if rule.tag_filter:
        tags = ", ".join(str(t) for t in rule.tag_filter)
        return account, f"copies only objects tagged {tags}"
    skipped = _skips_kms_objects(rule, encryption)
    if skipped is not None:
        return account, skipped
    if elsewhere is not None:
        return account, elsewhere
    if isinstance(rule.owner_override, Unresolved):
        return account, f"has an unresolved replica owner: {rule.owner_override.reason}"
    if rule.owner_override is not True:
        # Not a FAIL: without the override, replicas keep the source account as owner only
        # while the destination bucket allows ACLs; a bucket with Object Ownership
        # BucketOwnerEnforced (the S3 default since April 2023) owns every replica anyway.
        # The inventory does not show the destination's Object Ownership.
        return account, (
            "does not make the destination account owner of the replicas "
            "(AccessControlTranslation Owner=Destination); whether the destination bucket "
            "enforces bucket-owner ownership is not in the inventory"
        )
    return account, None


def _skips_kms_objects(rule: ReplicationRule, encryption: Val[str] | None) -> str | None:
    """Why the rule leaves objects encrypted with the bucket's default KMS key behind, or None.

    S3 replicates unencrypted, SSE-S3 and SSE-C objects by default, but SSE-KMS and DSSE-KMS
    objects only when the rule opts in (SourceSelectionCriteria SseKmsEncryptedObjects
    Enabled) and names the key to encrypt the replicas with (ReplicaKmsKeyID). Bedrock writes
    its log objects with the bucket's default encryption, so under a KMS default a rule
    without the opt-in copies none of them. Still UNKNOWN, not FAIL, like every other rule
    that does not forward: the logs may leave the account another way.
    """
    if encryption is None or (isinstance(encryption, str) and not encryption.startswith("aws:kms")):
        return None  # SSE-S3 (also S3's default when none is declared)
    opted = rule.sse_kms_objects
    if isinstance(opted, Unresolved):
        return f"has an unresolved SseKmsEncryptedObjects status: {opted.reason}"
    if opted is not True:
        if isinstance(encryption, Unresolved):
            return (
                "does not opt in to SSE-KMS-encrypted objects (SourceSelectionCriteria "
                "SseKmsEncryptedObjects), and the bucket's default encryption, which the logs "
                f"are written with, is unresolved: {encryption.reason}"
            )
        return (
            f"skips the log objects, since the bucket encrypts them with {encryption} by "
            "default and S3 replicates KMS-encrypted objects only when the rule opts in "
            "(SourceSelectionCriteria SseKmsEncryptedObjects Enabled)"
        )
    if rule.replica_kms_key is None:
        return (
            "opts in to SSE-KMS-encrypted objects but names no key to encrypt the replicas "
            "with (EncryptionConfiguration ReplicaKmsKeyID), which S3 requires"
        )
    return None


def _destination_account(
    ctx: ScanContext, rule: ReplicationRule, homes: tuple[Val[str], ...]
) -> tuple[Val[str] | None, str | None]:
    """The destination bucket's account, and why it is not a known separate account.

    The rule's declared account and, when the bucket is in the inventory, the bucket's own
    account: either one equal to the workload's puts the replicas in the workload account.
    """
    declared = rule.destination_account
    target = find_bucket(ctx.inventory, rule.destination_bucket)
    held = target.account if target is not None else None
    name = target.id if target is not None else str(rule.destination_bucket)
    if isinstance(declared, str) and isinstance(held, str) and declared != held:
        return held, f"declares account {declared}, but bucket {name} is in account {held}"
    known = [a for a in (held, declared) if a is not None]
    local = next((a for a in known if a in homes), None)
    if local is not None:
        return local, f"copies to bucket {name} in the workload account"
    account = next((a for a in known if isinstance(a, str)), None)
    if account is not None:
        if any(isinstance(h, str) for h in homes):
            return account, None
        return account, f"copies to account {account}, but the workload account is not known"
    if isinstance(rule.destination_bucket, Unresolved) and not known:
        return None, f"has an unresolved destination bucket: {rule.destination_bucket.reason}"
    for found in known:
        if isinstance(found, Unresolved):
            return found, f"copies to bucket {name}, whose account is unresolved: {found.reason}"
    return None, f"copies to bucket {name}, whose account is not known"


def _rule_evidence(
    rule: ReplicationRule, account: Val[str] | None, gap: str | None
) -> dict[str, Any]:
    return {
        "rule": rule.rule_id,
        "destination_bucket": rule.destination_bucket,
        "destination_account": account,
        "owner_override": rule.owner_override,
        "enabled": rule.enabled,
        "prefix": rule.prefix,
        "tag_filter": list(rule.tag_filter),
        "delete_markers": rule.delete_markers,
        "sse_kms_objects": rule.sse_kms_objects,
        "replica_kms_key": rule.replica_kms_key,
        "role": rule.role,
        "forwards_every_object": gap is None,
        "why_not": gap,
    }


# --- AL-AUD-009 ------------------------------------------------------------------------


def _tamper(ctx: ScanContext) -> Iterator[Verdict]:
    for use in audit_buckets(ctx):
        judgement = audit_tamper(ctx, use)
        subject = bucket_subject(use)
        yield from_judgement(subject, judgement, bad=Answer.YES)


_ctl = ControlFactory(Layer.AUDIT, (Topic.AUDIT_LOGGING, Topic.RECORD_RETENTION))


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
        "Deliver CloudTrail logs to a bucket in a log-archive account of the Security OU; grant "
        "the workload account only s3:PutObject. Bedrock needs its invocation-log bucket in the "
        "workload account: replicate every object of it to the log-archive account (a rule "
        "without filter, AccessControlTranslation Owner=Destination and, for a KMS-encrypted "
        "bucket, SourceSelectionCriteria SseKmsEncryptedObjects Enabled with a ReplicaKmsKeyID).",
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

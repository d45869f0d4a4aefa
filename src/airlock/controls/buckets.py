"""The S3 buckets that hold Bedrock data, and what each one holds.

A bucket is referenced by an inventory id, or by the literal the user wrote: a bucket name,
``arn:aws:s3:::name`` (optionally with a key path) or ``s3://name/prefix``.

Buckets are found through what writes to them in the inventory (a logging configuration, a
trail, a data source), and through their own bucket policy, so that a template of the audit
account -- which holds the archive buckets but neither the trail nor the logging
configuration that writes to them -- is judged too:

* an Allow of ``s3:PutObject`` to ``cloudtrail.amazonaws.com``: a trail bucket;
* an Allow of ``s3:PutObject`` to ``bedrock.amazonaws.com``: an invocation-log bucket;
* an Allow of ``s3:ReplicateObject`` to a principal of another account, or the destination
  of a replication rule of an invocation-log bucket: a copy of audit records, which the
  reference architecture keeps under the same protection (Object Lock in COMPLIANCE mode,
  a customer-managed key).

The policy also tells whose records such a bucket receives (the accounts a trail writes
for, the account that replicates into it): AL-AUD-008 compares them with the bucket's own.
"""

from __future__ import annotations

import re
from enum import StrEnum

from msgspec import Struct

from airlock.controls.model import ResourceRef, ScanContext
from airlock.controls.statements import HOME_ACCOUNT, Statement, parse_policy, split_arn
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import DataSource, InvocationLogging
from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Inventory, Unresolved, Val


class BucketRole(StrEnum):
    INVOCATION_LOGS = "model invocation logs"
    INVOCATION_LARGE_DATA = "large invocation payloads"
    KNOWLEDGE_BASE_SOURCE = "knowledge-base source documents"
    TRAIL = "CloudTrail logs"
    #: objects S3 replicates into it from an invocation-log bucket or from another account
    AUDIT_REPLICA = "replicated audit records"


AUDIT_ROLES = frozenset(
    {
        BucketRole.INVOCATION_LOGS,
        BucketRole.INVOCATION_LARGE_DATA,
        BucketRole.TRAIL,
        BucketRole.AUDIT_REPLICA,
    }
)
_BEDROCK_WRITES = frozenset({BucketRole.INVOCATION_LOGS, BucketRole.INVOCATION_LARGE_DATA})


class BucketUse(Struct, frozen=True):
    """One referenced bucket: in the inventory (``bucket``) or only a literal (``ref``)."""

    ref: Val[str]
    bucket: S3Bucket | None
    roles: tuple[BucketRole, ...]
    #: ids of the resources that write or read it (trail, logging configuration, data source,
    #: the bucket that replicates into it)
    users: tuple[str, ...]
    #: for a trail bucket or a copy that no trail or logging configuration of the inventory
    #: writes to: the accounts whose records it receives, as its bucket policy or the
    #: replication rules of the inventory show them (the bucket's own account as
    #: ``bucket.account``; Unresolved: an account the policy does not pin, with why)
    sources: tuple[Val[str], ...] = ()
    #: for a copy outside the inventory: its account as the replication rule declares it
    declared_account: Val[str] | None = None

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


class _Entry(Struct):
    """What :func:`_collect` learns about one bucket before it becomes a :class:`BucketUse`."""

    ref: Val[str]
    bucket: S3Bucket | None
    roles: list[BucketRole]
    users: list[str]
    sources: list[Val[str]]
    declared_account: Val[str] | None = None


def _collect(inventory: Inventory) -> tuple[BucketUse, ...]:
    uses: dict[str, _Entry] = {}

    def add(
        ref: Val[str] | None, role: BucketRole, user: str | None, *sources: Val[str]
    ) -> _Entry | None:
        if ref is None:
            return None
        bucket = find_bucket(inventory, ref)
        if bucket is not None:
            key = bucket.id
        elif isinstance(ref, Unresolved):
            key = f"{user}:{role.value}"
        else:
            key = bucket_name(ref)
        entry = uses.setdefault(key, _Entry(ref, bucket, [], [], []))
        if role not in entry.roles:
            entry.roles.append(role)
        if user is not None and user not in entry.users:
            entry.users.append(user)
        entry.sources += [s for s in sources if s not in entry.sources]
        return entry

    for logging in inventory.of(InvocationLogging):
        add(logging.s3_bucket, BucketRole.INVOCATION_LOGS, logging.id)
        add(logging.large_data_bucket, BucketRole.INVOCATION_LARGE_DATA, logging.id)
    for source in inventory.of(DataSource):
        add(source.bucket, BucketRole.KNOWLEDGE_BASE_SOURCE, source.id)
    for trail in inventory.of(Trail):
        add(trail.s3_bucket, BucketRole.TRAIL, trail.id)
    for bucket in inventory.of(S3Bucket):
        for role, sources in _policy_roles(bucket):
            add(bucket.id, role, None, *sources)
    for key, entry in list(uses.items()):
        origin = entry.bucket
        if origin is None or not _BEDROCK_WRITES & set(entry.roles):
            continue
        account = origin.account
        if account is None:
            account = Unresolved(f"the account of bucket {origin.id} is not known")
        if isinstance(origin.replication, tuple):
            for rule in origin.replication:
                copy = add(rule.destination_bucket, BucketRole.AUDIT_REPLICA, key, account)
                if copy is not None and copy.bucket is None:
                    copy.declared_account = copy.declared_account or rule.destination_account
    writers = {r.id for r in (*inventory.of(InvocationLogging), *inventory.of(Trail))}
    return tuple(
        BucketUse(
            e.ref,
            e.bucket,
            tuple(e.roles),
            tuple(e.users),
            # a bucket a trail or Bedrock of this inventory writes to is judged by its writers
            () if _BEDROCK_WRITES & set(e.roles) or writers & set(e.users) else tuple(e.sources),
            e.declared_account,
        )
        for e in uses.values()
    )


# --- roles read from the bucket policy --------------------------------------------------

_CLOUDTRAIL = "cloudtrail.amazonaws.com"
_BEDROCK = "bedrock.amazonaws.com"
_ACCOUNT = re.compile(r"[0-9]{12}")
#: ``AWSLogs/<account>/`` or, for an organization trail, ``AWSLogs/<org id>/<account>/``
_AWSLOGS = re.compile(r"/AWSLogs/([^/]+)(?:/([^/]+))?")


def _policy_roles(bucket: S3Bucket) -> list[tuple[BucketRole, tuple[Val[str], ...]]]:
    """(role, the accounts whose records it receives) for what the bucket policy admits."""
    policy = parse_policy(bucket.policy)
    if policy is None or isinstance(policy, Unresolved):
        return []
    found: list[tuple[BucketRole, tuple[Val[str], ...]]] = []
    for stmt in policy.allows:
        if stmt.not_principal:
            continue
        services = stmt.principal_values("Service")
        if stmt.covers_action("s3:PutObject") is True:
            if _CLOUDTRAIL in services:
                found.append((BucketRole.TRAIL, _trail_accounts(stmt, bucket.account)))
            if _BEDROCK in services:
                found.append((BucketRole.INVOCATION_LOGS, ()))
        if stmt.covers_action("s3:ReplicateObject") is True:
            accounts = _principal_accounts(stmt, bucket.account)
            # a bucket of the same account needs no policy to receive replicas: a grant to
            # another account's principal is what marks the copy of records kept elsewhere
            if any(a != bucket.account for a in accounts):
                found.append((BucketRole.AUDIT_REPLICA, accounts))
    return found


def _account(value: str, home: Val[str] | None, what: str) -> Val[str]:
    """One account as a policy writes it (``${AWS::AccountId}``: the bucket's own)."""
    if value == HOME_ACCOUNT:
        return home if home is not None else Unresolved("the bucket's own account is not known")
    if _ACCOUNT.fullmatch(value):
        return value
    return Unresolved(f"the bucket policy admits {what} '{value}', which is not one account")


def _trail_accounts(stmt: Statement, home: Val[str] | None) -> tuple[Val[str], ...]:
    """The accounts a trail may write logs for: pinned by ``aws:SourceAccount`` or
    ``aws:SourceArn`` (an organization trail's: the management account that owns it), else
    read from the ``AWSLogs/<account>/`` key path the statement allows."""
    pinned = [c for c in stmt.conditions_on("aws:SourceAccount", "aws:SourceArn") if not c.negated]
    written: list[str] = []
    for clause in pinned:
        if clause.unresolved:
            return (
                Unresolved("the bucket policy pins the writing trail with an unresolved value"),
            )
        for value in clause.values:
            parts = split_arn(value) if clause.on("aws:SourceArn") else None
            written.append(parts[4] if parts is not None else value)
    if not written and not stmt.not_resource:
        for resource in stmt.resources:
            match = _AWSLOGS.search(resource)
            if match is None:
                continue
            first, second = match.group(1), match.group(2)
            written.append(second if first.startswith("o-") and second else first)
    if not written:
        return (
            Unresolved("the bucket policy does not say which accounts' logs CloudTrail writes"),
        )
    return tuple(dict.fromkeys(_account(v, home, "CloudTrail logs of") for v in written))


def _principal_accounts(stmt: Statement, home: Val[str] | None) -> tuple[Val[str], ...]:
    """The accounts of the principals a statement allows (an ARN's account segment)."""
    found: list[Val[str]] = []
    for kind, value in stmt.principals:
        if kind not in ("AWS", "*"):
            continue
        parts = split_arn(value)
        found.append(_account(parts[4] if parts is not None else value, home, "replicas from"))
    if "Principal" in stmt.unresolved:
        found.append(Unresolved("the bucket policy names an unresolved principal"))
    return tuple(dict.fromkeys(found))

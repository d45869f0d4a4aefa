"""Can anyone in the workload account delete or weaken the audit trail? -- pattern level.

:func:`audit_tamper` is the one place that answers it for one audit bucket (YES is bad). It
looks for *tamper actions* granted on the bucket or its objects (policy.md §1.4):
deleting object versions, bypassing governance retention, shortening retention or lifting a
legal hold, replacing the lifecycle, Object Lock, versioning or bucket policy. Object Lock in
COMPLIANCE mode with enough retention makes the deletion paths impossible for locked records,
which leaves the paths that weaken the protection of future records (Object Lock
configuration, bucket policy).

Grants come from identity policies of principals in the inventory and from the bucket policy;
an explicit Deny in the principal's policies or in the bucket policy (``Principal: "*"``, no
condition other than an ``aws:PrincipalArn`` exemption that does not match) neutralizes one.

What the pattern check cannot see keeps the answer open: principals outside the inventory,
and the account root, which S3 always lets replace a bucket policy of its own account (only an
SCP or a separate account stops it). So a bucket in the workload account is never cleared
here: the answer is YES with the granting statement, or UNKNOWN until the policy evaluator
is wired in. A bucket in another account is cleared when its policy grants the workload
account no tamper action.
"""

from __future__ import annotations

from dataclasses import dataclass

from airlock.controls.buckets import BucketUse, bucket_arn
from airlock.controls.invocation import principal_matches
from airlock.controls.judgement import Judgement, no, undecided, yes
from airlock.controls.key_policy import root_account
from airlock.controls.model import ScanContext
from airlock.controls.principals import Principal, policy_set, principals
from airlock.controls.statements import (
    HOME_ACCOUNT,
    ParsedPolicy,
    Statement,
    arn_match,
    arns_intersect,
    parse_policy,
)
from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Resource, Unresolved


@dataclass(frozen=True)
class TamperAction:
    action: str
    on_objects: bool
    #: COMPLIANCE-mode retention makes it harmless for locked records
    locked_out: bool


TAMPER_ACTIONS = (
    TamperAction("s3:DeleteObjectVersion", True, True),
    TamperAction("s3:DeleteObject", True, True),
    TamperAction("s3:BypassGovernanceRetention", True, True),
    TamperAction("s3:PutObjectRetention", True, True),
    TamperAction("s3:PutObjectLegalHold", True, True),
    TamperAction("s3:PutLifecycleConfiguration", False, True),
    TamperAction("s3:PutBucketVersioning", False, True),
    TamperAction("s3:DeleteBucket", False, True),
    TamperAction("s3:PutBucketObjectLockConfiguration", False, False),
    TamperAction("s3:PutBucketPolicy", False, False),
    TamperAction("s3:DeleteBucketPolicy", False, False),
)


def relevant_actions(bucket: S3Bucket, min_days: int) -> tuple[TamperAction, ...]:
    locked = (
        bucket.object_lock_mode == "COMPLIANCE"
        and isinstance(bucket.object_lock_days, int)
        and bucket.object_lock_days >= min_days
    )
    versioned = bucket.versioning == "Enabled" or bucket.object_lock_enabled is True
    out = []
    for item in TAMPER_ACTIONS:
        if locked and item.locked_out:
            continue
        if item.action == "s3:DeleteObject" and versioned:
            continue  # only writes a delete marker on a versioned bucket
        out.append(item)
    return tuple(out)


def audit_tamper(ctx: ScanContext, use: BucketUse) -> Judgement:
    """Can a principal of the workload account delete or weaken this audit bucket? (YES is bad)"""
    bucket = use.bucket
    if bucket is None:
        return undecided(
            f"Bucket {use.name} is not in this inventory, so who can change it cannot be read.",
        )
    actions = relevant_actions(bucket, ctx.settings.min_retention_days)
    arn = bucket_arn(bucket)
    bucket_policy = parse_policy(bucket.policy)
    doubts: list[str] = []
    if isinstance(bucket_policy, Unresolved):
        doubts.append(f"the bucket policy is unresolved ({bucket_policy.reason})")
        bucket_policy = None
    home = _workload_account(ctx, use)
    separate = isinstance(bucket.account, str) and home is not None and bucket.account != home
    if separate:
        return _cross_account(bucket, bucket_policy, actions, arn, home or "", doubts)
    for principal in principals(ctx.inventory):
        found = _identity_grant(ctx, principal, actions, arn, bucket_policy, doubts)
        if found is not None:
            return found
    if bucket_policy is not None:
        for stmt in bucket_policy.allows:
            hit = _grants(stmt, actions, arn)
            if hit is True and _same_account_grantee(stmt, home):
                return yes(
                    f"The policy of bucket {bucket.id} grants a tamper action to principals of the workload account.",
                    statement=stmt.shown(),
                )
    reason = "; ".join(doubts[:2]) + "; " if doubts else ""
    return undecided(
        f"No policy in this inventory grants a tamper action on bucket {bucket.id}, but {reason}principals outside the inventory and the account root (which can always replace a bucket policy in its own account) are not evaluated yet.",
        actions=[a.action for a in actions],
    )


def _workload_account(ctx: ScanContext, use: BucketUse) -> str | None:
    for user_id in use.users:
        writer = ctx.inventory.get(user_id, Resource)
        if writer is not None and isinstance(writer.account, str):
            return writer.account
    home = ctx.inventory.source.account
    return home if isinstance(home, str) else None


def _targets(item: TamperAction, arn: str | None) -> str | None:
    if arn is None:
        return None
    return f"{arn}/*" if item.on_objects else arn


def _grants(stmt: Statement, actions: tuple[TamperAction, ...], arn: str | None) -> bool | None:
    """Whether an Allow statement grants one of ``actions`` on the bucket (None: cannot tell)."""
    answer: bool | None = False
    for item in actions:
        covers = stmt.covers_action(item.action)
        if covers is False:
            continue
        reach = _reaches(stmt, _targets(item, arn))
        if covers is True and reach is True:
            return True
        if reach is not False:
            answer = None
    return answer


def _reaches(stmt: Statement, target: str | None) -> bool | None:
    if stmt.not_resource:
        return None
    if "*" in stmt.resources:
        return True
    if target is None:
        s3 = [r for r in stmt.resources if r.startswith("arn:aws:s3:::") or r.startswith("arn:*")]
        return None if s3 or "Resource" in stmt.unresolved else False
    if any(arns_intersect(r, target) for r in stmt.resources):
        return True
    return None if "Resource" in stmt.unresolved else False


def _identity_grant(
    ctx: ScanContext,
    principal: Principal,
    actions: tuple[TamperAction, ...],
    arn: str | None,
    bucket_policy: ParsedPolicy | None,
    doubts: list[str],
) -> Judgement | None:
    ps = policy_set(ctx, principal)
    if ps.problems:
        doubts.append(f"{principal.id} has unreadable policies")
    for policy, stmt in ps.allows():
        for item in actions:
            if stmt.covers_action(item.action) is not True:
                continue
            reach = _reaches(stmt, _targets(item, arn))
            if reach is None:
                doubts.append(f"{policy.name} statement {stmt.index} may reach the bucket")
                continue
            if not reach:
                continue
            denied = _denied(principal, item, arn, [s for _, s in ps.denies()], bucket_policy)
            if denied is True:
                continue
            if denied is None:
                doubts.append(f"a conditional deny may stop {item.action} for {principal.id}")
                continue
            return yes(
                f"{principal.id} may call {item.action} on the audit bucket through {policy.name}.",
                principal=principal.id,
                action=item.action,
                policy=policy.name,
                statement=stmt.shown(),
            )
    return None


def _denied(
    principal: Principal,
    item: TamperAction,
    arn: str | None,
    identity_denies: list[Statement],
    bucket_policy: ParsedPolicy | None,
) -> bool | None:
    target = _targets(item, arn)
    answer: bool | None = False
    candidates = list(identity_denies)
    if bucket_policy is not None:
        candidates += [s for s in bucket_policy.denies if s.open_principal]
    for deny in candidates:
        if deny.covers_action(item.action) is not True or deny.not_resource:
            continue
        if not (
            "*" in deny.resources
            or (target is not None and any(arn_match(d, target) for d in deny.resources))
        ):
            continue
        if not deny.conditions:
            return True
        exempt = [c for c in deny.conditions if c.on("aws:PrincipalArn") and c.negated]
        if len(exempt) == len(deny.conditions):
            matched = principal_matches(principal, tuple(v for c in exempt for v in c.values))
            if matched is False:
                return True
            if matched is None:
                answer = None
        else:
            answer = None
    return answer


def _same_account_grantee(stmt: Statement, home: str | None) -> bool:
    for kind, value in stmt.principals:
        if value == "*" and kind in ("*", "AWS") and not stmt.conditions:
            return True
        if kind != "AWS":
            continue
        account = root_account(value)
        if account == HOME_ACCOUNT:
            return True
        if home is not None and (account == home or f":{home}:" in value):
            return True
    return False


def _cross_account(
    bucket: S3Bucket,
    bucket_policy: ParsedPolicy | None,
    actions: tuple[TamperAction, ...],
    arn: str | None,
    home: str,
    doubts: list[str],
) -> Judgement:
    if bucket.policy is None:
        return no(
            f"Bucket {bucket.id} is in account {bucket.account} and has no bucket policy, so the workload account {home} cannot reach it.",
        )
    if bucket_policy is None:
        return undecided(f"Bucket {bucket.id} is in account {bucket.account}, but {doubts[0]}.")
    for stmt in bucket_policy.allows:
        hit = _grants(stmt, actions, arn)
        if hit is False:
            continue
        if _same_account_grantee(stmt, home) or stmt.open_principal:
            if hit is True:
                return yes(
                    f"The policy of bucket {bucket.id} (account {bucket.account}) grants a tamper action to the workload account {home}.",
                    statement=stmt.shown(),
                )
            doubts.append(f"bucket policy statement {stmt.index} may grant a tamper action")
    if doubts:
        return undecided(f"Bucket {bucket.id} is in account {bucket.account}, but {doubts[0]}.")
    return no(
        f"Bucket {bucket.id} is in account {bucket.account}, and its policy grants the workload account {home} no tamper action.",
        actions=[a.action for a in actions],
    )

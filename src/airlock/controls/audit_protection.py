"""Can anyone in the workload account delete or weaken the audit trail? -- evaluated.

:func:`audit_tamper` answers it for one audit bucket (YES is bad). For every *tamper action*
(policy.md §1.4: deleting object versions, bypassing governance retention, changing retention
or legal holds, replacing the lifecycle, Object Lock, versioning or bucket policy, deleting
the bucket) it asks the policy evaluator whether a principal of the workload account can call
it on the bucket (bucket-level actions) or on some object of it (object-level actions),
through identity policies, permissions boundary, bucket policy, SCPs and RCPs:

* every role and user of the inventory in the workload account: ALLOW is a FAIL with the
  counterexample request and the deciding statements;
* the account root user, and a principal of the workload account that the inventory does not
  list (any ARN, any tag, full identity permissions; skipped when the inventory is a complete
  scan of IAM): ALLOW is a FAIL when the bucket policy itself grants the action to them (its
  Allow is among the deciding statements), else UNKNOWN -- an SCP this inventory does not
  hold may stop the root, and an IaC scan cannot rule the other principals out. A Deny of the
  bucket policy for ``Principal: "*"`` without an exemption they could satisfy makes the
  answer DENY, except that S3 always lets the bucket owner's root user get, put and delete
  the bucket policy (only an SCP stops that, so it stays UNKNOWN without one).

A bucket whose account is unresolved and not the writers' (a Terraform provider assuming a
role the plan does not show) is evaluated as the workload's, but a grant that would not
also reach it from another account -- an identity policy alone -- is UNKNOWN, not a FAIL.

Object Lock in COMPLIANCE mode with enough retention makes the deletion paths harmless for
locked records (nobody, the root user included, can delete a locked version or shorten its
retention), and ``s3:DeleteObject`` without a version only writes a delete marker on a
versioned bucket: such actions are still evaluated and shown, but cannot fail the bucket.
"""

from __future__ import annotations

from typing import Any

from msgspec import Struct

from airlock.analysis.policy import (
    Answer,
    ContextInput,
    PolicyDocument,
    PolicyKind,
    PrincipalKind,
    Verdict,
    open_principals,
)
from airlock.controls.authorization import Authorization, Subject, authorization
from airlock.controls.buckets import BucketUse, bucket_arn
from airlock.controls.deploy_tokens import for_evaluator, shown, shown_value
from airlock.controls.judgement import Judgement, no, undecided, yes
from airlock.controls.model import ScanContext
from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Resource, Unresolved

#: an account other than the workload's, standing for a bucket account that is unresolved
_ELSEWHERE = "000000000002"


class TamperAction(Struct, frozen=True):
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


def harmless(bucket: S3Bucket, item: TamperAction, min_days: int) -> str | None:
    """Why ``item`` cannot destroy records of ``bucket`` whatever the policies say, if so."""
    days = bucket.object_lock_days
    if (
        item.locked_out
        and bucket.object_lock_mode == "COMPLIANCE"
        and isinstance(days, int)
        and days >= min_days
    ):
        return f"Object Lock COMPLIANCE keeps every version for {days} days (at least the required {min_days}); nobody, the root user included, can delete it or shorten its retention"
    versioned = bucket.versioning == "Enabled" or bucket.object_lock_enabled is True
    if item.action == "s3:DeleteObject" and versioned:
        return "on a versioned bucket it only writes a delete marker"
    return None


class _Outcome(Struct, frozen=True):
    item: TamperAction
    subject: Subject
    answer: Answer
    grade: str  # "fail", "unknown", "harmless"
    why: str


def unresolved_owner(ctx: ScanContext, use: BucketUse) -> Unresolved | None:
    """The bucket's account when it is unresolved and may differ from its writers'.

    An unresolved account equal to a writer's is the same unknown account (every resource of
    a template is in its stack's account); any other may be a separate account.
    """
    bucket = use.bucket
    if bucket is None or not isinstance(bucket.account, Unresolved):
        return None
    writers = [ctx.inventory.get(user_id, Resource) for user_id in use.users]
    if any(w is not None and w.account == bucket.account for w in writers):
        return None
    return bucket.account


def audit_tamper(ctx: ScanContext, use: BucketUse) -> Judgement:
    """Can a principal of the workload account delete or weaken this audit bucket? (YES is bad)"""
    bucket = use.bucket
    if bucket is None:
        return undecided(
            f"Bucket {use.name} is not in this inventory, so who can change it cannot be read.",
        )
    arn = bucket_arn(bucket)
    if arn is None:
        return undecided(f"The name of bucket {bucket.id} is unresolved, so its ARN is unknown.")
    auth = authorization(ctx)
    home = _workload_account(ctx, use, auth)
    owner = for_evaluator(bucket.account) if isinstance(bucket.account, str) else home
    policy = None
    if bucket.policy is not None:
        policy = auth.book.attached(bucket.policy, PolicyKind.RESOURCE, "bucket policy")
    subjects = _workload_subjects(auth, home, policy)
    outcomes: list[_Outcome] = []
    checked: list[dict[str, Any]] = []
    for item in TAMPER_ACTIONS:
        why_harmless = harmless(bucket, item, ctx.settings.min_retention_days)
        target = for_evaluator(f"{arn}/*" if item.on_objects else arn)
        found = _judge_action(auth, item, target, owner, policy, subjects, why_harmless)
        outcomes += found
        checked.append(_summary(auth, item, found, why_harmless))
    opened = _open_grants(auth, bucket, arn, policy, (home, owner), ctx.settings.min_retention_days)
    if opened is not None:
        return opened
    failing = next((o for o in outcomes if o.grade == "fail"), None)
    elsewhere = unresolved_owner(ctx, use)
    if (
        failing is not None
        and elsewhere is not None
        and not _reaches_elsewhere(auth, failing, policy, arn)
    ):
        who = (
            failing.subject.resource.id
            if failing.subject.resource is not None
            else failing.subject.label
        )
        return undecided(
            f"{who} may call {failing.item.action} on bucket {bucket.id} if it is in the workload account, but its account is unresolved: {elsewhere.reason}.",
            actions=checked,
            proof=auth.evidence(failing.answer),
        )
    if failing is not None:
        return _failed(auth, bucket, failing, checked)
    doubtful = next((o for o in outcomes if o.grade == "unknown"), None)
    if doubtful is not None:
        return undecided(
            f"No principal of this inventory can delete or weaken bucket {bucket.id}, but {doubtful.why}.",
            actions=checked,
            proof=auth.evidence(doubtful.answer),
        )
    where = "" if owner == home else " (it is in another account)"
    return no(
        f"No principal of the workload account can delete or weaken bucket {bucket.id}{where}: every tamper action is denied or cannot touch locked records.",
        actions=checked,
    )


def _open_grants(
    auth: Authorization,
    bucket: S3Bucket,
    arn: str,
    policy: PolicyDocument | None,
    trusted: tuple[str, ...],
    min_days: int,
) -> Judgement | None:
    """A bucket-policy Allow of a tamper action open to anyone in any account."""
    if policy is None:
        return None
    for item in open_principals(policy, trusted_accounts=trusted):
        if item.status is not Verdict.ALLOW:
            continue
        stmt = policy.statements[item.ref.index]
        for action in TAMPER_ACTIONS:
            if harmless(bucket, action, min_days) is not None:
                continue
            target = for_evaluator(f"{arn}/x" if action.on_objects else arn)
            if stmt.actions is not None and not stmt.actions.matches_static(action.action):
                continue
            if (
                stmt.resources is not None
                and not stmt.resources.variables
                and not stmt.resources.matches_static(target)
            ):
                continue
            who = (
                "anyone in any account"
                if item.principal == "*"
                else f"account {shown(item.principal)}"
            )
            return yes(
                f"The policy of bucket {bucket.id} lets {who} call {action.action} with no condition that pins the caller.",
                action=action.action,
                statement=auth.book.written(item.ref).get("statement"),
                counterexample=shown_value(dict(item.context)),
            )
    return None


def _workload_account(ctx: ScanContext, use: BucketUse, auth: Authorization) -> str:
    for user_id in use.users:
        writer = ctx.inventory.get(user_id, Resource)
        if writer is not None and isinstance(writer.account, str):
            return for_evaluator(writer.account)
    return auth.account


def _workload_subjects(
    auth: Authorization, home: str, policy: PolicyDocument | None
) -> list[tuple[Subject, dict[str, ContextInput] | None, bool]]:
    """(subject, fixed context, listed in the inventory) for the workload account."""
    found: list[tuple[Subject, dict[str, ContextInput] | None, bool]] = [
        (auth.root(home), None, False)
    ]
    found += [(s, None, True) for s in auth.subjects() if s.principal.account == home]
    if not auth.complete and home == auth.account:
        docs = [policy, *(doc for level in auth.policy_set(auth.unlisted()).scps for doc in level)]
        context = auth.unlisted_context()
        found += [(s, context, False) for s in auth.unlisted_variants(docs)]
    return found


def _judge_action(
    auth: Authorization,
    item: TamperAction,
    target: str,
    owner: str,
    policy: PolicyDocument | None,
    subjects: list[tuple[Subject, dict[str, ContextInput] | None, bool]],
    why_harmless: str | None,
) -> list[_Outcome]:
    out: list[_Outcome] = []
    for subject, context, listed in subjects:
        if (
            listed
            and not auth.might_allow(subject, item.action)
            and not auth.named_by(policy, item.action, subject)
        ):
            continue
        answer = auth.ask(
            subject, item.action, target, resource_policy=policy, resource_account=owner,
            rcp_service=True, context=context,
        )  # fmt: skip
        if answer.status is Verdict.DENY:
            continue
        grade, why = _grade(auth, item, subject, answer, listed)
        if why_harmless is not None:
            grade, why = "harmless", f"{why_harmless}"
        out.append(_Outcome(item, subject, answer, grade, why))
    return out


def _reaches_elsewhere(
    auth: Authorization, failing: _Outcome, policy: PolicyDocument | None, arn: str
) -> bool:
    """Whether a failing grant also holds when the bucket is in another account."""
    item = failing.item
    target = for_evaluator(f"{arn}/*" if item.on_objects else arn)
    answer = auth.ask(
        failing.subject, item.action, target, resource_policy=policy,
        resource_account=_ELSEWHERE, rcp_service=True,
    )  # fmt: skip
    return answer.status is Verdict.ALLOW


def _grade(
    auth: Authorization, item: TamperAction, subject: Subject, answer: Answer, listed: bool
) -> tuple[str, str]:
    if answer.status is Verdict.UNKNOWN:
        return (
            "unknown",
            f"whether {subject.label} can call {item.action} cannot be decided ({auth.reason(answer)})",
        )
    if listed or auth.first_statement(answer, PolicyKind.RESOURCE) is not None:
        return "fail", ""
    if subject.principal.kind is PrincipalKind.ROOT:
        why = f"the account root user can call {item.action} unless an SCP outside this inventory denies it"
        if item.action in _ROOT_ALWAYS:
            why += (
                " (S3 lets the bucket owner's root change its bucket policy despite a Deny in it)"
            )
        return "unknown", why
    return (
        "unknown",
        f"{subject.label} with permissions to call {item.action} would not be stopped by any policy here",
    )


_ROOT_ALWAYS = frozenset({"s3:PutBucketPolicy", "s3:DeleteBucketPolicy"})


def _summary(
    auth: Authorization, item: TamperAction, found: list[_Outcome], why_harmless: str | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"action": item.action}
    if not found:
        out["result"] = "denied to every principal of the workload account"
    else:
        out["result"] = "may be allowed" if why_harmless is None else "allowed but harmless"
        out["principals"] = [
            {
                "principal": o.subject.arn if o.subject.resource is not None else o.subject.label,
                "status": o.answer.status.value,
            }
            for o in found[:5]
        ]
    if why_harmless is not None:
        out["note"] = why_harmless
    return out


def _failed(
    auth: Authorization, bucket: S3Bucket, failing: _Outcome, checked: list[dict[str, Any]]
) -> Judgement:
    answer = failing.answer
    subject = failing.subject
    proof = auth.evidence(answer)
    granted = auth.first_statement(answer, PolicyKind.IDENTITY, PolicyKind.RESOURCE) or {}
    who = subject.resource.id if subject.resource is not None else subject.label
    via = granted.get("policy", "its policies")
    bucket_grant = granted.get("ref", "").startswith("resource")
    reason = (
        f"The policy of bucket {bucket.id} grants {failing.item.action} to {who} of the workload account, and no deny stops it."
        if bucket_grant
        else f"{who[:1].upper() + who[1:]} may call {failing.item.action} on the audit bucket through {via}."
    )
    return yes(
        reason,
        principal=who,
        action=failing.item.action,
        policy=via,
        statement=granted.get("statement"),
        counterexample={
            "action": answer.action,
            "resource": proof["resource"],
            **proof.get("counterexample", {}),
        },
        proof=proof,
        actions=checked,
    )

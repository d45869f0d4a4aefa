"""AL-AUD-007..009: Object Lock, a separate account, nobody able to tamper."""

from __future__ import annotations

from typing import Any

import pytest
from control_fixtures import ACCOUNT, OTHER, U, allow, deny, doc, inv, live, run, status, verdict

from airlock.controls.model import Settings, Status
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.encryption import ReplicationRule, S3Bucket
from airlock.inventory.identity import Role
from airlock.inventory.model import NamedPolicy, Unresolved

LOGGING = InvocationLogging(id="Logging", native_type="Custom::Logging", s3_bucket="Logs")
SEVEN_YEARS = {
    "object_lock_enabled": True,
    "object_lock_mode": "COMPLIANCE",
    "object_lock_days": 2555,
}


def bucket(**kw: Any) -> S3Bucket:
    return S3Bucket(id="Logs", native_type="AWS::S3::Bucket", bucket_name="audit-logs", **kw)


# --- AL-AUD-007 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lock", "expected", "words"),
    [
        (SEVEN_YEARS, Status.PASS, "COMPLIANCE"),
        ({}, Status.FAIL, "no Object Lock"),
        ({"object_lock_enabled": True}, Status.FAIL, "without a default retention"),
        (
            {**SEVEN_YEARS, "object_lock_mode": "GOVERNANCE"},
            Status.FAIL,
            "BypassGovernanceRetention",
        ),
        ({**SEVEN_YEARS, "object_lock_days": 30}, Status.FAIL, "less than the required"),
        ({**SEVEN_YEARS, "object_lock_days": U}, Status.UNKNOWN, "unresolved"),
    ],
)
def test_object_lock(lock: dict[str, Any], expected: Status, words: str) -> None:
    found = verdict(
        "AL-AUD-007", inv(LOGGING, bucket(**lock)), "Logs", Settings(min_retention_days=2555)
    )
    assert found.status is expected
    assert words in found.reason


def test_object_lock_of_a_bucket_outside_the_inventory_is_unknown() -> None:
    trail = Trail(id="Trail", native_type="AWS::CloudTrail::Trail", s3_bucket="org-trail-bucket")
    assert status("AL-AUD-007", inv(trail), "org-trail-bucket") is Status.UNKNOWN


# --- AL-AUD-008 ----------------------------------------------------------------------


def test_trail_bucket_created_with_the_workload_fails() -> None:
    trail = Trail(id="Trail", native_type="AWS::CloudTrail::Trail", s3_bucket="Logs")
    found = verdict("AL-AUD-008", inv(trail, bucket()), "Logs")
    assert found.status is Status.FAIL
    assert found.evidence["written_by"] == ["Trail"]


def test_an_unresolved_bucket_account_is_separate_only_when_it_differs() -> None:
    # one template: every resource is in the stack's unresolved account
    stack = Unresolved("the account is chosen at deploy time")
    trail = Trail(id="Trail", native_type="AWS::CloudTrail::Trail", s3_bucket="Logs", account=stack)
    assert status("AL-AUD-008", inv(trail, bucket(account=stack)), "Logs") is Status.FAIL
    # a Terraform provider that assumes a role the plan does not show
    other = Unresolved("provider 'aws.audit' has credentials of its own")
    found = verdict("AL-AUD-008", inv(trail, bucket(account=other)), "Logs")
    assert found.status is Status.UNKNOWN
    assert "may be in another account" in found.reason and other.reason in found.reason


def test_invocation_log_bucket_must_be_local_so_forwarding_is_unknown() -> None:
    found = verdict("AL-AUD-008", inv(LOGGING, bucket()), "Logs")
    assert found.status is Status.UNKNOWN
    assert "S3 replication" in found.reason


def test_bucket_in_another_account_passes() -> None:
    assert status("AL-AUD-008", inv(LOGGING, bucket(account=OTHER)), "Logs") is Status.PASS


def test_referenced_bucket() -> None:
    logging = InvocationLogging(
        id="Logging", native_type="Custom::Logging", s3_bucket="arn:aws:s3:::archive-logs"
    )
    assert status("AL-AUD-008", inv(logging), "arn:aws:s3:::archive-logs") is Status.UNKNOWN
    assert status("AL-AUD-008", live(logging), "arn:aws:s3:::archive-logs") is Status.PASS
    lost = InvocationLogging(id="Lost", native_type="Custom::Logging", s3_bucket=U)
    assert [v.status for v in run("AL-AUD-008", inv(lost))] == [Status.UNKNOWN]


ARCHIVE = "arn:aws:s3:::audit-archive"


def replicated(*rules: ReplicationRule, **kw: Any) -> S3Bucket:
    return bucket(replication=rules, **kw)


def rule(**kw: Any) -> ReplicationRule:
    """An enabled rule copying every object to the archive in OTHER, which owns the replicas."""
    base: dict[str, Any] = {
        "destination_bucket": ARCHIVE,
        "destination_account": OTHER,
        "owner_override": True,
        "enabled": True,
        "rule_id": "to-archive",
    }
    return ReplicationRule(**{**base, **kw})


def test_invocation_logs_replicated_to_another_account_pass() -> None:
    found = verdict("AL-AUD-008", inv(LOGGING, replicated(rule(prefix=""))), "Logs")
    assert found.status is Status.PASS
    assert OTHER in found.reason and "replication rule to-archive" in found.reason
    [judged] = found.evidence["replication_rules"]
    assert judged["destination_account"] == OTHER and judged["forwards_every_object"] is True


def test_the_destination_account_may_come_from_the_destination_bucket() -> None:
    archive = S3Bucket(id="Archive", native_type="aws_s3_bucket", arn=ARCHIVE, account=OTHER)
    logs = replicated(rule(destination_bucket="Archive", destination_account=None))
    assert status("AL-AUD-008", inv(LOGGING, logs, archive), "Logs") is Status.PASS
    # the destination bucket is created with the workload: the logs never leave its account
    local = S3Bucket(id="Archive", native_type="aws_s3_bucket", arn=ARCHIVE, account=ACCOUNT)
    found = verdict("AL-AUD-008", inv(LOGGING, logs, local), "Logs")
    assert found.status is Status.UNKNOWN and "in the workload account" in found.reason
    # a declared account the destination bucket contradicts
    conflict = replicated(rule(destination_bucket="Archive", destination_account=ACCOUNT))
    found = verdict("AL-AUD-008", inv(LOGGING, conflict, archive), "Logs")
    assert found.status is Status.UNKNOWN and f"is in account {OTHER}" in found.reason


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"owner_override": None}, "owner of the replicas"),
        ({"owner_override": U}, "unresolved replica owner"),
        ({"destination_account": None}, "whose account is not known"),
        ({"destination_account": U}, "whose account is unresolved"),
        ({"destination_account": None, "destination_bucket": U}, "unresolved destination bucket"),
        ({"prefix": "bedrock/"}, "only keys under 'bedrock/'"),
        ({"tag_filter": ("env=prod",)}, "only objects tagged env=prod"),
        ({"prefix": U}, "unresolved filter"),
        ({"enabled": U}, "unresolved status"),
        ({"enabled": False}, "is disabled"),
        ({"destination_account": ACCOUNT}, "in the workload account"),
    ],
)
def test_replication_that_does_not_prove_a_separate_copy_is_unknown(
    changes: dict[str, Any], words: str
) -> None:
    found = verdict("AL-AUD-008", inv(LOGGING, replicated(rule(**changes))), "Logs")
    assert found.status is Status.UNKNOWN
    assert words in found.reason
    assert found.evidence["replication_rules"][0]["forwards_every_object"] is False


def test_replication_needs_a_known_workload_account() -> None:
    found = verdict("AL-AUD-008", inv(LOGGING, replicated(rule()), account=None), "Logs")
    assert found.status is Status.UNKNOWN and "workload account is not known" in found.reason


def test_unresolved_or_competing_replication_is_unknown() -> None:
    found = verdict("AL-AUD-008", inv(LOGGING, bucket(replication=U)), "Logs")
    assert (
        found.status is Status.UNKNOWN and "replication configuration is unresolved" in found.reason
    )
    # a second rule to the same bucket that keeps the workload account as replica owner
    rival = rule(rule_id="tmp", prefix="tmp/", owner_override=None, priority=2)
    found = verdict("AL-AUD-008", inv(LOGGING, replicated(rule(priority=1), rival)), "Logs")
    assert found.status is Status.UNKNOWN and "replication rule tmp" in found.reason
    # a filtered rule next to a whole-bucket one to another account is harmless
    partial = rule(
        rule_id="dr", prefix="x/", destination_bucket="arn:aws:s3:::dr", owner_override=None
    )
    assert status("AL-AUD-008", inv(LOGGING, replicated(partial, rule())), "Logs") is Status.PASS


def test_replication_does_not_excuse_a_trail_bucket_in_the_workload_account() -> None:
    trail = Trail(id="Trail", native_type="AWS::CloudTrail::Trail", s3_bucket="Logs")
    found = verdict("AL-AUD-008", inv(trail, replicated(rule())), "Logs")
    assert found.status is Status.FAIL  # CloudTrail delivers to another account directly


# --- AL-AUD-009 ----------------------------------------------------------------------

ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess"


def role(*statements: dict[str, Any], **kw: Any) -> Role:
    return Role(
        id="Ops",
        native_type="AWS::IAM::Role",
        name="ops",
        inline_policies=(NamedPolicy("ops", doc(*statements)),),
        **kw,
    )


def test_identity_policy_that_can_delete_versions_fails() -> None:
    ops = role(allow("s3:DeleteObjectVersion", "arn:aws:s3:::audit-logs/*"))
    found = verdict("AL-AUD-009", inv(LOGGING, bucket(), ops), "Logs")
    assert found.status is Status.FAIL
    assert found.evidence["action"] == "s3:DeleteObjectVersion"
    assert found.evidence["statement"]["Resource"] == "arn:aws:s3:::audit-logs/*"


def test_administrator_can_weaken_even_a_compliance_bucket() -> None:
    admin = Role(id="Admin", native_type="AWS::IAM::Role", managed_policies=(ADMIN,))
    found = verdict(
        "AL-AUD-009",
        inv(LOGGING, bucket(**SEVEN_YEARS), admin),
        "Logs",
        Settings(min_retention_days=2555),
    )
    assert found.status is Status.FAIL
    assert found.evidence["action"] == "s3:PutBucketObjectLockConfiguration"


def test_compliance_lock_neutralizes_deletion_but_not_the_root_path() -> None:
    ops = role(
        allow(
            ["s3:DeleteObjectVersion", "s3:PutLifecycleConfiguration"], "arn:aws:s3:::audit-logs*"
        )
    )
    found = verdict(
        "AL-AUD-009",
        inv(LOGGING, bucket(**SEVEN_YEARS), ops),
        "Logs",
        Settings(min_retention_days=2555),
    )
    assert found.status is Status.UNKNOWN
    assert "account root" in found.reason


def test_bucket_policy_deny_neutralizes_an_identity_grant() -> None:
    guard = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": [
            "s3:DeleteObject*",
            "s3:PutBucketPolicy",
            "s3:PutLifecycleConfiguration",
            "s3:PutBucketObjectLockConfiguration",
            "s3:BypassGovernanceRetention",
            "s3:PutObjectRetention",
            "s3:PutObjectLegalHold",
            "s3:PutBucketVersioning",
            "s3:DeleteBucket*",
        ],
        "Resource": ["arn:aws:s3:::audit-logs", "arn:aws:s3:::audit-logs/*"],
        "Condition": {
            "ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/break-glass"}
        },
    }
    writer = {
        "Effect": "Allow",
        "Principal": {"Service": "bedrock.amazonaws.com"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::audit-logs/*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }
    ops = role(allow("s3:*", "arn:aws:s3:::audit-logs/*"))
    found = verdict("AL-AUD-009", inv(LOGGING, bucket(policy=doc(guard, writer)), ops), "Logs")
    assert found.status is Status.UNKNOWN  # no grant stands; the root path stays open


def test_bucket_in_a_separate_account() -> None:
    writer = {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::audit-logs/*",
        "Condition": {
            "StringEquals": {
                "aws:SourceArn": f"arn:aws:cloudtrail:eu-central-1:{ACCOUNT}:trail/main"
            }
        },
    }
    safe = bucket(account=OTHER, policy=doc(writer))
    assert status("AL-AUD-009", inv(LOGGING, safe), "Logs") is Status.PASS
    leaky = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        "Action": "s3:*",
        "Resource": "arn:aws:s3:::audit-logs/*",
    }
    assert (
        status("AL-AUD-009", inv(LOGGING, bucket(account=OTHER, policy=doc(writer, leaky))), "Logs")
        is Status.FAIL
    )
    assert (
        status("AL-AUD-009", inv(LOGGING, bucket(account=OTHER, policy=U)), "Logs")
        is Status.UNKNOWN
    )


def test_a_bucket_in_an_unresolved_account_fails_only_on_grants_that_cross_accounts() -> None:
    elsewhere = Unresolved("provider 'aws.audit' has credentials of its own")
    ops = role(allow("s3:DeleteObjectVersion", "arn:aws:s3:::audit-logs/*"), account=ACCOUNT)
    # an identity grant reaches the bucket only if it is in the workload account
    found = verdict("AL-AUD-009", inv(LOGGING, bucket(account=elsewhere), ops), "Logs")
    assert found.status is Status.UNKNOWN
    assert "if it is in the workload account" in found.reason and elsewhere.reason in found.reason
    # the bucket policy grants it too: it reaches the bucket wherever it is
    opened = {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/ops"},
        "Action": "s3:DeleteObjectVersion",
        "Resource": "arn:aws:s3:::audit-logs/*",
    }
    leaky = bucket(account=elsewhere, policy=doc(opened))
    assert status("AL-AUD-009", inv(LOGGING, leaky, ops), "Logs") is Status.FAIL


def test_identity_deny_on_the_role_neutralizes() -> None:
    ops = role(
        allow("s3:*", "*"), deny(["s3:Delete*", "s3:Put*", "s3:BypassGovernanceRetention"], "*")
    )
    assert status("AL-AUD-009", inv(LOGGING, bucket(), ops), "Logs") is Status.UNKNOWN
    assert (
        status("AL-AUD-009", inv(LOGGING, bucket(), role(allow("s3:*", "*"))), "Logs")
        is Status.FAIL
    )


def test_a_filter_on_the_logging_prefix_still_copies_every_log() -> None:
    """Bedrock writes ``<key prefix>/AWSLogs/...``: a rule filtering on that prefix copies
    every log object; a narrower or different prefix does not."""
    prefixed = InvocationLogging(
        id="Logging", native_type="Custom::Logging", s3_bucket="Logs", s3_key_prefix="invocations"
    )
    for covering in ("invocations/", "invocations", "inv", "invocations/AWSLogs/"):
        found = verdict("AL-AUD-008", inv(prefixed, replicated(rule(prefix=covering))), "Logs")
        assert found.status is Status.PASS, (covering, found.reason)
    for narrower in ("invocations/AWSLogs/111", "other/"):
        found = verdict("AL-AUD-008", inv(prefixed, replicated(rule(prefix=narrower))), "Logs")
        assert found.status is Status.UNKNOWN and f"only keys under '{narrower}'" in found.reason
    lost = InvocationLogging(
        id="Logging", native_type="Custom::Logging", s3_bucket="Logs", s3_key_prefix=U
    )
    found = verdict("AL-AUD-008", inv(lost, replicated(rule(prefix="invocations/"))), "Logs")
    assert found.status is Status.UNKNOWN

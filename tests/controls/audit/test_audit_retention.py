"""AL-AUD-007..009: Object Lock, a separate account, nobody able to tamper."""

from __future__ import annotations

from typing import Any

import pytest
from control_fixtures import ACCOUNT, OTHER, U, allow, deny, doc, inv, live, run, status, verdict

from airlock.controls.model import Settings, Status
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.encryption import S3Bucket
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

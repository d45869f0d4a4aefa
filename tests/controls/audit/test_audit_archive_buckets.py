"""Audit buckets recognised by their bucket policy or as replication destinations.

A template of the audit account holds the trail archive and the replica of the invocation
logs, but neither the trail nor the logging configuration that writes to them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from control_fixtures import ACCOUNT, OTHER, allow, doc, inv, run, verdict

from airlock.controls.model import Settings, Status
from airlock.inventory.audit import Trail
from airlock.inventory.encryption import KmsKey, ReplicationRule, S3Bucket
from airlock.inventory.identity import Role
from airlock.inventory.model import NamedPolicy, Unresolved
from airlock.sources.cloudformation import load

AUDIT = OTHER  # the log-archive account
STACK = Unresolved("AWS::AccountId is the account the stack is deployed to")
ARCHIVE = "arn:aws:s3:::trail-archive"
LOCKED = {"object_lock_enabled": True, "object_lock_mode": "COMPLIANCE", "object_lock_days": 2555}
CMK = {"sse_algorithm": "aws:kms", "kms_key": "ArchiveKey"}
KEY = KmsKey(id="ArchiveKey", native_type="AWS::KMS::Key")
SEVEN_YEARS = Settings(min_retention_days=2555)


def cloudtrail_writes(resource: str = f"{ARCHIVE}/AWSLogs/{ACCOUNT}/*", **extra: Any) -> Any:
    return {
        "Effect": "Allow",
        "Principal": {"Service": "cloudtrail.amazonaws.com"},
        "Action": "s3:PutObject",
        "Resource": resource,
        **extra,
    }


def replication_writes(principal: str = f"arn:aws:iam::{ACCOUNT}:role/replication") -> Any:
    return {
        "Effect": "Allow",
        "Principal": {"AWS": principal},
        "Action": ["s3:ReplicateObject", "s3:ReplicateTags"],
        "Resource": f"{ARCHIVE}/*",
    }


def archive(*statements: Any, account: Any = AUDIT, **kw: Any) -> S3Bucket:
    return S3Bucket(
        id="Archive",
        native_type="AWS::S3::Bucket",
        bucket_name="trail-archive",
        account=account,
        policy=doc(*statements),
        **kw,
    )


def audit_template(*resources: Any, account: Any = AUDIT) -> Any:
    return inv(KEY, *resources, account=account)


# --- a trail bucket by its policy ----------------------------------------------------


@pytest.mark.parametrize(
    ("lock", "expected", "words"),
    [
        (LOCKED, Status.PASS, "(CloudTrail logs) locks records in COMPLIANCE mode"),
        ({**LOCKED, "object_lock_mode": "GOVERNANCE"}, Status.FAIL, "GOVERNANCE"),
        ({}, Status.FAIL, "no Object Lock"),
    ],
)
def test_a_trail_archive_is_judged_by_its_policy(
    lock: dict[str, Any], expected: Status, words: str
) -> None:
    template = audit_template(archive(cloudtrail_writes(), **lock, **CMK))
    found = verdict("AL-AUD-007", template, "Archive", SEVEN_YEARS)
    assert found.status is expected
    assert words in found.reason
    assert verdict("AL-ENC-001", template, "Archive").status is Status.PASS


def test_a_trail_archive_without_a_customer_key_fails_encryption() -> None:
    template = audit_template(archive(cloudtrail_writes(), sse_algorithm="AES256"))
    assert verdict("AL-ENC-001", template, "Archive").status is Status.FAIL


def test_read_only_grants_to_cloudtrail_do_not_make_a_trail_bucket() -> None:
    acl_check = {**cloudtrail_writes(), "Action": "s3:GetBucketAcl", "Resource": ARCHIVE}
    assert run("AL-AUD-007", audit_template(archive(acl_check))) == []


@pytest.mark.parametrize(
    ("statement", "account", "expected", "words"),
    [
        (cloudtrail_writes(), AUDIT, Status.PASS, f"separate from account {ACCOUNT}"),
        (cloudtrail_writes(), STACK, Status.UNKNOWN, "its own account is unresolved"),
        (
            cloudtrail_writes(f"{ARCHIVE}/AWSLogs/${{AWS::AccountId}}/*"),
            STACK,
            Status.UNKNOWN,
            "records of its own account",
        ),
        (
            cloudtrail_writes(f"{ARCHIVE}/AWSLogs/{AUDIT}/*"),
            AUDIT,
            Status.UNKNOWN,
            "records of its own account",
        ),
        (cloudtrail_writes(f"{ARCHIVE}/*"), AUDIT, Status.UNKNOWN, "does not say which"),
        (
            cloudtrail_writes(f"{ARCHIVE}/AWSLogs/o-abc123def4/*"),
            AUDIT,
            Status.UNKNOWN,
            "not one account",
        ),
        # an organization trail: the management account that owns it pins the writer
        (
            cloudtrail_writes(
                f"{ARCHIVE}/AWSLogs/o-abc123def4/*",
                Condition={
                    "StringEquals": {
                        "aws:SourceArn": f"arn:aws:cloudtrail:eu-central-1:{ACCOUNT}:trail/org"
                    }
                },
            ),
            AUDIT,
            Status.PASS,
            f"separate from account {ACCOUNT}",
        ),
    ],
)
def test_a_trail_archive_is_separate_only_from_accounts_known_to_differ(
    statement: Any, account: Any, expected: Status, words: str
) -> None:
    found = verdict(
        "AL-AUD-008",
        audit_template(archive(statement, account=account), account=account),
        "Archive",
    )
    assert found.status is expected, found.reason
    assert words in found.reason


def test_a_trail_of_the_inventory_still_decides_the_account() -> None:
    # the trail writes from the stack's own account: the archive is the workload's
    trail = Trail(id="Trail", native_type="AWS::CloudTrail::Trail", s3_bucket="Archive")
    own = cloudtrail_writes(f"{ARCHIVE}/AWSLogs/{ACCOUNT}/*")
    found = verdict("AL-AUD-008", inv(trail, archive(own, account=ACCOUNT)), "Archive")
    assert found.status is Status.FAIL
    assert found.evidence["written_by"] == ["Trail"]


def test_who_can_tamper_with_a_trail_archive_is_judged() -> None:
    ops = Role(
        id="Ops",
        native_type="AWS::IAM::Role",
        name="ops",
        inline_policies=(NamedPolicy("ops", doc(allow("s3:PutLifecycleConfiguration", ARCHIVE))),),
    )
    found = verdict("AL-AUD-009", audit_template(archive(cloudtrail_writes()), ops), "Archive")
    assert found.status is Status.FAIL
    assert found.evidence["action"] == "s3:PutLifecycleConfiguration"


# --- an invocation-log bucket by its policy ------------------------------------------

BEDROCK_WRITES = {
    "Effect": "Allow",
    "Principal": {"Service": "bedrock.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": f"{ARCHIVE}/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*",
}


def rule(**kw: Any) -> ReplicationRule:
    base: dict[str, Any] = {
        "destination_bucket": "arn:aws:s3:::invocation-replica",
        "destination_account": AUDIT,
        "owner_override": True,
        "enabled": True,
        "rule_id": "to-audit",
    }
    return ReplicationRule(**{**base, **kw})


def test_a_bucket_bedrock_writes_to_holds_invocation_logs() -> None:
    logs = archive(BEDROCK_WRITES, account=ACCOUNT, **{**LOCKED, "object_lock_mode": "GOVERNANCE"})
    template = inv(logs)
    found = verdict("AL-AUD-007", template, "Archive", SEVEN_YEARS)
    assert found.status is Status.FAIL and "(model invocation logs)" in found.reason
    # Bedrock writes only to its own account: separation is the replication's
    separate = verdict("AL-AUD-008", template, "Archive")
    assert separate.status is Status.UNKNOWN and "S3 replication" in separate.reason
    forwarded = verdict(
        "AL-AUD-008",
        inv(archive(BEDROCK_WRITES, account=ACCOUNT, replication=(rule(),))),
        "Archive",
    )
    assert forwarded.status is Status.PASS


# --- copies of audit records ---------------------------------------------------------


def test_a_replica_outside_the_inventory_is_judged_where_the_rule_declares_it() -> None:
    logs = archive(BEDROCK_WRITES, account=ACCOUNT, replication=(rule(),))
    replica = "arn:aws:s3:::invocation-replica"
    found = verdict("AL-AUD-008", inv(logs), replica)
    assert found.status is Status.PASS
    assert f"is in account {AUDIT}, separate from account {ACCOUNT}" in found.reason
    # its lock and key are another template's
    assert verdict("AL-AUD-007", inv(logs), replica).status is Status.UNKNOWN
    assert verdict("AL-ENC-001", inv(logs), replica).status is Status.UNKNOWN
    unpinned = archive(BEDROCK_WRITES, account=STACK, replication=(rule(),))
    doubt = verdict("AL-AUD-008", inv(unpinned, account=STACK), replica)
    assert doubt.status is Status.UNKNOWN
    assert "the account of bucket Archive, which replicates into it, is unresolved" in doubt.reason


def test_a_replica_in_the_same_template_stays_in_the_workload_account() -> None:
    logs = archive(BEDROCK_WRITES, account=STACK, replication=(rule(destination_bucket="Copy"),))
    copy = S3Bucket(id="Copy", native_type="AWS::S3::Bucket", account=STACK, **LOCKED, **CMK)
    found = verdict("AL-AUD-008", inv(KEY, logs, copy, account=STACK), "Copy")
    assert found.status is Status.UNKNOWN
    assert "copies bucket Archive within its account" in found.reason
    assert verdict("AL-AUD-007", inv(KEY, logs, copy), "Copy", SEVEN_YEARS).status is Status.PASS


def test_a_bucket_another_account_replicates_into_is_an_audit_copy() -> None:
    weak = audit_template(archive(replication_writes(), sse_algorithm="AES256"))
    lock = verdict("AL-AUD-007", weak, "Archive")
    assert lock.status is Status.FAIL and "(replicated audit records)" in lock.reason
    assert verdict("AL-ENC-001", weak, "Archive").status is Status.FAIL
    strong = audit_template(archive(replication_writes(), **LOCKED, **CMK))
    assert verdict("AL-AUD-007", strong, "Archive", SEVEN_YEARS).status is Status.PASS
    assert verdict("AL-ENC-001", strong, "Archive").status is Status.PASS
    separate = verdict("AL-AUD-008", strong, "Archive")
    assert separate.status is Status.PASS
    assert separate.evidence["receives_from"] == [ACCOUNT]
    anyone = verdict("AL-AUD-008", audit_template(archive(replication_writes("*"))), "Archive")
    assert anyone.status is Status.UNKNOWN and "not one account" in anyone.reason


def test_replication_grants_within_the_account_do_not_make_a_copy() -> None:
    local = replication_writes(f"arn:aws:iam::{AUDIT}:role/replication")
    assert run("AL-AUD-007", audit_template(archive(local))) == []


# --- an audit-account template, end to end -------------------------------------------

AUDIT_TEMPLATE = """\
Parameters:
  WorkloadAccountId: {Type: String, Default: "111122223333"}
Resources:
  TrailArchive:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub trail-archive-${AWS::AccountId}
      ObjectLockEnabled: true
      ObjectLockConfiguration:
        ObjectLockEnabled: Enabled
        Rule: {DefaultRetention: {Mode: MODE, Years: 7}}
  TrailArchivePolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref TrailArchive
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {Service: cloudtrail.amazonaws.com}
            Action: s3:PutObject
            Resource: !Sub "${TrailArchive.Arn}/AWSLogs/${WorkloadAccountId}/*"
"""


@pytest.mark.parametrize(
    ("mode", "expected"), [("COMPLIANCE", Status.PASS), ("GOVERNANCE", Status.FAIL)]
)
def test_an_audit_account_template_is_judged(tmp_path: Path, mode: str, expected: Status) -> None:
    path = tmp_path / "audit.yaml"
    path.write_text(AUDIT_TEMPLATE.replace("MODE", mode))
    template = load(str(path), region="eu-central-1", account=AUDIT)
    assert verdict("AL-AUD-007", template, "TrailArchive", SEVEN_YEARS).status is expected
    assert verdict("AL-AUD-008", template, "TrailArchive").status is Status.PASS
    unpinned = load(str(path))
    assert verdict("AL-AUD-008", unpinned, "TrailArchive").status is Status.UNKNOWN

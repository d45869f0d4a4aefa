"""AL-AUD-008: replication of an invocation-log bucket whose default encryption is KMS.

S3 replicates SSE-KMS and DSSE-KMS objects only when the rule opts in (SourceSelectionCriteria
SseKmsEncryptedObjects Enabled) and names a ReplicaKmsKeyID; Bedrock writes its log objects
with the bucket's default encryption.
"""

from __future__ import annotations

from typing import Any

import pytest
from control_fixtures import OTHER, U, inv, verdict

from airlock.controls.model import Status
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.encryption import ReplicationRule, S3Bucket

LOGGING = InvocationLogging(id="Logging", native_type="Custom::Logging", s3_bucket="Logs")
REPLICA_KEY = f"arn:aws:kms:eu-central-1:{OTHER}:key/replica"


def judge(encryption: Any, **changes: Any) -> Any:
    rule = ReplicationRule(
        **{
            "destination_bucket": "arn:aws:s3:::audit-archive",
            "destination_account": OTHER,
            "owner_override": True,
            "enabled": True,
            "rule_id": "to-archive",
            **changes,
        }
    )
    logs = S3Bucket(
        id="Logs", native_type="AWS::S3::Bucket", sse_algorithm=encryption, replication=(rule,)
    )
    return verdict("AL-AUD-008", inv(LOGGING, logs), "Logs")


@pytest.mark.parametrize("encryption", ["aws:kms", "aws:kms:dsse"])
def test_kms_encrypted_logs_replicate_only_with_the_opt_in_and_a_replica_key(
    encryption: str,
) -> None:
    opted = judge(encryption, sse_kms_objects=True, replica_kms_key=REPLICA_KEY)
    assert opted.status is Status.PASS
    assert opted.evidence["replication_rules"][0]["sse_kms_objects"] is True
    # a replica key set at deploy time is still set
    assert judge(encryption, sse_kms_objects=True, replica_kms_key=U).status is Status.PASS


@pytest.mark.parametrize(
    ("encryption", "changes", "words"),
    [
        ("aws:kms", {}, "skips the log objects, since the bucket encrypts them with aws:kms"),
        ("aws:kms:dsse", {"sse_kms_objects": False}, "encrypts them with aws:kms:dsse"),
        ("aws:kms", {"sse_kms_objects": U}, "unresolved SseKmsEncryptedObjects status"),
        ("aws:kms", {"sse_kms_objects": True}, "names no key to encrypt the replicas"),
        (U, {}, "default encryption, which the logs are written with, is unresolved"),
    ],
)
def test_a_rule_that_leaves_kms_encrypted_logs_behind_is_unknown(
    encryption: Any, changes: dict[str, Any], words: str
) -> None:
    # UNKNOWN, not FAIL, like every rule that does not forward: the logs may leave otherwise
    found = judge(encryption, **changes)
    assert found.status is Status.UNKNOWN
    assert words in found.reason
    [rule] = found.evidence["replication_rules"]
    assert rule["forwards_every_object"] is False
    assert found.evidence["bucket_encryption"] == encryption


@pytest.mark.parametrize("encryption", [None, "AES256"])
def test_sse_s3_logs_replicate_without_the_opt_in(encryption: str | None) -> None:
    assert judge(encryption).status is Status.PASS
    # the opt-in is harmless where nothing is KMS-encrypted
    assert judge(encryption, sse_kms_objects=True).status is Status.PASS


def test_an_unresolved_default_encryption_with_the_opt_in_passes() -> None:
    found = judge(U, sse_kms_objects=True, replica_kms_key=REPLICA_KEY)
    assert found.status is Status.PASS

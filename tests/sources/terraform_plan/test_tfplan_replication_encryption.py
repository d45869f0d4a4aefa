"""S3 replication of KMS-encrypted objects: source_selection_criteria and replica_kms_key_id,
in the split resource and in the bucket's legacy inline block."""

from __future__ import annotations

from pathlib import Path

from airlock.inventory.encryption import ReplicationRule, S3Bucket

from .plans import Plan, ref

NOOP = ("no-op",)
ARCHIVE = "arn:aws:s3:::audit-archive"
REPLICA_KEY = "arn:aws:kms:eu-central-1:444455556666:key/replica"


def _bucket(plan: Plan, **values: object) -> Plan:
    base = {"id": "b", "bucket": "b", "arn": "arn:aws:s3:::b", "object_lock_enabled": False}
    return plan.resource("aws_s3_bucket.b", {**base, **values}, actions=NOOP, expressions={})


def _rules(tmp_path: Path, plan: Plan) -> tuple[ReplicationRule, ...]:
    bucket = plan.load(tmp_path).get("aws_s3_bucket.b", S3Bucket)
    assert bucket is not None and isinstance(bucket.replication, tuple)
    return bucket.replication


def _rule(rule_id: str, criteria: list[object], encryption: list[object]) -> dict[str, object]:
    destination = {"bucket": ARCHIVE, "account": "444455556666", "access_control_translation": [],
                   "encryption_configuration": encryption}  # fmt: skip
    return {"id": rule_id, "status": "Enabled", "priority": 1, "prefix": "", "destination": [destination],
            "filter": [{"prefix": "", "tag": [], "and": []}], "source_selection_criteria": criteria}  # fmt: skip


def test_split_replication_configuration(tmp_path: Path) -> None:
    plan = _bucket(Plan())
    plan.resource(
        "aws_kms_key.replica", {"arn": REPLICA_KEY, "id": "replica"}, actions=NOOP, expressions={}
    )
    opted = _rule(
        "opted",
        [{"sse_kms_encrypted_objects": [{"status": "Enabled"}], "replica_modifications": []}],
        [{"replica_kms_key_id": REPLICA_KEY}],
    )
    declined = _rule("declined", [{"sse_kms_encrypted_objects": [{"status": "Disabled"}]}], [])
    silent = _rule("silent", [], [])
    plan.resource("aws_s3_bucket_replication_configuration.b", {"bucket": "b", "role": "arn:aws:iam::1:role/r",
                  "rule": [opted, declined, silent]}, unknown={"id": True},
                  expressions={"rule": [{"destination": [{"encryption_configuration": [
                      {"replica_kms_key_id": ref("aws_kms_key.replica.arn")}]}]}]})  # fmt: skip
    first, second, third = _rules(tmp_path, plan)
    assert (first.sse_kms_objects, first.replica_kms_key) == (True, "aws_kms_key.replica")
    assert (second.sse_kms_objects, second.replica_kms_key) == (False, None)
    assert (third.sse_kms_objects, third.replica_kms_key) == (None, None)


def test_legacy_inline_replication(tmp_path: Path) -> None:
    destination = {
        "bucket": ARCHIVE,
        "account_id": "444455556666",
        "replica_kms_key_id": REPLICA_KEY,
    }
    opted = {"id": "opted", "status": "Enabled", "prefix": "", "filter": [], "destination": [destination],
             "source_selection_criteria": [{"sse_kms_encrypted_objects": [{"enabled": True}]}]}  # fmt: skip
    silent = {"id": "silent", "status": "Enabled", "prefix": "", "filter": [],
              "destination": [{"bucket": ARCHIVE, "replica_kms_key_id": ""}], "source_selection_criteria": []}  # fmt: skip
    inline = [{"role": "arn:aws:iam::1:role/r", "rules": [opted, silent]}]
    first, second = _rules(tmp_path, _bucket(Plan(), replication_configuration=inline))
    assert (first.sse_kms_objects, first.replica_kms_key) == (True, REPLICA_KEY)
    assert (second.sse_kms_objects, second.replica_kms_key) == (None, None)

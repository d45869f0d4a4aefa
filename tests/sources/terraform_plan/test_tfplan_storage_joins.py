"""KMS key policies, S3 bucket split resources, DNS firewall rules: live and deleted."""

from __future__ import annotations

import json
from pathlib import Path

from airlock.inventory.dns import FirewallRuleGroup
from airlock.inventory.encryption import KmsKey, S3Bucket
from airlock.inventory.model import Unresolved

from .plans import Plan, ref

NOOP = ("no-op",)
DELETE = ("delete",)
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*"}],
    }
)


def _key(plan: Plan, policy: str = POLICY) -> Plan:
    return plan.resource("aws_kms_key.k", {"id": "key-1", "arn": "arn:aws:kms:eu-central-1:123456789012:key/key-1",
                         "policy": policy, "enable_key_rotation": False}, actions=NOOP, expressions={})  # fmt: skip


def test_key_policy_resource(tmp_path: Path) -> None:
    plan = _key(Plan())
    plan.resource("aws_kms_key_policy.p", {"policy": POLICY.replace("Deny", "Allow")}, unknown={"id": True, "key_id": True},
                  expressions={"key_id": ref("aws_kms_key.k.id")})  # fmt: skip
    key = plan.load(tmp_path).get("aws_kms_key.k", KmsKey)
    assert (
        key is not None
        and isinstance(key.policy, dict)
        and key.policy["Statement"][0]["Effect"] == "Allow"
    )
    assert key.configured_by == ("aws_kms_key_policy.p",)


def test_deleted_key_policy_default_or_left_alone(tmp_path: Path) -> None:
    plan = _key(Plan())
    plan.resource("aws_kms_key_policy.p", {"key_id": "key-1", "policy": POLICY, "bypass_policy_lockout_safety_check": False},
                  actions=DELETE)  # fmt: skip
    key = plan.load(tmp_path).get("aws_kms_key.k", KmsKey)
    assert key is not None and key.policy is None  # the provider restores the default key policy

    bypass = _key(Plan())
    bypass.resource("aws_kms_key_policy.p", {"key_id": "key-1", "policy": POLICY, "bypass_policy_lockout_safety_check": True},
                    actions=DELETE)  # fmt: skip
    left = bypass.load(tmp_path).get("aws_kms_key.k", KmsKey)
    assert left is not None and isinstance(
        left.policy, dict
    )  # with the bypass, the provider leaves it


def _bucket(plan: Plan, **values: object) -> Plan:
    base = {"id": "b", "bucket": "b", "arn": "arn:aws:s3:::b", "object_lock_enabled": False}
    return plan.resource("aws_s3_bucket.b", {**base, **values}, actions=NOOP, expressions={})


def _load_bucket(tmp_path: Path, plan: Plan) -> S3Bucket:
    bucket = plan.load(tmp_path).get("aws_s3_bucket.b", S3Bucket)
    assert bucket is not None
    return bucket


def test_bucket_split_resources_by_literal_name(tmp_path: Path) -> None:
    plan = _bucket(Plan())
    plan.resource("aws_s3_bucket_public_access_block.b", {"bucket": "b", "block_public_policy": True,
                  "restrict_public_buckets": True}, unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_s3_bucket_lifecycle_configuration.b", {"bucket": "b", "rule": [
        {"status": "Enabled", "expiration": [{"days": 400}]}, {"status": "Enabled", "expiration": [{"days": 30}]},
        {"status": "Disabled", "expiration": [{"days": 1}]}]}, unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_s3_bucket_object_lock_configuration.b", {"bucket": "b", "object_lock_enabled": "Enabled",
                  "rule": [{"default_retention": [{"mode": "GOVERNANCE", "years": 2}]}]}, unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_s3_bucket_server_side_encryption_configuration.b", {"bucket": "b", "rule": [
        {"apply_server_side_encryption_by_default": [{"sse_algorithm": "AES256", "kms_master_key_id": ""}]}]},
        unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_s3_bucket_versioning.b", {"bucket": "b", "versioning_configuration": [{"status": "Suspended"}]},
                  unknown={"id": True}, expressions={})  # fmt: skip
    bucket = _load_bucket(tmp_path, plan)
    assert (bucket.block_public_policy, bucket.restrict_public_buckets) == (True, True)
    assert bucket.lifecycle_expiration_days == 30
    assert (bucket.object_lock_enabled, bucket.object_lock_mode, bucket.object_lock_days) == (
        True,
        "GOVERNANCE",
        730,
    )
    assert (bucket.sse_algorithm, bucket.kms_key) == ("AES256", None)
    assert bucket.versioning == "Suspended"
    assert len(bucket.configured_by) == 5


def test_deleted_bucket_split_resources(tmp_path: Path) -> None:
    legacy = {"server_side_encryption_configuration": [{"rule": [{"apply_server_side_encryption_by_default": [
        {"sse_algorithm": "aws:kms", "kms_master_key_id": "k"}]}]}], "policy": POLICY,
        "versioning": [{"enabled": True}], "object_lock_enabled": True,
        "object_lock_configuration": [{"object_lock_enabled": "Enabled", "rule": [{"default_retention": [{"mode": "COMPLIANCE", "days": 30}]}]}],
        "lifecycle_rule": [{"enabled": True, "expiration": [{"days": 90}]}]}  # fmt: skip
    plan = _bucket(Plan(), **legacy)
    for rtype, values in (
        ("aws_s3_bucket_server_side_encryption_configuration", {}),
        ("aws_s3_bucket_policy", {"policy": POLICY}),
        ("aws_s3_bucket_object_lock_configuration", {}),
        ("aws_s3_bucket_lifecycle_configuration", {}),
        ("aws_s3_bucket_public_access_block", {"block_public_policy": True}),
    ):
        plan.resource(f"{rtype}.b", {"bucket": "b", **values}, actions=DELETE)
    bucket = _load_bucket(tmp_path, plan)
    assert (bucket.sse_algorithm, bucket.kms_key, bucket.policy) == (None, None, None)
    assert bucket.object_lock_enabled is True  # cannot be turned off
    assert (bucket.object_lock_mode, bucket.object_lock_days) == (None, None)
    assert bucket.lifecycle_expiration_days is None and bucket.block_public_policy is None
    assert (
        bucket.versioning == "Enabled"
    )  # the legacy inline argument (no versioning resource here)


def test_deleted_versioning_suspends_without_object_lock(tmp_path: Path) -> None:
    plan = _bucket(Plan(), versioning=[{"enabled": True}])
    plan.resource(
        "aws_s3_bucket_versioning.b",
        {"bucket": "b", "versioning_configuration": [{"status": "Enabled"}]},
        actions=DELETE,
    )
    assert _load_bucket(tmp_path, plan).versioning == "Suspended"


def test_firewall_rules_join_their_group(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource("aws_route53_resolver_firewall_domain_list.allow", {"name": "allow", "domains": ["amazonaws.com."]},
                  unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_route53_resolver_firewall_domain_list.all", {"name": "all", "domains": ["*."]},
                  unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource(
        "aws_route53_resolver_firewall_rule_group.g",
        {"name": "g"},
        unknown={"id": True},
        expressions={},
    )
    for name, (priority, action) in {"allow": (100, "ALLOW"), "all": (200, "BLOCK")}.items():
        plan.resource(f"aws_route53_resolver_firewall_rule.{name}", {"name": name, "priority": priority, "action": action,
                      "block_response": "NODATA" if action == "BLOCK" else None},
                      unknown={"id": True, "firewall_rule_group_id": True, "firewall_domain_list_id": True},
                      expressions={"firewall_rule_group_id": ref("aws_route53_resolver_firewall_rule_group.g.id"),
                                   "firewall_domain_list_id": ref(f"aws_route53_resolver_firewall_domain_list.{name}.id")})  # fmt: skip
    group = plan.load(tmp_path).get("aws_route53_resolver_firewall_rule_group.g", FirewallRuleGroup)
    assert group is not None
    assert [(r.priority, r.action, r.domain_list) for r in group.rules] == [
        (100, "ALLOW", "aws_route53_resolver_firewall_domain_list.allow"),
        (200, "BLOCK", "aws_route53_resolver_firewall_domain_list.all"),
    ]


ARCHIVE = "arn:aws:s3:::audit-archive"
AUDIT_ACCOUNT = "444455556666"


def _replication_rule(**values: object) -> dict[str, object]:
    destination = {"bucket": ARCHIVE, "account": AUDIT_ACCOUNT, "storage_class": None,
                   "access_control_translation": [{"owner": "Destination"}], "encryption_configuration": []}  # fmt: skip
    rule = {"id": "all", "status": "Enabled", "priority": 1, "prefix": "", "destination": [destination],
            "filter": [{"prefix": "", "tag": [], "and": []}], "delete_marker_replication": [{"status": "Disabled"}]}  # fmt: skip
    return {**rule, **values}


def test_replication_configuration_joins_its_bucket(tmp_path: Path) -> None:
    plan = _bucket(Plan())
    plan.resource("aws_iam_role.replication", {"name": "replication", "arn": "arn:aws:iam::123456789012:role/replication"},
                  actions=NOOP, expressions={})  # fmt: skip
    tagged = _replication_rule(id="tagged", status="Disabled", priority=2, filter=[{"prefix": "", "tag": [],
                               "and": [{"prefix": "x/", "tags": {"env": "prod"}}]}])  # fmt: skip
    plan.resource("aws_s3_bucket_replication_configuration.b", {"bucket": "b", "rule": [_replication_rule(), tagged]},
                  unknown={"id": True, "role": True}, expressions={"role": ref("aws_iam_role.replication.arn")})  # fmt: skip
    bucket = _load_bucket(tmp_path, plan)
    assert bucket.configured_by == ("aws_s3_bucket_replication_configuration.b",)
    assert isinstance(bucket.replication, tuple) and len(bucket.replication) == 2
    whole, partial = bucket.replication
    assert (whole.destination_bucket, whole.destination_account, whole.owner_override) == (
        ARCHIVE,
        AUDIT_ACCOUNT,
        True,
    )
    assert (whole.enabled, whole.prefix, whole.tag_filter, whole.delete_markers) == (
        True,
        None,
        (),
        False,
    )
    assert (whole.role, whole.rule_id, whole.priority) == ("aws_iam_role.replication", "all", 1)
    assert (partial.enabled, partial.prefix, partial.tag_filter) == (False, "x/", ("env=prod",))


def test_replication_to_a_bucket_of_the_plan_and_unknown_rules(tmp_path: Path) -> None:
    plan = _bucket(Plan())
    plan.resource(
        "aws_s3_bucket.archive",
        {"bucket": "archive"},
        unknown={"arn": True, "id": True},
        expressions={},
    )
    rule = _replication_rule(destination=[{"account": "", "access_control_translation": []}])
    plan.resource("aws_s3_bucket_replication_configuration.b", {"bucket": "b", "role": "arn:aws:iam::1:role/r", "rule": [rule]},
                  unknown={"id": True, "rule": [{"destination": [{"bucket": True}]}]},
                  expressions={"rule": [{"destination": [{"bucket": ref("aws_s3_bucket.archive.arn")}]}]})  # fmt: skip
    replicated = _load_bucket(tmp_path, plan).replication
    assert isinstance(replicated, tuple)
    assert replicated[0].destination_bucket == "aws_s3_bucket.archive"
    assert (replicated[0].destination_account, replicated[0].owner_override) == (None, None)

    unknown = _bucket(Plan())
    unknown.resource(
        "aws_s3_bucket.archive", {"bucket": "archive"}, unknown={"arn": True}, expressions={}
    )
    unknown.resource("aws_s3_bucket_replication_configuration.b", {"bucket": "b", "role": "r"},
                     unknown={"id": True, "rule": True}, expressions={"rule": ref("aws_s3_bucket.archive.arn")})  # fmt: skip
    rules = _load_bucket(tmp_path, unknown).replication
    assert isinstance(rules, Unresolved) and "rule" in rules.reason


def test_legacy_inline_replication_and_its_deleted_split_resource(tmp_path: Path) -> None:
    legacy_rule = {"id": "all", "status": "Enabled", "prefix": "", "priority": 0, "filter": [],
                   "delete_marker_replication_status": "", "destination": [{"bucket": ARCHIVE,
                   "account_id": AUDIT_ACCOUNT, "access_control_translation": [{"owner": "Destination"}]}]}  # fmt: skip
    inline = [{"role": "arn:aws:iam::123456789012:role/replication", "rules": [legacy_rule]}]
    bucket = _load_bucket(tmp_path, _bucket(Plan(), replication_configuration=inline))
    assert isinstance(bucket.replication, tuple)
    rule = bucket.replication[0]
    assert (rule.destination_bucket, rule.destination_account, rule.owner_override) == (
        ARCHIVE,
        AUDIT_ACCOUNT,
        True,
    )
    assert (rule.enabled, rule.prefix, rule.delete_markers) == (True, None, None)
    assert rule.role == "arn:aws:iam::123456789012:role/replication"
    assert _load_bucket(tmp_path, _bucket(Plan(), replication_configuration=[])).replication is None

    # the bucket's planned attributes still show what the split resource configured
    plan = _bucket(Plan(), replication_configuration=inline)
    plan.resource("aws_s3_bucket_replication_configuration.b", {"bucket": "b", "role": "r",
                  "rule": [_replication_rule()]}, actions=DELETE)  # fmt: skip
    assert _load_bucket(tmp_path, plan).replication is None  # DeleteBucketReplication

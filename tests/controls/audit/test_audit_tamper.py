"""AL-AUD-009 as a proof: every tamper action, every principal of the workload account."""

from __future__ import annotations

from typing import Any

from control_fixtures import ACCOUNT, U, allow, doc, inv, live, status, verdict

from airlock.controls.model import Settings, Status
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.encryption import S3Bucket
from airlock.inventory.identity import OrganizationPolicy, Role
from airlock.inventory.model import NamedPolicy

LOGGING = InvocationLogging(id="Logging", native_type="Custom::Logging", s3_bucket="Logs")
LOCKED = {"object_lock_enabled": True, "object_lock_mode": "COMPLIANCE", "object_lock_days": 2555}
SEVEN_YEARS = Settings(min_retention_days=2555)
BUCKET = ["arn:aws:s3:::audit-logs", "arn:aws:s3:::audit-logs/*"]
EIGHT = [
    "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutBucketPolicy", "s3:DeleteBucketPolicy",
    "s3:PutLifecycleConfiguration", "s3:PutBucketObjectLockConfiguration",
    "s3:BypassGovernanceRetention", "s3:PutBucketVersioning",
]  # fmt: skip


def bucket(*statements: dict[str, Any], **kw: Any) -> S3Bucket:
    policy = doc(*statements) if statements else kw.pop("policy", None)
    return S3Bucket(
        id="Logs", native_type="AWS::S3::Bucket", bucket_name="audit-logs", policy=policy, **kw
    )


def nobody(condition: dict[str, Any] | None = None) -> dict[str, Any]:
    stmt: dict[str, Any] = {"Effect": "Deny", "Principal": "*", "Action": EIGHT, "Resource": BUCKET}
    if condition:
        stmt["Condition"] = condition
    return stmt


ROOT_SCP = OrganizationPolicy(
    id="NoRoot",
    native_type="AWS::Organizations::Policy",
    policy_type="SERVICE_CONTROL_POLICY",
    document=doc(
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
        }
    ),
    targets=(ACCOUNT,),
)


def test_deny_for_everyone_plus_an_scp_for_the_root_passes_a_template() -> None:
    found = verdict(
        "AL-AUD-009", inv(LOGGING, bucket(nobody(), **LOCKED), ROOT_SCP), "Logs", SEVEN_YEARS
    )
    assert found.status is Status.PASS, found.reason
    versions = next(a for a in found.evidence["actions"] if a["action"] == "s3:DeleteObjectVersion")
    assert "COMPLIANCE" in versions["note"]


def test_without_an_scp_the_root_can_still_replace_the_bucket_policy() -> None:
    found = verdict("AL-AUD-009", inv(LOGGING, bucket(nobody(), **LOCKED)), "Logs", SEVEN_YEARS)
    assert found.status is Status.UNKNOWN
    assert "account root user can call s3:PutBucketPolicy" in found.reason


def test_an_exemption_an_unlisted_principal_could_satisfy_is_unknown() -> None:
    glass = nobody({"ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{ACCOUNT}:role/break-glass"}})
    found = verdict(
        "AL-AUD-009", inv(LOGGING, bucket(glass, **LOCKED), ROOT_SCP), "Logs", SEVEN_YEARS
    )
    assert found.status is Status.UNKNOWN
    assert "outside this inventory" in found.reason
    assert found.evidence["proof"]["counterexample"]["aws:PrincipalArn"].endswith("break-glass")


def test_a_tag_exemption_is_unknown_for_a_template_and_settled_by_a_live_scan() -> None:
    tagged = nobody({"StringNotEquals": {"aws:PrincipalTag/team": "audit"}})
    logs = bucket(tagged, **LOCKED)
    found = verdict("AL-AUD-009", inv(LOGGING, logs, ROOT_SCP), "Logs", SEVEN_YEARS)
    assert found.status is Status.UNKNOWN and "team=audit" in found.reason
    assert status("AL-AUD-009", live(LOGGING, logs, ROOT_SCP), "Logs", SEVEN_YEARS) is Status.PASS
    auditor = Role(
        id="Auditor",
        native_type="AWS::IAM::Role",
        name="auditor",
        tags={"team": "audit"},
        inline_policies=(NamedPolicy("all", doc(allow("s3:*"))),),
    )
    found = verdict("AL-AUD-009", live(LOGGING, logs, ROOT_SCP, auditor), "Logs", SEVEN_YEARS)
    assert found.status is Status.FAIL
    assert found.evidence["principal"] == "Auditor"
    assert found.evidence["action"] == "s3:PutBucketObjectLockConfiguration"


def test_a_bucket_policy_open_to_anyone_fails() -> None:
    opened = {
        "Effect": "Allow",
        "Principal": "*",
        "Action": "s3:DeleteObjectVersion",
        "Resource": BUCKET[1],
    }
    found = verdict("AL-AUD-009", inv(LOGGING, bucket(opened)), "Logs")
    assert found.status is Status.FAIL
    assert "anyone in any account" in found.reason
    assert found.evidence["statement"] == opened


def test_a_fail_carries_the_counterexample_request() -> None:
    ops = Role(
        id="Ops",
        native_type="AWS::IAM::Role",
        name="ops",
        inline_policies=(
            NamedPolicy("ops", doc(allow("s3:PutLifecycleConfiguration", BUCKET[0]))),
        ),
    )
    found = verdict("AL-AUD-009", inv(LOGGING, bucket(), ops), "Logs")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["action"] == "s3:PutLifecycleConfiguration"
    assert found.evidence["counterexample"]["resource"] == BUCKET[0]
    assert found.evidence["proof"]["deciding"][0]["statement"]["Resource"] == BUCKET[0]


def test_unresolved_bucket_policy_is_unknown() -> None:
    found = verdict("AL-AUD-009", inv(LOGGING, bucket(policy=U)), "Logs")
    assert found.status is Status.UNKNOWN
    assert "from parameter KeyArn" in found.reason

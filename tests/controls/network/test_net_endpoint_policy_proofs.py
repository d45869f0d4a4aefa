"""AL-NET-007 as a proof: requests through the endpoint that reach what they should not."""

from __future__ import annotations

from typing import Any

from airlock.controls.catalog.network_endpoint_policy import (
    judge_endpoint_policy,
    judge_s3_endpoint_policy,
)
from airlock.controls.model import Status

MODEL = "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-6"
ACCOUNT = "111122223333"


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: Any, resource: Any, **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource, **extra}


def test_a_fail_names_the_request_that_got_through() -> None:
    found = judge_endpoint_policy("bedrock-runtime", policy(allow("bedrock:*", MODEL)))
    assert found.status is Status.FAIL
    proof = found.proof[0]
    assert proof["action"] == "bedrock:AirlockUnlistedAction"
    assert proof["counterexample"]["aws:SourceVpce"].startswith("vpce-")
    through = [d for d in proof["deciding"] if d["policy"] == "endpoint policy"]
    assert through[0]["statement"]["Action"] == "bedrock:*"


def test_a_deny_outside_the_approved_models_closes_a_wide_allow() -> None:
    closed = policy(
        allow(["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"], "*"),
        {"Effect": "Deny", "Principal": "*", "Action": "bedrock:*", "NotResource": [MODEL]},
    )
    assert judge_endpoint_policy("bedrock-runtime", closed).status is Status.PASS
    wide = judge_endpoint_policy(
        "bedrock-runtime", policy({**allow("bedrock:InvokeModel", MODEL), "NotResource": [MODEL]})
    )
    assert wide.status is Status.UNKNOWN  # Resource and NotResource together: malformed


def test_another_account_using_the_endpoint_is_evidence_not_a_failure() -> None:
    open_to_all = judge_endpoint_policy(
        "bedrock-runtime", policy(allow("bedrock:InvokeModel", MODEL)), account=ACCOUNT
    )
    assert open_to_all.status is Status.PASS
    assert any("another_account_can_invoke" in p for p in open_to_all.proof)
    pinned = allow(
        "bedrock:InvokeModel",
        MODEL,
        Condition={"StringEquals": {"aws:PrincipalAccount": "${AWS::AccountId}"}},
    )
    template = judge_endpoint_policy("bedrock-runtime", policy(pinned))
    assert template.status is Status.PASS
    assert not any("another_account_can_invoke" in p for p in template.proof)


def test_a_policy_that_allows_no_invocation_blocks_the_workload() -> None:
    reads = policy(allow("bedrock:GetAsyncInvoke", "*"))
    found = judge_endpoint_policy("bedrock-runtime", reads)
    assert found.status is Status.FAIL and "allows no model invocation" in found.reason


def test_s3_bucket_patterns_reach_buckets_of_other_accounts() -> None:
    prefix = policy(allow("s3:PutObject", "arn:aws:s3:::acme-*/*"))
    found = judge_s3_endpoint_policy(prefix)
    assert found.status is Status.FAIL
    assert "acme-airlock-x" in found.reason and "999999999999" in found.reason
    org = policy(
        allow(
            "s3:*",
            "*",
            Condition={"StringEquals": {"aws:ResourceOrgID": "o-abc123"}},
        )
    )
    assert judge_s3_endpoint_policy(org).status is Status.PASS
    ours = policy(allow("s3:*", "*", Condition={"StringEquals": {"s3:ResourceAccount": ACCOUNT}}))
    assert judge_s3_endpoint_policy(ours, account=ACCOUNT).status is Status.PASS
    not_resource = policy(
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:PutObject",
            "NotResource": "arn:aws:s3:::x/*",
        }
    )
    found = judge_s3_endpoint_policy(not_resource)
    assert found.status is Status.FAIL and "NotResource" in found.reason

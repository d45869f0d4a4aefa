from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from airlock.errors import InputError
from airlock.trail.inflate import InflateProblem, inflate
from airlock.trail.layout import (
    ObjectKind,
    classify,
    digest_key,
    invocation_log_key,
    invocation_payload_key,
    log_file_key,
    parse_s3_uri,
)

T = datetime(2026, 5, 1, 14, 45, tzinfo=UTC)


def test_classifies_every_documented_layout() -> None:
    log = classify(log_file_key("logs", "111122223333", "eu-west-1", T, "9nYN7gp2eWAJHIfT"))
    assert (log.kind, log.account, log.region, log.delivered) == (
        ObjectKind.CLOUDTRAIL_LOG,
        "111122223333",
        "eu-west-1",
        T,
    )

    digest = classify(digest_key("", "111122223333", "us-east-2", "my_trail-1", "eu-west-1", T))
    assert digest.kind is ObjectKind.DIGEST
    assert (digest.trail, digest.home_region, digest.region, digest.backfill) == (
        "my_trail-1",
        "eu-west-1",
        "us-east-2",
        False,
    )
    backfill = classify(
        digest_key("", "111122223333", "us-east-2", "t", "us-east-2", T, backfill=True)
    )
    assert backfill.backfill

    batch = classify(invocation_log_key("", "111122223333", "eu-west-1", T, "abcdef0123456789"))
    assert batch.kind is ObjectKind.INVOCATION_LOG
    payload = classify(
        invocation_payload_key("", "111122223333", "eu-west-1", T, "7487ab04-734e", "output")
    )
    assert (payload.kind, payload.request_id, payload.direction) == (
        ObjectKind.INVOCATION_PAYLOAD,
        "7487ab04-734e",
        "output",
    )


def test_organization_trail_and_aws_doc_example_keys() -> None:
    org = classify(
        "AWSLogs/o-abc123def4/111122223333/CloudTrail/eu-west-1/2026/05/01/"
        "111122223333_CloudTrail_eu-west-1_20260501T1445Z_9nYN7gp2eWAJHIfT.json.gz"
    )
    assert org.kind is ObjectKind.CLOUDTRAIL_LOG and org.account == "111122223333"
    doc = classify(
        "AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/17/111122223333_CloudTrail-Digest"
        "_us-east-2_your-trail-name_us-east-2_20150817T150131Z.json.gz"
    )
    assert doc.kind is ObjectKind.DIGEST and doc.trail == "your-trail-name"
    assert (
        classify(
            "AWSLogs/111122223333/BedrockModelInvocationLogs/amazon-bedrock-logs-permission-check"
        ).kind
        is ObjectKind.OTHER
    )


@given(
    account=st.from_regex(r"\A\d{12}\Z"),
    region=st.sampled_from(["eu-west-1", "us-gov-west-1", "ap-southeast-2", "af-south-1"]),
    minute=st.integers(0, 60 * 24 * 365),
    unique=st.from_regex(r"\A[A-Za-z0-9]{16}\Z"),
    prefix=st.sampled_from(["", "audit", "org/audit/logs"]),
)
def test_log_keys_round_trip(
    account: str, region: str, minute: int, unique: str, prefix: str
) -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=minute)
    parsed = classify(log_file_key(prefix, account, region, when, unique))
    assert (parsed.kind, parsed.account, parsed.region, parsed.delivered) == (
        ObjectKind.CLOUDTRAIL_LOG,
        account,
        region,
        when,
    )


def test_s3_uris() -> None:
    assert parse_s3_uri("s3://audit-bucket/AWSLogs/").prefix == "AWSLogs/"
    assert parse_s3_uri("s3://audit-bucket").prefix == ""
    with pytest.raises(InputError):
        parse_s3_uri("s3://Bad_Bucket/x")
    with pytest.raises(InputError):
        parse_s3_uri("/local/folder")


def test_inflate_first_member_only() -> None:
    body = b'{"Records":[]}'
    assert inflate(gzip.compress(body)).ok
    appended = inflate(gzip.compress(body) + gzip.compress(b'{"Records":[{"x":1}]}'))
    assert appended.problem is InflateProblem.TRAILING_DATA
    assert appended.data == body and appended.trailing_bytes > 0
    assert inflate(gzip.compress(body * 1000)[:40]).problem is InflateProblem.TRUNCATED
    assert inflate(b"not gzip at all").problem is InflateProblem.NOT_GZIP

"""The S3 path over real HTTP against a moto server: fetch, verify, ingest; read-only."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import boto3
import pytest
from trail_s3 import BUCKET, canned_public_keys, read_only, record_operations, upload

from airlock.errors import TrailError
from airlock.trail.fetch import fetch
from airlock.trail.findings import FindingKind, Status
from airlock.trail.ingest import ingest
from airlock.trail.integrity import verify
from airlock.trail.keys import KeyRing, cloudtrail_key_ring
from airlock.trail.layout import FETCH_MANIFEST, S3Location
from airlock.trail.readonly import s3_client
from airlock.trail.source import LocalSource, S3Source
from airlock.trail.store import connect
from airlock.trail.synthetic import GeneratedTrail, SigningKey


def test_fetch_keeps_layout_and_metadata(
    aws: boto3.Session, pristine: GeneratedTrail, tmp_path: Path, key_ring: KeyRing
) -> None:
    uploaded = upload(aws, pristine.root)
    session = aws
    calls = record_operations(session)
    target = tmp_path / "evidence"
    summary = fetch(S3Source(S3Location(BUCKET, ""), session), target)
    assert (summary.fetched, summary.listed, summary.vanished) == (uploaded, uploaded, [])
    assert calls and read_only(calls)

    for key in (*pristine.log_keys, *pristine.digest_keys, *pristine.invocation_keys):
        assert target.joinpath(key).read_bytes() == pristine.root.joinpath(key).read_bytes()
    for key in pristine.digest_keys:
        sidecar = json.loads(target.joinpath(key + ".metadata.json").read_text())
        assert sidecar == json.loads(pristine.root.joinpath(key + ".metadata.json").read_text())
        assert set(sidecar) == {"signature", "signature-algorithm"}
    assert json.loads(target.joinpath(pristine.log_keys[0] + ".metadata.json").read_text()) == {}
    manifest = json.loads(target.joinpath(FETCH_MANIFEST).read_text())
    assert manifest["bucket"] == BUCKET
    assert all(
        entry["etag"] and len(entry["sha256"]) == 64 for entry in manifest["objects"].values()
    )

    report = verify(LocalSource(target), lambda *_: key_ring)
    assert report.status is Status.VERIFIED, report.to_json()

    again = fetch(S3Source(S3Location(BUCKET, ""), session), target)
    assert (again.fetched, again.unchanged) == (0, uploaded)


def test_verify_in_s3_with_list_public_keys(
    aws: boto3.Session, pristine: GeneratedTrail, signing_key: SigningKey
) -> None:
    upload(aws, pristine.root)
    calls = record_operations(aws)
    canned_public_keys(aws, signing_key)
    source = S3Source(S3Location(BUCKET, "AWSLogs/"), aws)
    report = verify(
        source, lambda regions, start, end: cloudtrail_key_ring(aws, regions, start, end)
    )
    assert report.status is Status.VERIFIED, report.to_json()
    assert report.regions[0].log_files.valid == len(pristine.log_keys)
    assert [k["source"] for k in report.keys] == ["ListPublicKeys eu-west-1"]
    assert calls and read_only(calls)

    # Now tamper in the bucket itself.
    victim = pristine.log_keys[3]
    aws.client("s3").put_object(Bucket=BUCKET, Key=victim, Body=b"\x1f\x8b" + b"\x00" * 20)
    tampered = verify(
        source, lambda regions, start, end: cloudtrail_key_ring(aws, regions, start, end)
    )
    assert tampered.status is Status.FAILED
    assert {(f.kind, f.key) for f in tampered.all_findings} >= {
        (FindingKind.LOG_FILE_UNREADABLE, victim)
    }


def test_keys_unavailable_means_unverified_not_verified(
    aws: boto3.Session, pristine: GeneratedTrail
) -> None:
    upload(aws, pristine.root)
    source = S3Source(S3Location(BUCKET, ""), aws)
    report = verify(
        source, lambda regions, start, end: cloudtrail_key_ring(aws, regions, start, end)
    )
    assert report.status is Status.UNVERIFIED
    assert "ListPublicKeys failed" in report.keys_unavailable["eu-west-1"]
    assert FindingKind.DIGEST_KEY_UNKNOWN in report.kinds()


def test_digest_without_signature_metadata(
    aws: boto3.Session, pristine: GeneratedTrail, key_ring: KeyRing
) -> None:
    newest = pristine.digest_keys[-1]
    upload(aws, pristine.root, skip_metadata=frozenset({newest}))
    report = verify(S3Source(S3Location(BUCKET, ""), aws), lambda *_: key_ring)
    [unsigned] = [f for f in report.all_findings if f.kind is FindingKind.DIGEST_UNSIGNED]
    assert unsigned.key == newest and "no 'signature'" in unsigned.detail


def test_ingest_from_s3_matches_the_trail(
    aws: boto3.Session, pristine: GeneratedTrail, tmp_path: Path
) -> None:
    upload(aws, pristine.root)
    calls = record_operations(aws)
    con = connect(tmp_path / "s3.duckdb")
    summary = ingest(S3Source(S3Location(BUCKET, ""), aws), con)
    assert summary.problems == []
    assert summary.events_added == pristine.records
    assert summary.invocations_added == pristine.invocation_records
    assert summary.payloads_added == len(pristine.payload_keys)
    assert read_only(calls)
    etags = con.execute("SELECT count(*) FROM source_files WHERE etag IS NOT NULL").fetchone()
    assert etags is not None and etags[0] == summary.files_listed
    assert ingest(S3Source(S3Location(BUCKET, ""), aws), con).files_added == {}


def test_prefixed_trail(
    aws: boto3.Session, make_trail: Callable[..., GeneratedTrail], key_ring: KeyRing
) -> None:
    trail = make_trail(prefix="org/audit", hours=2, bucket=BUCKET)
    upload(aws, trail.root)
    report = verify(S3Source(S3Location(BUCKET, "org/audit/"), aws), lambda *_: key_ring)
    assert report.status is Status.VERIFIED, report.to_json()


def test_the_reader_refuses_writes(aws: boto3.Session) -> None:
    client = s3_client(aws)
    with pytest.raises(TrailError, match="read-only"):
        client.put_object(Bucket=BUCKET, Key="x", Body=b"")
    with pytest.raises(TrailError, match="read-only"):
        client.delete_object(Bucket=BUCKET, Key="x")


def test_fetch_refuses_keys_that_escape_the_folder(aws: boto3.Session, tmp_path: Path) -> None:
    client = aws.client("s3")
    client.create_bucket(Bucket=BUCKET)
    client.put_object(Bucket=BUCKET, Key="AWSLogs/../../outside.json.gz", Body=b"x")
    with pytest.raises(TrailError, match="unsafe key"):
        fetch(S3Source(S3Location(BUCKET, ""), aws), tmp_path / "evidence")
    assert not (tmp_path / "outside.json.gz").exists()


def test_a_replica_bucket_is_reported_not_failed(
    aws: boto3.Session, pristine: GeneratedTrail, key_ring: KeyRing
) -> None:
    upload(aws, pristine.root, bucket="log-archive-replica")
    report = verify(S3Source(S3Location("log-archive-replica", ""), aws), lambda *_: key_ring)
    assert report.status is Status.VERIFIED
    assert report.kinds() == {FindingKind.DIGEST_OTHER_BUCKET}

"""Helpers for S3 trail tests on the moto server: seed a bucket, watch the calls made."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.awsrequest import AWSResponse
from botocore.validate import ParamValidator

from airlock.trail.layout import FETCH_MANIFEST, is_sidecar
from airlock.trail.readonly import READ_ONLY_PREFIXES
from airlock.trail.synthetic import SigningKey

BUCKET = "airlock-audit"


def upload(
    session: boto3.Session,
    root: Path,
    bucket: str = BUCKET,
    *,
    skip_metadata: frozenset[str] = frozenset(),
) -> int:
    """Put a generated trail into S3, each digest with its signature as user metadata."""
    client = session.client("s3")
    client.create_bucket(Bucket=bucket)
    count = 0
    for file in sorted(root.rglob("*")):
        key = file.relative_to(root).as_posix()
        if not file.is_file() or is_sidecar(key) or key == FETCH_MANIFEST:
            continue
        sidecar = file.with_name(file.name + ".metadata.json")
        metadata = (
            json.loads(sidecar.read_text()) if sidecar.exists() and key not in skip_metadata else {}
        )
        client.put_object(Bucket=bucket, Key=key, Body=file.read_bytes(), Metadata=metadata)
        count += 1
    return count


def record_operations(session: boto3.Session) -> list[str]:
    """Every AWS operation a client of this session calls (registered before clients exist)."""
    seen: list[str] = []

    def note(model: Any, **_: Any) -> None:
        seen.append(f"{model.service_model.service_name}:{model.name}")

    session.events.register("before-call", note)
    return seen


def canned_public_keys(session: boto3.Session, key: SigningKey) -> None:
    """Answer ListPublicKeys (moto lacks it) with a shape-checked response."""
    body = {
        "PublicKeyList": [
            {
                "Value": key.public_der_pkcs1(),  # boto3 hands out DER bytes, already base64-decoded
                "ValidityStartTime": datetime(2026, 1, 1, tzinfo=UTC),
                "ValidityEndTime": datetime(2027, 1, 1, tzinfo=UTC),
                "Fingerprint": key.fingerprint,
            }
        ]
    }

    def answer(model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        report = ParamValidator().validate(body, model.output_shape)
        assert not report.has_errors(), report.generate_report()
        return AWSResponse("stub", 200, {}, None), body  # type: ignore[arg-type]

    session.events.register("before-call.cloudtrail.ListPublicKeys", answer)  # type: ignore[arg-type]


def read_only(operations: list[str]) -> bool:
    return all(op.split(":", 1)[1].startswith(READ_ONLY_PREFIXES) for op in operations)

"""CloudTrail digest files: their fields, the string CloudTrail signs, and the signature check.

String to sign (``reference/audit.md`` §1.3, matching ``aws cloudtrail validate-logs``)::

    digestEndTime + "\\n" + digestS3Bucket + "/" + digestS3Object + "\\n"
    + hex(sha256(uncompressed digest bytes)) + "\\n" + (previousDigestSignature or "null")

signed with RSA PKCS#1 v1.5 over SHA-256 (``SHA256withRSA``); the hex signature is the S3
user metadata ``signature`` of the digest object.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from msgspec import Struct

from airlock.trail.layout import parse_iso

REQUIRED_FIELDS = (
    "awsAccountId",
    "digestStartTime",
    "digestEndTime",
    "digestS3Bucket",
    "digestS3Object",
    "digestPublicKeyFingerprint",
    "digestSignatureAlgorithm",
    "logFiles",
)


class DigestFormatError(ValueError):
    """The digest is JSON but not a CloudTrail digest."""


class LogFileEntry(Struct, frozen=True):
    """One ``logFiles[]`` entry: a log file the digest vouches for."""

    bucket: str
    key: str
    hash_value: str
    hash_algorithm: str
    oldest_event: str | None
    newest_event: str | None


class Digest(Struct, frozen=True):
    """A parsed digest file; ``sha256`` is over the uncompressed bytes exactly as stored."""

    account: str
    start: datetime
    end: datetime
    end_text: str
    """``digestEndTime`` exactly as written: it is signed as text."""
    bucket: str
    key: str
    fingerprint: str
    algorithm: str
    previous_bucket: str | None
    previous_key: str | None
    previous_hash: str | None
    previous_hash_algorithm: str | None
    previous_signature: str | None
    log_files: tuple[LogFileEntry, ...]
    sha256: str

    @property
    def is_chain_start(self) -> bool:
        """A starting digest: validation (re-)enabled, no previous digest."""
        return self.previous_key is None and self.previous_signature is None

    def string_to_sign(self) -> bytes:
        previous = self.previous_signature if self.previous_signature is not None else "null"
        return f"{self.end_text}\n{self.bucket}/{self.key}\n{self.sha256}\n{previous}".encode()


def _text(doc: dict[str, Any], name: str) -> str:
    value = doc.get(name)
    if not isinstance(value, str):
        raise DigestFormatError(f"field {name} is missing or not a string")
    return value


def _optional(doc: dict[str, Any], name: str) -> str | None:
    value = doc.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise DigestFormatError(f"field {name} is not a string")
    return value


def parse_digest(content: bytes, sha256: str) -> Digest:
    """Parse the uncompressed digest JSON; raises ``DigestFormatError`` with the reason."""
    try:
        doc = json.loads(content)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DigestFormatError(f"not JSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise DigestFormatError("not a JSON object")
    missing = [name for name in REQUIRED_FIELDS if name not in doc]
    if missing:
        raise DigestFormatError(f"missing fields: {', '.join(missing)}")
    entries = doc["logFiles"]
    if not isinstance(entries, list):
        raise DigestFormatError("logFiles is not a list")
    log_files: list[LogFileEntry] = []
    for entry in entries:
        if not isinstance(entry, dict):
            raise DigestFormatError("logFiles entry is not an object")
        log_files.append(
            LogFileEntry(
                bucket=_text(entry, "s3Bucket"),
                key=_text(entry, "s3Object"),
                hash_value=_text(entry, "hashValue").lower(),
                hash_algorithm=_optional(entry, "hashAlgorithm") or "SHA-256",
                oldest_event=_optional(entry, "oldestEventTime"),
                newest_event=_optional(entry, "newestEventTime"),
            )
        )
    end_text = _text(doc, "digestEndTime")
    try:
        start = parse_iso(_text(doc, "digestStartTime"))
        end = parse_iso(end_text)
    except ValueError as exc:
        raise DigestFormatError(f"bad digest time: {exc}") from exc
    return Digest(
        account=_text(doc, "awsAccountId"),
        start=start,
        end=end,
        end_text=end_text,
        bucket=_text(doc, "digestS3Bucket"),
        key=_text(doc, "digestS3Object"),
        fingerprint=_text(doc, "digestPublicKeyFingerprint").lower(),
        algorithm=_text(doc, "digestSignatureAlgorithm"),
        previous_bucket=_optional(doc, "previousDigestS3Bucket"),
        previous_key=_optional(doc, "previousDigestS3Object"),
        previous_hash=(_optional(doc, "previousDigestHashValue") or "").lower() or None,
        previous_hash_algorithm=_optional(doc, "previousDigestHashAlgorithm"),
        previous_signature=(_optional(doc, "previousDigestSignature") or "").lower() or None,
        log_files=tuple(log_files),
        sha256=sha256,
    )


def signature_valid(key: rsa.RSAPublicKey, digest: Digest, signature_hex: str) -> bool:
    """SHA256withRSA over the digest's string to sign."""
    try:
        signature = bytes.fromhex(signature_hex)
    except ValueError:
        return False
    try:
        key.verify(signature, digest.string_to_sign(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True

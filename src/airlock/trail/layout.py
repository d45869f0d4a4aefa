"""The S3 key layout of an audit trail, and the sidecar files that carry S3 metadata offline.

CloudTrail and Bedrock deliver into fixed key layouts (``reference/audit.md`` §3.2, §4).
A key is classified once, here; every other module works with the parsed result. A local
folder made by ``airlock trail fetch`` keeps the bucket's keys as relative paths, and each
object's S3 user metadata sits next to it in ``<file name>.metadata.json``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum

from msgspec import Struct

from airlock.errors import InputError

SIDECAR_SUFFIX = ".metadata.json"
"""Appended to an object's file name to name the file holding its S3 user metadata."""

FETCH_MANIFEST = "airlock-fetch-manifest.json"
"""Written at the root of a fetched folder: source bucket, ETags, version ids, hashes."""

SIGNATURE_ALGORITHM = "SHA256withRSA"


class ObjectKind(StrEnum):
    """What an object in a trail bucket is, judged from its key alone."""

    CLOUDTRAIL_LOG = "cloudtrail-log"
    DIGEST = "digest"
    INVOCATION_LOG = "invocation-log"
    INVOCATION_PAYLOAD = "invocation-payload"
    OTHER = "other"


_LOG = re.compile(
    r"^(?:(?P<prefix>.+)/)?AWSLogs/(?:(?P<org>o-[a-z0-9]+)/)?(?P<acct>\d{12})/CloudTrail/"
    r"(?P<region>[a-z0-9-]+)/\d{4}/\d{2}/\d{2}/(?P=acct)_CloudTrail_(?P=region)_"
    r"(?P<ts>\d{8}T\d{4}Z)_(?P<uniq>[A-Za-z0-9]{16})\.json\.gz$"
)
_DIGEST = re.compile(
    r"^(?:(?P<prefix>.+)/)?AWSLogs/(?:(?P<org>o-[a-z0-9]+)/)?(?P<acct>\d{12})/CloudTrail-Digest/"
    r"(?P<region>[a-z0-9-]+)/\d{4}/\d{2}/\d{2}/(?P=acct)_CloudTrail-Digest_(?P=region)_"
    r"(?P<trail>.+)_(?P<home>[a-z]{2}(?:-[a-z]+)+-\d)_(?P<ts>\d{8}T\d{6}Z)"
    r"(?P<backfill>_backfill)?\.json\.gz$"
)
_INVOCATION = re.compile(
    r"^(?:(?P<prefix>.+)/)?AWSLogs/(?P<acct>\d{12})/BedrockModelInvocationLogs/"
    r"(?P<region>[a-z0-9-]+)/\d{4}/\d{2}/\d{2}/\d{2}/(?P<ts>\d{8}T\d{6})[0-9]*Z?_[A-Za-z0-9-]+\.json\.gz$"
)
_PAYLOAD = re.compile(
    r"^(?:(?P<prefix>.+)/)?AWSLogs/(?P<acct>\d{12})/BedrockModelInvocationLogs/"
    r"(?P<region>[a-z0-9-]+)/\d{4}/\d{2}/\d{2}/\d{2}/data/"
    r"(?P<request>[A-Za-z0-9-]+)_(?P<direction>input|output)\.json\.gz$"
)


class ObjectKey(Struct, frozen=True):
    """One key of a trail bucket, classified.

    ``delivered`` is the delivery time encoded in the name (to the minute for log files, to
    the second for digests); ``None`` for objects whose name carries no time.
    """

    key: str
    kind: ObjectKind
    account: str = ""
    region: str = ""
    delivered: datetime | None = None
    trail: str = ""
    """Digests only: the trail name."""
    home_region: str = ""
    """Digests only: the trail's home region (the region after the trail name)."""
    backfill: bool = False
    """Digests only: a ``_backfill`` digest, walked as a chain of its own."""
    request_id: str = ""
    """Invocation payloads only: the request the payload belongs to."""
    direction: str = ""
    """Invocation payloads only: ``input`` or ``output``."""


_COMPACT_FORMATS = {16: "%Y%m%dT%H%M%SZ", 14: "%Y%m%dT%H%MZ", 15: "%Y%m%dT%H%M%S"}


def _parse_compact(ts: str) -> datetime:
    """``20260501T1445Z`` / ``20260501T144500Z`` / ``20260501T144500``, chosen by length:
    ``strptime`` would otherwise read ``0001`` as hour 0, minute 0, second 1."""
    fmt = _COMPACT_FORMATS.get(len(ts))
    if fmt is None:
        raise ValueError(f"not a compact timestamp: {ts}")
    return datetime.strptime(ts, fmt).replace(tzinfo=UTC)


def classify(key: str) -> ObjectKey:
    """Classify one bucket key (or relative path) by the documented delivery layouts."""
    if m := _LOG.match(key):
        return ObjectKey(
            key,
            ObjectKind.CLOUDTRAIL_LOG,
            account=m["acct"],
            region=m["region"],
            delivered=_parse_compact(m["ts"]),
        )
    if m := _DIGEST.match(key):
        return ObjectKey(
            key,
            ObjectKind.DIGEST,
            account=m["acct"],
            region=m["region"],
            delivered=_parse_compact(m["ts"]),
            trail=m["trail"],
            home_region=m["home"],
            backfill=m["backfill"] is not None,
        )
    if m := _PAYLOAD.match(key):
        return ObjectKey(
            key,
            ObjectKind.INVOCATION_PAYLOAD,
            account=m["acct"],
            region=m["region"],
            request_id=m["request"],
            direction=m["direction"],
        )
    if m := _INVOCATION.match(key):
        return ObjectKey(
            key,
            ObjectKind.INVOCATION_LOG,
            account=m["acct"],
            region=m["region"],
            delivered=_parse_compact(m["ts"]),
        )
    return ObjectKey(key, ObjectKind.OTHER)


def sidecar_name(key: str) -> str:
    """The sidecar that holds the S3 metadata of ``key`` in a local copy."""
    return key + SIDECAR_SUFFIX


def is_sidecar(key: str) -> bool:
    return key.endswith(SIDECAR_SUFFIX)


class S3Location(Struct, frozen=True):
    """``s3://bucket/prefix``: where a trail lives in S3."""

    bucket: str
    prefix: str

    @property
    def uri(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"


_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def is_s3_uri(text: str) -> bool:
    return text.startswith("s3://")


def parse_s3_uri(uri: str) -> S3Location:
    """Parse ``s3://bucket[/prefix]``; the prefix keeps a trailing ``/`` if one was given."""
    if not is_s3_uri(uri):
        raise InputError(uri, "not an S3 URI (expected s3://bucket[/prefix])")
    rest = uri[len("s3://") :]
    bucket, _, prefix = rest.partition("/")
    if not _BUCKET.match(bucket):
        raise InputError(uri, f"invalid S3 bucket name {bucket!r}")
    return S3Location(bucket, prefix)


def format_compact(moment: datetime, *, seconds: bool) -> str:
    """The timestamp as CloudTrail writes it into key names."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ" if seconds else "%Y%m%dT%H%MZ")


def format_iso(moment: datetime) -> str:
    """The timestamp as CloudTrail writes it into JSON (``2026-05-01T10:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> datetime:
    """Parse a CloudTrail JSON timestamp; naive input is taken as UTC."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def log_file_key(prefix: str, account: str, region: str, delivered: datetime, unique: str) -> str:
    """The key CloudTrail gives a log file delivered at ``delivered``."""
    day = delivered.astimezone(UTC).strftime("%Y/%m/%d")
    stamp = format_compact(delivered, seconds=False)
    base = f"AWSLogs/{account}/CloudTrail/{region}/{day}/{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz"
    return f"{prefix.rstrip('/')}/{base}" if prefix else base


def digest_key(
    prefix: str,
    account: str,
    region: str,
    trail: str,
    home_region: str,
    end: datetime,
    *,
    backfill: bool = False,
) -> str:
    """The key CloudTrail gives the digest whose window ends at ``end``."""
    day = end.astimezone(UTC).strftime("%Y/%m/%d")
    stamp = format_compact(end, seconds=True)
    suffix = "_backfill" if backfill else ""
    base = (
        f"AWSLogs/{account}/CloudTrail-Digest/{region}/{day}/"
        f"{account}_CloudTrail-Digest_{region}_{trail}_{home_region}_{stamp}{suffix}.json.gz"
    )
    return f"{prefix.rstrip('/')}/{base}" if prefix else base


def invocation_log_key(
    prefix: str, account: str, region: str, delivered: datetime, unique: str
) -> str:
    """Key of a batch of model invocation log records (layout observed in real buckets)."""
    when = delivered.astimezone(UTC)
    hour = when.strftime("%Y/%m/%d/%H")
    stamp = when.strftime("%Y%m%dT%H%M%S") + f"{when.microsecond // 1000:03d}Z"
    base = f"AWSLogs/{account}/BedrockModelInvocationLogs/{region}/{hour}/{stamp}_{unique}.json.gz"
    return f"{prefix.rstrip('/')}/{base}" if prefix else base


def invocation_payload_key(
    prefix: str, account: str, region: str, when: datetime, request_id: str, direction: str
) -> str:
    """Key of a large request or response body delivered under ``data/``."""
    hour = when.astimezone(UTC).strftime("%Y/%m/%d/%H")
    base = (
        f"AWSLogs/{account}/BedrockModelInvocationLogs/{region}/{hour}/data/"
        f"{request_id}_{direction}.json.gz"
    )
    return f"{prefix.rstrip('/')}/{base}" if prefix else base

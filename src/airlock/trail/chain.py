"""CloudTrail digest chains: load each digest, bind it to its location, check signatures
newest to oldest, then links and hourly tiling oldest to newest.

Beyond ``aws cloudtrail validate-logs`` (``reference/audit.md`` §1.6) each link's
``previousDigestHashValue`` and ``previousDigestSignature`` are checked against the older
digest, and a digest whose signature metadata is missing is still proven when the next newer
(verified) digest vouches for it with its signed ``previousDigestSignature``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from msgspec import Struct, field

from airlock.errors import InputError, TrailError
from airlock.trail.digest import Digest, DigestFormatError, parse_digest, signature_valid
from airlock.trail.findings import Finding, FindingKind
from airlock.trail.inflate import InflateProblem, inflate
from airlock.trail.keys import KeyRing
from airlock.trail.layout import SIDECAR_SUFFIX, SIGNATURE_ALGORITHM, ObjectKey, classify
from airlock.trail.source import ObjectMissing, TrailSource

SPILL_OVER = timedelta(hours=1)
"""Log files for a window may be delivered up to this late (as the AWS CLI assumes)."""


class TimeRange(Struct, frozen=True):
    """The period a verification must prove (either end open when ``None``)."""

    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise InputError("--from/--to", "the range starts after it ends")


class DigestState(StrEnum):
    """A digest's signature: verified, refuted, or not provable with what is at hand."""

    VALID = "valid"
    INVALID = "invalid"
    UNVERIFIED = "unverified"


class LoadedDigest(Struct):
    """One digest object as read, parsed and judged."""

    obj: ObjectKey
    metadata: dict[str, str] | None = None
    """S3 user metadata (``signature``...); ``None`` when unknown (no sidecar)."""
    sha256: str = ""
    """Of the uncompressed digest: what the next digest's previousDigestHashValue names."""
    digest: Digest | None = None
    readable: bool = False
    state: DigestState = DigestState.UNVERIFIED
    findings: list[Finding] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.obj.key

    @property
    def usable(self) -> bool:
        """Parsed and at its own location: its log-file list and links may be followed."""
        return self.digest is not None and not any(
            f.kind is FindingKind.DIGEST_MOVED for f in self.findings
        )


def load_digest(source: TrailSource, obj: ObjectKey) -> LoadedDigest:
    """Read, inflate and parse one digest; problems become findings, never exceptions."""
    item = LoadedDigest(obj)
    try:
        content = source.read(obj.key, with_metadata=True)
    except ObjectMissing:
        item.findings.append(
            Finding(FindingKind.DIGEST_MISSING, obj.key, "listed but gone when read")
        )
        return item
    except TrailError as exc:
        item.findings.append(Finding(FindingKind.DIGEST_UNREADABLE, obj.key, exc.diagnostics()))
        return item
    item.metadata = dict(content.metadata) if content.metadata is not None else None
    inflated = inflate(content.data)
    item.sha256 = inflated.sha256
    if inflated.problem is InflateProblem.TRAILING_DATA:
        item.findings.append(
            Finding(
                FindingKind.DIGEST_TRAILING_DATA,
                obj.key,
                f"{inflated.trailing_bytes} bytes after the gzip stream",
            )
        )
        return item
    if not inflated.ok:
        item.findings.append(
            Finding(FindingKind.DIGEST_UNREADABLE, obj.key, inflated.problem.value)
        )
        return item
    item.readable = True
    try:
        item.digest = parse_digest(inflated.data, inflated.sha256)
    except DigestFormatError as exc:
        item.findings.append(Finding(FindingKind.DIGEST_MALFORMED, obj.key, str(exc)))
    return item


def check_location(item: LoadedDigest, bucket: str | None) -> None:
    """A signature is bound to the digest's S3 location: the content must name where it lies.

    A different key is a moved (reordered, substituted) digest. A different bucket with the
    same key is what replication to a log-archive account looks like: reported, not failed.
    """
    d = item.digest
    if d is None:
        return
    if d.key != item.key:
        item.findings.append(
            Finding(
                FindingKind.DIGEST_MOVED,
                item.key,
                f"content is the digest of s3://{d.bucket}/{d.key}, not of this location",
            )
        )
    elif bucket is not None and d.bucket != bucket:
        item.findings.append(
            Finding(
                FindingKind.DIGEST_OTHER_BUCKET,
                item.key,
                f"delivered to bucket {d.bucket}, read from {bucket} (a replica or copy)",
            )
        )


def verify_chain(
    members: list[LoadedDigest],
    ring: KeyRing,
    backfill: bool,
    window: TimeRange,
    all_digest_keys: set[str],
    in_range: set[str],
) -> list[Finding]:
    """Signatures newest to oldest, then links and tiling oldest to newest."""
    by_key = {m.key: m for m in members}
    vouched: dict[str, tuple[str, str]] = {}
    for item in reversed(members):
        _verify_signature(item, ring, vouched, backfill)
        d = item.digest
        if item.state is DigestState.VALID and d and d.previous_key and d.previous_signature:
            vouched[d.previous_key] = (d.previous_signature, item.key)

    found: list[Finding] = []
    for i, item in enumerate(members):
        if item.key in in_range:
            found.extend(item.findings)
        d = item.digest
        if d is None or not item.usable or item.key not in in_range:
            continue
        older = members[i - 1] if i > 0 else None
        if d.previous_key is None:
            if older is not None and older.digest is not None and not backfill:
                found.append(
                    Finding(
                        FindingKind.CHAIN_RESTART, item.key, f"starts a new chain after {older.key}"
                    )
                )
                if d.start > older.digest.end:
                    found.append(_gap(item.key, older.digest.end, d.start))
            continue
        previous = by_key.get(d.previous_key)
        if previous is None:
            if d.previous_key in all_digest_keys:
                continue  # outside the loaded range; its own run judges it
            named = classify(d.previous_key)
            before_window = (
                window.start is not None
                and named.delivered is not None
                and named.delivered <= window.start
            )
            if not before_window:
                found.append(
                    Finding(
                        FindingKind.DIGEST_MISSING,
                        d.previous_key,
                        f"previous digest of {item.key}, not present",
                    )
                )
            continue
        if older is not None and older.key != previous.key:
            found.append(
                Finding(
                    FindingKind.CHAIN_BREAK,
                    item.key,
                    f"previous digest is {previous.key} but the next older digest present is {older.key}",
                )
            )
        if previous.sha256 and d.previous_hash != previous.sha256:
            found.append(
                Finding(
                    FindingKind.CHAIN_BREAK,
                    item.key,
                    f"previousDigestHashValue does not match the SHA-256 of {previous.key}",
                )
            )
        old_signature = (previous.metadata or {}).get("signature", "").lower()
        if old_signature and d.previous_signature != old_signature:
            found.append(
                Finding(
                    FindingKind.CHAIN_BREAK,
                    item.key,
                    f"previousDigestSignature does not match the signature of {previous.key}",
                )
            )
        if previous.digest is not None and previous.usable and not backfill:
            if d.start > previous.digest.end:
                found.append(_gap(item.key, previous.digest.end, d.start))
            elif d.start < previous.digest.end:
                found.append(
                    Finding(
                        FindingKind.DIGEST_OVERLAP,
                        item.key,
                        f"window starts {format_time(d.start)}, before the previous window ends {format_time(previous.digest.end)}",
                    )
                )
    if not backfill:
        found.extend(_range_gaps(members, in_range, window))
    return found


def _range_gaps(
    members: list[LoadedDigest], in_range: set[str], window: TimeRange
) -> list[Finding]:
    """Coverage missing at either end of a requested range (e.g. newest digests deleted)."""
    judged = [m for m in members if m.key in in_range and m.digest is not None]
    found: list[Finding] = []
    if not judged:
        return found
    first, last = judged[0], judged[-1]
    assert first.digest is not None and last.digest is not None
    if window.end is not None and last.digest.end < window.end:
        found.append(
            _gap(last.key, last.digest.end, window.end, "no digest covers the end of the range: ")
        )
    if window.start is not None and first.digest.start > window.start + SPILL_OVER:
        found.append(
            _gap(
                first.key,
                window.start,
                first.digest.start,
                "no digest covers the start of the range: ",
            )
        )
    return found


def _gap(key: str, start: datetime, end: datetime, lead: str = "") -> Finding:
    hours = (end - start).total_seconds() / 3600
    return Finding(
        FindingKind.DIGEST_GAP,
        key,
        f"{lead}no digest covers {format_time(start)} to {format_time(end)} ({hours:.1f} h)",
    )


def format_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _verify_signature(
    item: LoadedDigest,
    ring: KeyRing,
    vouched: dict[str, tuple[str, str]],
    backfill: bool,
) -> None:
    d = item.digest
    if d is None or not item.usable:
        item.state = DigestState.INVALID
        return
    metadata = item.metadata
    signature = (metadata or {}).get("signature", "").lower()
    via = ""
    if not signature and item.key in vouched:
        signature, newer = vouched[item.key]
        via = f" (signature taken from previousDigestSignature of {newer})"
    if not signature:
        where = (
            f"sidecar {item.key.rsplit('/', 1)[-1]}{SIDECAR_SUFFIX} is missing"
            if metadata is None
            else "S3 metadata has no 'signature'"
        )
        item.findings.append(
            Finding(FindingKind.DIGEST_UNSIGNED, item.key, f"cannot be verified: {where}")
        )
        item.state = DigestState.UNVERIFIED
        return
    algorithm = (metadata or {}).get("signature-algorithm", d.algorithm)
    if algorithm != SIGNATURE_ALGORITHM or d.algorithm != SIGNATURE_ALGORITHM:
        item.findings.append(
            Finding(
                FindingKind.DIGEST_SIGNATURE_INVALID,
                item.key,
                f"unsupported signature algorithm {algorithm}",
            )
        )
        item.state = DigestState.INVALID
        return
    if backfill and metadata is not None and "backfill-generation-timestamp" not in metadata:
        item.findings.append(
            Finding(
                FindingKind.BACKFILL_UNSTAMPED,
                item.key,
                "backfill digest without backfill-generation-timestamp metadata",
            )
        )
    key = ring.find(d.fingerprint, item.obj.region)
    if key is None:
        reason = ring.unavailable.get(item.obj.region)
        detail = f"no public key with fingerprint {d.fingerprint}"
        item.findings.append(
            Finding(
                FindingKind.DIGEST_KEY_UNKNOWN,
                item.key,
                f"{detail}: {reason}" if reason else detail,
            )
        )
        item.state = DigestState.UNVERIFIED
        return
    if signature_valid(key.key, d, signature):
        item.state = DigestState.VALID
        return
    item.findings.append(
        Finding(
            FindingKind.DIGEST_SIGNATURE_INVALID,
            item.key,
            f"SHA256withRSA signature does not verify with key {d.fingerprint}{via}",
        )
    )
    item.state = DigestState.INVALID

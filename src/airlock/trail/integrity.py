"""Prove a CloudTrail trail intact and complete: digest chains, signatures, log-file hashes.

Beyond ``aws cloudtrail validate-logs`` (``reference/audit.md`` §1.6) this also checks each
link's ``previousDigestHashValue``/``previousDigestSignature`` against the older digest,
contiguous hourly tiling, log files no digest lists (injected), data appended after the gzip
stream, every region and trail in one run, and backfill digests as chains of their own. A
digest without signature metadata can still be proven through the next newer digest, whose
signed ``previousDigestSignature`` vouches for it.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from airlock.errors import InputError, TrailError
from airlock.trail.digest import Digest, DigestFormatError, parse_digest, signature_valid
from airlock.trail.findings import (
    ChainSummary,
    Finding,
    FindingKind,
    LogFileCounts,
    RegionReport,
    VerifyReport,
)
from airlock.trail.inflate import InflateProblem, inflate
from airlock.trail.keys import KeyRing
from airlock.trail.layout import (
    SIDECAR_SUFFIX,
    SIGNATURE_ALGORITHM,
    ObjectKey,
    ObjectKind,
    classify,
)
from airlock.trail.source import ObjectMissing, TrailSource, parallel_map

KeyProvider = Callable[[Collection[str], datetime, datetime], KeyRing]
"""Given the regions and the time span of the digests, the keys that may have signed them."""

SPILL_OVER = timedelta(hours=1)
"""Log files for a window may be delivered up to this late (as the AWS CLI assumes)."""


@dataclass(frozen=True)
class TimeRange:
    start: datetime | None = None
    end: datetime | None = None

    def __post_init__(self) -> None:
        if self.start and self.end and self.start > self.end:
            raise InputError("--from/--to", "the range starts after it ends")


class DigestState(StrEnum):
    VALID = "valid"
    INVALID = "invalid"
    UNVERIFIED = "unverified"


@dataclass
class _Loaded:
    """One digest object as read, parsed and judged."""

    obj: ObjectKey
    metadata: dict[str, str] | None = None
    sha256: str = ""
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


@dataclass(frozen=True)
class _LogCheck:
    key: str
    sha256: str
    problem: InflateProblem
    trailing: int
    missing: bool = False
    error: str = ""


def verify(source: TrailSource, keys: KeyProvider, window: TimeRange | None = None) -> VerifyReport:
    """Verify every digest chain and log file of ``source`` that falls in ``window``."""
    window = window or TimeRange()
    listed = source.list()
    objects = [classify(o.key) for o in listed]
    digests = [o for o in objects if o.kind is ObjectKind.DIGEST and _digest_in(o, window)]
    logs = {o.key: o for o in objects if o.kind is ObjectKind.CLOUDTRAIL_LOG}
    unexpected = [
        Finding(
            FindingKind.UNEXPECTED_OBJECT,
            o.key,
            "in a CloudTrail delivery folder but not named like a log file or digest",
        )
        for o in objects
        if o.kind is ObjectKind.OTHER
        and ("/CloudTrail/" in o.key or "/CloudTrail-Digest/" in o.key)
    ]
    if not digests and not logs:
        raise InputError(source.description, "no CloudTrail log or digest files found")

    all_digest_keys = {o.key for o in objects if o.kind is ObjectKind.DIGEST}
    context = _context_digests(objects, digests)
    loaded = {
        d.key: d
        for d in parallel_map(source.workers, lambda o: _load(source, o), [*digests, *context])
    }
    for item in loaded.values():
        _check_location(item, source.bucket)

    starts = [d.digest.start for d in loaded.values() if d.digest]
    ends = [d.digest.end for d in loaded.values() if d.digest]
    now = datetime.now(UTC)
    ring = keys(
        {d.obj.region for d in loaded.values()}, min(starts, default=now), max(ends, default=now)
    )

    chains: dict[tuple[str, str, str, str, bool], list[_Loaded]] = {}
    for item in sorted(loaded.values(), key=lambda d: (d.obj.delivered or now, d.key)):
        o = item.obj
        chains.setdefault((o.account, o.region, o.trail, o.home_region, o.backfill), []).append(
            item
        )
    in_range = {o.key for o in digests}
    summaries: dict[tuple[str, str], list[ChainSummary]] = {}
    chain_findings: dict[tuple[str, str], list[Finding]] = {}
    for (account, region, trail, home, backfill), members in chains.items():
        found = _verify_chain(members, ring, source, backfill, window, all_digest_keys, in_range)
        chain_findings.setdefault((account, region), []).extend(found)
        judged = [m for m in members if m.key in in_range]
        summaries.setdefault((account, region), []).append(
            ChainSummary(
                trail=trail,
                home_region=home,
                backfill=backfill,
                digests=len(judged),
                digests_valid=sum(1 for m in judged if m.state is DigestState.VALID),
                first_start=min((m.digest.start for m in judged if m.digest), default=None),
                last_end=max((m.digest.end for m in judged if m.digest), default=None),
            )
        )

    in_scope = [d for d in loaded.values() if d.key in in_range]
    log_findings, counts = _verify_logs(source, in_scope, logs, window)
    regions = sorted({*summaries, *log_findings, *((o.account, o.region) for o in logs.values())})
    reports = []
    for account, region in regions:
        found = chain_findings.get((account, region), []) + log_findings.get((account, region), [])
        chains_here = tuple(summaries.get((account, region), []))
        if not chains_here:
            found.insert(
                0,
                Finding(
                    FindingKind.NO_DIGESTS,
                    f"AWSLogs/{account}/CloudTrail-Digest/{region}/",
                    "log files but no digest: log file validation was off or the digests were deleted",
                ),
            )
        regular = [c for c in chains_here if not c.backfill]
        reports.append(
            RegionReport(
                account=account,
                region=region,
                chains=chains_here,
                log_files=counts.get((account, region), LogFileCounts()),
                findings=tuple(found),
                covered_from=min((c.first_start for c in regular if c.first_start), default=None),
                covered_to=max((c.last_end for c in regular if c.last_end), default=None),
            )
        )
    return VerifyReport(
        source=source.description,
        requested_from=window.start,
        requested_to=window.end,
        regions=tuple(reports),
        findings=tuple(unexpected),
        keys=tuple(ring.describe()),
        keys_unavailable=dict(ring.unavailable),
    )


def _digest_in(obj: ObjectKey, window: TimeRange) -> bool:
    """Digest (named by its end time) covers part of the window, spill-over included."""
    end = obj.delivered
    if end is None:
        return True
    if window.start is not None and end <= window.start:
        return False
    return not (window.end is not None and end > window.end + 2 * SPILL_OVER)


def _context_digests(objects: list[ObjectKey], selected: list[ObjectKey]) -> list[ObjectKey]:
    """For each chain, the digest just before the oldest selected one (to check that link)."""
    chosen = {o.key for o in selected}
    by_chain: dict[tuple[str, str, str, str, bool], list[ObjectKey]] = {}
    for o in objects:
        if o.kind is ObjectKind.DIGEST:
            by_chain.setdefault(
                (o.account, o.region, o.trail, o.home_region, o.backfill), []
            ).append(o)
    extra: list[ObjectKey] = []
    for members in by_chain.values():
        members.sort(key=lambda o: o.key)
        first = next((i for i, o in enumerate(members) if o.key in chosen), None)
        if first:
            extra.append(members[first - 1])
    return extra


def _load(source: TrailSource, obj: ObjectKey) -> _Loaded:
    item = _Loaded(obj)
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


def _check_location(item: _Loaded, bucket: str | None) -> None:
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


def _verify_chain(
    members: list[_Loaded],
    ring: KeyRing,
    source: TrailSource,
    backfill: bool,
    window: TimeRange,
    all_digest_keys: set[str],
    in_range: set[str],
) -> list[Finding]:
    """Signatures newest to oldest, then links and tiling oldest to newest."""
    by_key = {m.key: m for m in members}
    vouched: dict[str, tuple[str, str]] = {}
    for item in reversed(members):
        _verify_signature(item, ring, source, vouched, backfill)
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
                        f"window starts {_t(d.start)}, before the previous window ends {_t(previous.digest.end)}",
                    )
                )
    if not backfill:
        found.extend(_range_gaps(members, in_range, window))
    return found


def _range_gaps(members: list[_Loaded], in_range: set[str], window: TimeRange) -> list[Finding]:
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
        f"{lead}no digest covers {_t(start)} to {_t(end)} ({hours:.1f} h)",
    )


def _t(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _verify_signature(
    item: _Loaded,
    ring: KeyRing,
    source: TrailSource,
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


def _verify_logs(
    source: TrailSource,
    digests: list[_Loaded],
    logs: dict[str, ObjectKey],
    window: TimeRange,
) -> tuple[dict[tuple[str, str], list[Finding]], dict[tuple[str, str], LogFileCounts]]:
    """Hash every listed log file; find missing ones and ones no digest lists."""
    expected: dict[str, list[tuple[str, str, bool]]] = {}
    newest_end: dict[tuple[str, str], datetime] = {}
    for item in digests:
        d = item.digest
        if d is None or not item.usable:
            continue
        proven = item.state is DigestState.VALID
        for entry in d.log_files:
            expected.setdefault(entry.key, []).append((entry.hash_value, item.key, proven))
        if not item.obj.backfill:
            region = (item.obj.account, item.obj.region)
            newest_end[region] = max(d.end, newest_end.get(region, d.end))

    present = [k for k in expected if k in logs]
    checks = {
        c.key: c for c in parallel_map(source.workers, lambda k: _check_log(source, k), present)
    }
    findings: dict[tuple[str, str], list[Finding]] = {}
    tallies: dict[tuple[str, str], dict[str, int]] = {}

    def add(region: tuple[str, str], finding: Finding | None, tally: str) -> None:
        if finding is not None:
            findings.setdefault(region, []).append(finding)
        counts = tallies.setdefault(region, {})
        counts[tally] = counts.get(tally, 0) + 1

    for key, claims in sorted(expected.items()):
        named = classify(key)
        region = (named.account, named.region)
        counts = tallies.setdefault(region, {})
        counts["referenced"] = counts.get("referenced", 0) + 1
        by = claims[0][1]
        check = checks.get(key)
        if check is None or check.missing:
            add(
                region,
                Finding(FindingKind.LOG_FILE_MISSING, key, f"listed in {by}, not present"),
                "missing",
            )
            continue
        if check.error:
            add(region, Finding(FindingKind.LOG_FILE_INACCESSIBLE, key, check.error), "invalid")
            continue
        if check.problem is InflateProblem.TRAILING_DATA:
            add(
                region,
                Finding(
                    FindingKind.LOG_FILE_TRAILING_DATA,
                    key,
                    f"{check.trailing} bytes after the gzip stream (the hashed content is intact; "
                    "the appended data is not covered by any digest)",
                ),
                "invalid",
            )
            continue
        if check.problem is not InflateProblem.NONE:
            add(
                region,
                Finding(FindingKind.LOG_FILE_UNREADABLE, key, check.problem.value),
                "invalid",
            )
            continue
        wrong = [d for h, d, _ in claims if h != check.sha256]
        if wrong:
            add(
                region,
                Finding(
                    FindingKind.LOG_FILE_HASH_MISMATCH,
                    key,
                    f"SHA-256 differs from the value in {wrong[0]}",
                ),
                "invalid",
            )
            continue
        if any(proven for _, _, proven in claims):
            add(region, None, "valid")

    for key, obj in sorted(logs.items()):
        if key in expected or not _log_in(obj, window):
            continue
        region = (obj.account, obj.region)
        end = newest_end.get(region)
        if (
            end is not None
            and obj.delivered is not None
            and obj.delivered + timedelta(minutes=1) > end
        ):
            add(
                region,
                Finding(
                    FindingKind.LOG_FILE_PENDING,
                    key,
                    f"delivered after the newest digest ({_t(end)}); not yet covered",
                ),
                "pending",
            )
        else:
            add(
                region,
                Finding(FindingKind.LOG_FILE_UNREFERENCED, key, "no digest lists this log file"),
                "unreferenced",
            )

    counts_out = {region: LogFileCounts(**values) for region, values in tallies.items()}
    return findings, counts_out


def _log_in(obj: ObjectKey, window: TimeRange) -> bool:
    when = obj.delivered
    if when is None:
        return True
    if window.start is not None and when < window.start:
        return False
    return not (window.end is not None and when > window.end + SPILL_OVER)


def _check_log(source: TrailSource, key: str) -> _LogCheck:
    try:
        content = source.read(key)
    except ObjectMissing:
        return _LogCheck(key, "", InflateProblem.NONE, 0, missing=True)
    except TrailError as exc:
        return _LogCheck(key, "", InflateProblem.NONE, 0, error=exc.diagnostics())
    inflated = inflate(content.data)
    return _LogCheck(key, inflated.sha256, inflated.problem, inflated.trailing_bytes)

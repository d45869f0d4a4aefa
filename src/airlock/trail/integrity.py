"""Prove a CloudTrail trail intact and complete: digest chains, signatures, log-file hashes.

Beyond ``aws cloudtrail validate-logs`` (``reference/audit.md`` §1.6) this also finds log
files no digest lists (injected), data appended after the gzip stream, every region and
trail in one run, and backfill digests as chains of their own. The digest chains themselves
are walked in ``chain``; this module lists the source, hashes every log file, and assembles
one report per account and region.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from msgspec import Struct

from airlock.errors import InputError, TrailError
from airlock.trail.chain import (
    SPILL_OVER,
    DigestState,
    LoadedDigest,
    TimeRange,
    check_location,
    format_time,
    load_digest,
    verify_chain,
)
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
from airlock.trail.layout import ObjectKey, ObjectKind, classify
from airlock.trail.source import ObjectMissing, TrailSource, parallel_map

__all__ = ["KeyProvider", "TimeRange", "verify"]

KeyProvider = Callable[[Collection[str], datetime, datetime], KeyRing]
"""Given the regions and the time span of the digests, the keys that may have signed them."""


class _LogCheck(Struct, frozen=True):
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
        for d in parallel_map(
            source.workers, lambda o: load_digest(source, o), [*digests, *context]
        )
    }
    for item in loaded.values():
        check_location(item, source.bucket)

    starts = [d.digest.start for d in loaded.values() if d.digest]
    ends = [d.digest.end for d in loaded.values() if d.digest]
    now = datetime.now(UTC)
    ring = keys(
        {d.obj.region for d in loaded.values()}, min(starts, default=now), max(ends, default=now)
    )

    chains: dict[tuple[str, str, str, str, bool], list[LoadedDigest]] = {}
    for item in sorted(loaded.values(), key=lambda d: (d.obj.delivered or now, d.key)):
        o = item.obj
        chains.setdefault((o.account, o.region, o.trail, o.home_region, o.backfill), []).append(
            item
        )
    in_range = {o.key for o in digests}
    summaries: dict[tuple[str, str], list[ChainSummary]] = {}
    chain_findings: dict[tuple[str, str], list[Finding]] = {}
    for (account, region, trail, home, backfill), members in chains.items():
        found = verify_chain(members, ring, backfill, window, all_digest_keys, in_range)
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
    in_window = ((o.account, o.region) for o in logs.values() if _log_in(o, window))
    regions = sorted({*summaries, *log_findings, *in_window})
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


def _verify_logs(
    source: TrailSource,
    digests: list[LoadedDigest],
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
                    f"delivered after the newest digest ({format_time(end)}); not yet covered",
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

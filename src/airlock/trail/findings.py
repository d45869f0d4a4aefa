"""What trail verification found: named findings, and a report per account and region.

Every way a trail can fail to prove itself has a name (``FindingKind``) and a fixed
``Severity``. FAIL means the trail is not intact or not complete; UNVERIFIED means Airlock
could not prove it either way (no signature, no key, unreadable) and is never a pass.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from msgspec import Struct, field


class Severity(StrEnum):
    FAIL = "FAIL"
    UNVERIFIED = "UNVERIFIED"
    WARN = "WARN"
    INFO = "INFO"


class FindingKind(StrEnum):
    """Each detectable problem, named as reports and tests refer to it."""

    DIGEST_SIGNATURE_INVALID = "digest-signature-invalid"
    DIGEST_UNSIGNED = "digest-unsigned"
    DIGEST_KEY_UNKNOWN = "digest-key-unknown"
    DIGEST_MOVED = "digest-moved"
    DIGEST_OTHER_BUCKET = "digest-other-bucket"
    DIGEST_UNREADABLE = "digest-unreadable"
    DIGEST_TRAILING_DATA = "digest-trailing-data"
    DIGEST_MALFORMED = "digest-malformed"
    DIGEST_MISSING = "digest-missing"
    CHAIN_BREAK = "chain-break"
    CHAIN_RESTART = "chain-restart"
    DIGEST_GAP = "digest-gap"
    DIGEST_OVERLAP = "digest-overlap"
    BACKFILL_UNSTAMPED = "backfill-unstamped"
    LOG_FILE_MISSING = "log-file-missing"
    LOG_FILE_HASH_MISMATCH = "log-file-hash-mismatch"
    LOG_FILE_TRAILING_DATA = "log-file-trailing-data"
    LOG_FILE_UNREADABLE = "log-file-unreadable"
    LOG_FILE_INACCESSIBLE = "log-file-inaccessible"
    LOG_FILE_UNREFERENCED = "log-file-unreferenced"
    LOG_FILE_PENDING = "log-file-pending"
    NO_DIGESTS = "no-digests"
    UNEXPECTED_OBJECT = "unexpected-object"

    @property
    def severity(self) -> Severity:
        return _SEVERITY[self]


_SEVERITY: dict[FindingKind, Severity] = {
    FindingKind.DIGEST_SIGNATURE_INVALID: Severity.FAIL,
    FindingKind.DIGEST_UNSIGNED: Severity.UNVERIFIED,
    FindingKind.DIGEST_KEY_UNKNOWN: Severity.UNVERIFIED,
    FindingKind.DIGEST_MOVED: Severity.FAIL,
    FindingKind.DIGEST_OTHER_BUCKET: Severity.WARN,
    FindingKind.DIGEST_UNREADABLE: Severity.FAIL,
    FindingKind.DIGEST_TRAILING_DATA: Severity.FAIL,
    FindingKind.DIGEST_MALFORMED: Severity.FAIL,
    FindingKind.DIGEST_MISSING: Severity.FAIL,
    FindingKind.CHAIN_BREAK: Severity.FAIL,
    FindingKind.CHAIN_RESTART: Severity.WARN,
    FindingKind.DIGEST_GAP: Severity.FAIL,
    FindingKind.DIGEST_OVERLAP: Severity.WARN,
    FindingKind.BACKFILL_UNSTAMPED: Severity.WARN,
    FindingKind.LOG_FILE_MISSING: Severity.FAIL,
    FindingKind.LOG_FILE_HASH_MISMATCH: Severity.FAIL,
    FindingKind.LOG_FILE_TRAILING_DATA: Severity.FAIL,
    FindingKind.LOG_FILE_UNREADABLE: Severity.FAIL,
    FindingKind.LOG_FILE_INACCESSIBLE: Severity.UNVERIFIED,
    FindingKind.LOG_FILE_UNREFERENCED: Severity.FAIL,
    FindingKind.LOG_FILE_PENDING: Severity.INFO,
    FindingKind.NO_DIGESTS: Severity.FAIL,
    FindingKind.UNEXPECTED_OBJECT: Severity.WARN,
}


class Status(StrEnum):
    """Overall outcome of a report."""

    VERIFIED = "VERIFIED"
    FAILED = "FAILED"
    UNVERIFIED = "UNVERIFIED"


def status_of(findings: tuple[Finding, ...] | list[Finding]) -> Status:
    severities = {f.kind.severity for f in findings}
    if Severity.FAIL in severities:
        return Status.FAILED
    if Severity.UNVERIFIED in severities:
        return Status.UNVERIFIED
    return Status.VERIFIED


class Finding(Struct, frozen=True):
    kind: FindingKind
    key: str
    """The object the finding is about (digest, log file, or the missing object's key)."""
    detail: str

    @property
    def severity(self) -> Severity:
        return self.kind.severity

    def to_json(self) -> dict[str, str]:
        return {
            "kind": self.kind.value,
            "severity": self.severity.value,
            "key": self.key,
            "detail": self.detail,
        }


class ChainSummary(Struct, frozen=True):
    """One digest chain (a trail's regular or backfill digests in one region)."""

    trail: str
    home_region: str
    backfill: bool
    digests: int
    digests_valid: int
    first_start: datetime | None
    last_end: datetime | None

    def to_json(self) -> dict[str, Any]:
        return {
            "trail": self.trail,
            "home_region": self.home_region,
            "backfill": self.backfill,
            "digests": self.digests,
            "digests_valid": self.digests_valid,
            "first_start": _iso(self.first_start),
            "last_end": _iso(self.last_end),
        }


class LogFileCounts(Struct, frozen=True):
    referenced: int = 0
    """Listed by at least one digest."""
    valid: int = 0
    """Present, hash matches, and listed by a digest whose signature verified."""
    missing: int = 0
    invalid: int = 0
    """Present but hash mismatch, trailing data, unreadable or inaccessible."""
    unreferenced: int = 0
    pending: int = 0

    def to_json(self) -> dict[str, int]:
        return {
            "referenced": self.referenced,
            "valid": self.valid,
            "missing": self.missing,
            "invalid": self.invalid,
            "unreferenced": self.unreferenced,
            "pending": self.pending,
        }


class RegionReport(Struct, frozen=True):
    """The verdict for one account and region over the time range covered."""

    account: str
    region: str
    chains: tuple[ChainSummary, ...]
    log_files: LogFileCounts
    findings: tuple[Finding, ...]
    covered_from: datetime | None
    covered_to: datetime | None

    @property
    def status(self) -> Status:
        return status_of(self.findings)

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "region": self.region,
            "status": self.status.value,
            "covered": {"from": _iso(self.covered_from), "to": _iso(self.covered_to)},
            "chains": [c.to_json() for c in self.chains],
            "log_files": self.log_files.to_json(),
            "findings": [f.to_json() for f in self.findings],
        }


class VerifyReport(Struct, frozen=True):
    source: str
    requested_from: datetime | None
    requested_to: datetime | None
    regions: tuple[RegionReport, ...]
    findings: tuple[Finding, ...] = ()
    """Findings not attributable to one account and region."""
    keys: tuple[dict[str, Any], ...] = ()
    keys_unavailable: dict[str, str] = field(default_factory=dict)

    @property
    def all_findings(self) -> tuple[Finding, ...]:
        return self.findings + tuple(f for r in self.regions for f in r.findings)

    @property
    def status(self) -> Status:
        return status_of(self.all_findings)

    def kinds(self) -> set[FindingKind]:
        return {f.kind for f in self.all_findings}

    def to_json(self) -> dict[str, Any]:
        counts: dict[str, int] = {}
        for finding in self.all_findings:
            counts[finding.kind.value] = counts.get(finding.kind.value, 0) + 1
        return {
            "source": self.source,
            "requested": {"from": _iso(self.requested_from), "to": _iso(self.requested_to)},
            "status": self.status.value,
            "summary": dict(sorted(counts.items())),
            "public_keys": list(self.keys),
            "public_keys_unavailable": dict(self.keys_unavailable),
            "reports": [r.to_json() for r in self.regions],
            "findings": [f.to_json() for f in self.findings],
        }


def _iso(moment: datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment is not None else None

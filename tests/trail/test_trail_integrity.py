from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import trail_tamper as tamper

from airlock.errors import InputError
from airlock.trail.digest import parse_digest
from airlock.trail.findings import FindingKind, Status, VerifyReport
from airlock.trail.integrity import TimeRange, verify
from airlock.trail.keys import KeyRing, load_pem_key
from airlock.trail.source import LocalSource
from airlock.trail.synthetic import GeneratedTrail, SigningKey


def run(trail: GeneratedTrail, ring: KeyRing, window: TimeRange | None = None) -> VerifyReport:
    return verify(LocalSource(trail.root), lambda *_: ring, window)


def findings_about(report: VerifyReport, kind: FindingKind) -> set[str]:
    return {f.key for f in report.all_findings if f.kind is kind}


def test_clean_trail_is_verified(trail: GeneratedTrail, key_ring: KeyRing) -> None:
    report = run(trail, key_ring)
    assert report.status is Status.VERIFIED, report.to_json()
    assert report.all_findings == ()
    [region] = report.regions
    assert (region.account, region.region) == (trail.spec.account, "eu-west-1")
    [chain] = region.chains
    assert chain.digests == chain.digests_valid == len(trail.digest_keys) == trail.spec.hours
    assert region.log_files.valid == region.log_files.referenced == len(trail.log_keys)
    assert region.covered_from == trail.spec.start and region.covered_to == trail.spec.end


def test_string_to_sign_matches_the_documented_format(trail: GeneratedTrail) -> None:
    first, second = trail.digest_keys[:2]
    content = gzip.decompress(tamper.path(trail, first).read_bytes())
    digest = parse_digest(content, hashlib.sha256(content).hexdigest())
    assert (
        digest.string_to_sign()
        == (
            f"{digest.end_text}\n{trail.spec.bucket}/{first}\n{hashlib.sha256(content).hexdigest()}\nnull"
        ).encode()
    )
    newer = json.loads(gzip.decompress(tamper.path(trail, second).read_bytes()))
    sidecar = json.loads(tamper.path(trail, first + ".metadata.json").read_text())
    assert newer["previousDigestSignature"] == sidecar["signature"]
    assert sidecar["signature-algorithm"] == "SHA256withRSA"


def test_fingerprint_is_md5_of_pkcs1_der(signing_key: SigningKey, public_key_pem: Path) -> None:
    key = load_pem_key(public_key_pem)
    assert hashlib.md5(signing_key.public_der_pkcs1()).hexdigest() == signing_key.fingerprint
    assert signing_key.fingerprint in key.fingerprints


def _middle(trail: GeneratedTrail) -> tuple[str, str]:
    """A log file and the digest of hour 1 (neither the first nor the last)."""
    return trail.logs_by_hour[("eu-west-1", 1)][1], trail.digests_by_hour[("eu-west-1", 1)]


Tamper = Callable[[GeneratedTrail, SigningKey], str]


def _modified_log(t: GeneratedTrail, _: SigningKey) -> str:
    log, _digest = _middle(t)
    tamper.modify_log(t, log)
    return log


def _reordered_records(t: GeneratedTrail, _: SigningKey) -> str:
    log, _digest = _middle(t)
    tamper.reorder_records(t, log)
    return log


def _deleted_log(t: GeneratedTrail, _: SigningKey) -> str:
    log, _digest = _middle(t)
    tamper.delete(t, log)
    return log


def _injected_log(t: GeneratedTrail, _: SigningKey) -> str:
    return tamper.inject_log(t, 1)


def _appended_log(t: GeneratedTrail, _: SigningKey) -> str:
    log, _digest = _middle(t)
    tamper.append_member(t, log)
    return log


def _truncated_log(t: GeneratedTrail, _: SigningKey) -> str:
    log, _digest = _middle(t)
    tamper.truncate(t, log)
    return log


def _modified_digest(t: GeneratedTrail, _: SigningKey) -> str:
    _log, digest = _middle(t)
    tamper.modify_digest(t, digest)
    return digest


def _deleted_digest(t: GeneratedTrail, _: SigningKey) -> str:
    _log, digest = _middle(t)
    tamper.delete(t, digest)
    return digest


def _reordered_digests(t: GeneratedTrail, _: SigningKey) -> str:
    tamper.swap_digests(t, t.digest_keys[1], t.digest_keys[2])
    return t.digest_keys[1]


def _truncated_digest(t: GeneratedTrail, _: SigningKey) -> str:
    _log, digest = _middle(t)
    tamper.truncate(t, digest)
    return digest


def _forged_digest(t: GeneratedTrail, attacker: SigningKey) -> str:
    _log, digest = _middle(t)
    tamper.resign_digest(t, digest, attacker)
    return digest


TAMPER_MATRIX: list[tuple[str, Tamper, set[FindingKind]]] = [
    ("modified log file", _modified_log, {FindingKind.LOG_FILE_HASH_MISMATCH}),
    ("reordered records in a log file", _reordered_records, {FindingKind.LOG_FILE_HASH_MISMATCH}),
    ("deleted log file", _deleted_log, {FindingKind.LOG_FILE_MISSING}),
    ("injected log file", _injected_log, {FindingKind.LOG_FILE_UNREFERENCED}),
    ("appended gzip member", _appended_log, {FindingKind.LOG_FILE_TRAILING_DATA}),
    ("truncated log file", _truncated_log, {FindingKind.LOG_FILE_UNREADABLE}),
    (
        "modified digest",
        _modified_digest,
        {FindingKind.DIGEST_SIGNATURE_INVALID, FindingKind.CHAIN_BREAK},
    ),
    (
        "deleted digest",
        _deleted_digest,
        {FindingKind.DIGEST_MISSING, FindingKind.LOG_FILE_UNREFERENCED},
    ),
    ("reordered digests", _reordered_digests, {FindingKind.DIGEST_MOVED, FindingKind.CHAIN_BREAK}),
    (
        "truncated digest",
        _truncated_digest,
        {FindingKind.DIGEST_UNREADABLE, FindingKind.CHAIN_BREAK},
    ),
    (
        "digest re-signed by another key",
        _forged_digest,
        {FindingKind.DIGEST_KEY_UNKNOWN, FindingKind.CHAIN_BREAK},
    ),
]


@pytest.mark.parametrize(
    ("case", "attack", "expected"), TAMPER_MATRIX, ids=[c[0] for c in TAMPER_MATRIX]
)
def test_tamper_is_detected_and_named(
    case: str,
    attack: Tamper,
    expected: set[FindingKind],
    trail: GeneratedTrail,
    key_ring: KeyRing,
    attacker_key: SigningKey,
) -> None:
    touched = attack(trail, attacker_key)
    report = run(trail, key_ring)
    assert report.status is Status.FAILED, case
    assert expected <= report.kinds(), f"{case}: got {sorted(report.kinds())}"
    assert any(touched in (f.key, *f.detail.split()) for f in report.all_findings), case


def test_truncated_trail_tail_is_a_gap_when_the_range_says_so(
    trail: GeneratedTrail, key_ring: KeyRing
) -> None:
    newest = trail.digest_keys[-1]
    tamper.delete(trail, newest)
    for log in trail.logs_by_hour[("eu-west-1", trail.spec.hours - 1)]:
        tamper.delete(trail, log)
    assert run(trail, key_ring).status is Status.VERIFIED  # nothing left to contradict
    report = run(trail, key_ring, TimeRange(trail.spec.start, trail.spec.end))
    assert FindingKind.DIGEST_GAP in report.kinds()
    assert report.status is Status.FAILED


def test_missing_sidecar_is_vouched_for_by_the_newer_digest(
    trail: GeneratedTrail, key_ring: KeyRing
) -> None:
    tamper.remove_sidecar(trail, trail.digest_keys[1])
    report = run(trail, key_ring)
    assert report.status is Status.VERIFIED, report.to_json()


def test_newest_digest_without_sidecar_cannot_be_verified(
    trail: GeneratedTrail, key_ring: KeyRing
) -> None:
    newest = trail.digest_keys[-1]
    tamper.remove_sidecar(trail, newest)
    report = run(trail, key_ring)
    assert report.status is Status.UNVERIFIED
    [finding] = [f for f in report.all_findings if f.kind is FindingKind.DIGEST_UNSIGNED]
    assert finding.key == newest and "metadata.json is missing" in finding.detail


def test_without_public_keys_nothing_is_proven(trail: GeneratedTrail) -> None:
    report = run(trail, KeyRing((), {"eu-west-1": "no --public-key given"}))
    assert report.status is Status.UNVERIFIED
    assert findings_about(report, FindingKind.DIGEST_KEY_UNKNOWN) == set(trail.digest_keys)
    assert report.regions[0].log_files.valid == 0


def test_stopped_logging_is_a_restart_and_a_gap(
    make_trail: Callable[..., GeneratedTrail], key_ring: KeyRing
) -> None:
    trail = make_trail(stopped_hours=(2,), hours=5)
    report = run(trail, key_ring)
    kinds = report.kinds()
    assert {FindingKind.CHAIN_RESTART, FindingKind.DIGEST_GAP} <= kinds
    assert kinds <= {FindingKind.CHAIN_RESTART, FindingKind.DIGEST_GAP}
    [gap] = [f for f in report.all_findings if f.kind is FindingKind.DIGEST_GAP]
    assert "(1.0 h)" in gap.detail


def test_backfill_digests_vouch_for_late_log_files(
    make_trail: Callable[..., GeneratedTrail], key_ring: KeyRing
) -> None:
    trail = make_trail(backfill_hours=(1,))
    report = run(trail, key_ring)
    assert report.status is Status.VERIFIED, report.to_json()
    region = report.regions[0]
    assert [c.backfill for c in region.chains] == [False, True]
    assert region.chains[1].digests_valid == 1
    assert region.log_files.valid == len(trail.log_keys)

    tamper.path(trail, trail.backfill_keys[0] + ".metadata.json").write_text(
        json.dumps(
            {
                "signature": json.loads(
                    tamper.path(trail, trail.backfill_keys[0] + ".metadata.json").read_text()
                )["signature"],
                "signature-algorithm": "SHA256withRSA",
            }
        )
    )
    assert FindingKind.BACKFILL_UNSTAMPED in run(trail, key_ring).kinds()


def test_log_files_after_the_newest_digest_are_pending_not_injected(
    trail: GeneratedTrail, key_ring: KeyRing
) -> None:
    late = tamper.inject_log(trail, trail.spec.hours)  # delivered after the last digest window
    report = run(trail, key_ring)
    assert findings_about(report, FindingKind.LOG_FILE_PENDING) == {late}
    assert report.status is Status.VERIFIED


def test_range_limits_what_is_judged(trail: GeneratedTrail, key_ring: KeyRing) -> None:
    # A copy that starts at hour 2: the chain's earlier digests are simply out of scope.
    for hour in (0, 1):
        tamper.delete(trail, trail.digests_by_hour[("eu-west-1", hour)])
        for log in trail.logs_by_hour[("eu-west-1", hour)]:
            tamper.delete(trail, log)
    start = trail.spec.start + timedelta(hours=2)
    assert run(trail, key_ring, TimeRange(start, trail.spec.end)).status is Status.VERIFIED
    assert FindingKind.DIGEST_MISSING in run(trail, key_ring).kinds()


def test_report_per_account_and_region(
    make_trail: Callable[..., GeneratedTrail], key_ring: KeyRing
) -> None:
    trail = make_trail(regions=("eu-west-1", "eu-central-1"), hours=2)
    tamper.modify_log(trail, trail.logs_by_hour[("eu-central-1", 0)][0])
    report = run(trail, key_ring)
    by_region = {r.region: r for r in report.regions}
    assert by_region["eu-west-1"].status is Status.VERIFIED
    assert by_region["eu-central-1"].status is Status.FAILED
    assert report.to_json()["summary"] == {"log-file-hash-mismatch": 1}


def test_unexpected_object_in_a_delivery_folder(trail: GeneratedTrail, key_ring: KeyRing) -> None:
    stray = tamper.path(
        trail, f"AWSLogs/{trail.spec.account}/CloudTrail/eu-west-1/2026/05/01/extra.json.gz"
    )
    stray.write_bytes(gzip.compress(b'{"Records":[]}'))
    report = run(trail, key_ring)
    assert FindingKind.UNEXPECTED_OBJECT in report.kinds()


def test_a_folder_without_any_trail_is_an_input_error(tmp_path: Path, key_ring: KeyRing) -> None:
    with pytest.raises(InputError, match="no CloudTrail log or digest files"):
        verify(LocalSource(tmp_path), lambda *_: key_ring)


def test_window_must_be_ordered() -> None:
    with pytest.raises(InputError):
        TimeRange(datetime(2026, 5, 2, tzinfo=UTC), datetime(2026, 5, 1, tzinfo=UTC))

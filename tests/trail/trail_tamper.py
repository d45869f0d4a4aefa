"""Ways to tamper with a generated trail folder, one function per attack."""

from __future__ import annotations

import gzip
import json
import os
from datetime import timedelta
from pathlib import Path

from airlock.trail.layout import log_file_key, sidecar_name
from airlock.trail.synthetic import GeneratedTrail, SigningKey, sign_digest


def path(trail: GeneratedTrail, key: str) -> Path:
    return trail.root.joinpath(*key.split("/"))


def _records(trail: GeneratedTrail, key: str) -> dict[str, object]:
    return json.loads(gzip.decompress(path(trail, key).read_bytes()))  # type: ignore[no-any-return]


def _write_json(trail: GeneratedTrail, key: str, doc: object) -> None:
    path(trail, key).write_bytes(
        gzip.compress(json.dumps(doc, separators=(",", ":")).encode(), mtime=0)
    )


def modify_log(trail: GeneratedTrail, key: str) -> None:
    """Rewrite one record: hide who called."""
    doc = _records(trail, key)
    records = doc["Records"]
    assert isinstance(records, list)
    records[0]["sourceIPAddress"] = "10.0.0.1"
    _write_json(trail, key, doc)


def reorder_records(trail: GeneratedTrail, key: str) -> None:
    doc = _records(trail, key)
    records = doc["Records"]
    assert isinstance(records, list)
    records.reverse()
    _write_json(trail, key, doc)


def delete(trail: GeneratedTrail, key: str) -> None:
    target = path(trail, key)
    target.unlink()
    sidecar = target.with_name(sidecar_name(target.name))
    if sidecar.exists():
        sidecar.unlink()


def inject_log(trail: GeneratedTrail, hour: int) -> str:
    """A well-formed log file delivered mid-window that no digest lists."""
    begin, _ = trail.spec.window(hour)
    key = log_file_key(
        trail.spec.prefix,
        trail.spec.account,
        trail.spec.regions[0],
        begin + timedelta(minutes=33),
        "INJECTEDinjected",
    )
    record = {
        "eventVersion": "1.11",
        "eventTime": "2026-05-01T00:30:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "awsRegion": trail.spec.regions[0],
        "eventID": "injected-event",
        "requestID": "injected-request",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/ghost"},
    }
    target = path(trail, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(gzip.compress(json.dumps({"Records": [record]}).encode(), mtime=0))
    return key


def append_member(trail: GeneratedTrail, key: str) -> None:
    """A second gzip member after a valid file: the digest hash still matches the first."""
    record = {
        "eventVersion": "1.11",
        "eventTime": "2026-05-01T00:31:00Z",
        "eventSource": "bedrock.amazonaws.com",
        "eventName": "InvokeModel",
        "eventID": "appended-event",
        "requestID": "appended-request",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/APPENDED"},
    }
    with path(trail, key).open("ab") as f:
        f.write(gzip.compress(json.dumps({"Records": [record]}).encode(), mtime=0))


def truncate(trail: GeneratedTrail, key: str) -> None:
    target = path(trail, key)
    data = target.read_bytes()
    target.write_bytes(data[: len(data) // 2])


def swap_digests(trail: GeneratedTrail, first: str, second: str) -> None:
    """Reorder: two digests (and their signatures) exchange places."""
    for suffix in ("", ".metadata.json"):
        a, b = path(trail, first + suffix), path(trail, second + suffix)
        tmp = a.with_name(a.name + ".swap")
        os.replace(a, tmp)
        os.replace(b, a)
        os.replace(tmp, b)


def modify_digest(trail: GeneratedTrail, key: str) -> None:
    """Point a digest at a forged hash for its first log file, keep the old signature."""
    doc = _records(trail, key)
    files = doc["logFiles"]
    assert isinstance(files, list)
    files[0]["hashValue"] = "0" * 64
    _write_json(trail, key, doc)


def resign_digest(trail: GeneratedTrail, key: str, attacker: SigningKey) -> None:
    """Forge a digest and sign it with the attacker's own key."""
    doc = _records(trail, key)
    doc["digestPublicKeyFingerprint"] = attacker.fingerprint
    files = doc["logFiles"]
    assert isinstance(files, list)
    files[0]["hashValue"] = "0" * 64
    sign_digest(trail.root, key, doc, attacker)


def remove_sidecar(trail: GeneratedTrail, key: str) -> None:
    target = path(trail, key)
    target.with_name(sidecar_name(target.name)).unlink()

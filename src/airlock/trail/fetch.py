"""Copy a trail out of S3 for offline work and evidence preservation.

Keys become relative paths under the target folder, unchanged. S3 user metadata has no
place inside an object's bytes, so each object's boto3 ``Metadata`` map is written next to
it as ``<file name>.metadata.json`` (for a digest: ``signature`` and
``signature-algorithm``). ``airlock-fetch-manifest.json`` records the bucket, and each
object's size, ETag, VersionId and SHA-256 as fetched. A re-run fetches only what is new or
changed (by ETag). Only GetObject and ListObjectsV2 are called.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from msgspec import Struct, field

from airlock.errors import InputError, TrailError
from airlock.trail.layout import FETCH_MANIFEST, is_sidecar, sidecar_name
from airlock.trail.source import ListedObject, ObjectMissing, S3Source, parallel_map


class FetchSummary(Struct):
    source: str
    target: str
    listed: int = 0
    fetched: int = 0
    unchanged: int = 0
    bytes: int = 0
    vanished: list[str] = field(default_factory=list)
    """Listed, then gone before it could be read."""

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "listed": self.listed,
            "fetched": self.fetched,
            "unchanged": self.unchanged,
            "bytes": self.bytes,
            "vanished": list(self.vanished),
        }


def _safe_path(root: Path, key: str) -> Path:
    """The local path of ``key``, refusing keys that would escape ``root``."""
    parts = PurePosixPath(key).parts
    if not parts or key.startswith("/") or any(p in ("..", ".", "") for p in parts) or "\\" in key:
        raise TrailError(f"refusing to fetch object with unsafe key {key!r}")
    return root.joinpath(*parts)


def _load_manifest(target: Path, bucket: str) -> dict[str, dict[str, Any]]:
    path = target / FETCH_MANIFEST
    if not path.exists():
        return {}
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(path), f"unreadable fetch manifest: {exc}") from exc
    if manifest.get("bucket") != bucket:
        raise InputError(
            str(path), f"folder holds a copy of bucket {manifest.get('bucket')!r}, not {bucket!r}"
        )
    objects = manifest.get("objects", {})
    return objects if isinstance(objects, dict) else {}


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.part")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def fetch(source: S3Source, target: Path) -> FetchSummary:
    """Copy every object under the source prefix into ``target``, with metadata sidecars."""
    target.mkdir(parents=True, exist_ok=True)
    bucket = source.location.bucket
    previous = _load_manifest(target, bucket)
    summary = FetchSummary(source.description, str(target))
    listed = source.list()
    summary.listed = len(listed)
    for item in listed:
        _safe_path(target, item.key)
        if is_sidecar(item.key) or item.key == FETCH_MANIFEST:
            raise TrailError(f"object {item.key!r} would collide with Airlock's own files")

    def wanted(item: ListedObject) -> bool:
        entry = previous.get(item.key)
        local = _safe_path(target, item.key)
        return not (
            entry is not None
            and item.etag
            and entry.get("etag") == item.etag
            and local.exists()
            and local.stat().st_size == item.size
            and local.with_name(sidecar_name(local.name)).exists()
        )

    todo = [item for item in listed if wanted(item)]
    summary.unchanged = len(listed) - len(todo)

    def copy(item: ListedObject) -> tuple[str, dict[str, Any] | None]:
        try:
            data, metadata, etag, version = source.get_object(item.key)
        except ObjectMissing:
            return item.key, None
        local = _safe_path(target, item.key)
        _write_atomic(local, data)
        sidecar = json.dumps(metadata, indent=2, sort_keys=True).encode() + b"\n"
        _write_atomic(local.with_name(sidecar_name(local.name)), sidecar)
        return item.key, {
            "size": len(data),
            "etag": etag,
            "version_id": version or None,
            "sha256": hashlib.sha256(data).hexdigest(),
            "fetched_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }

    objects = dict(previous)
    for key, entry in parallel_map(source.workers, copy, todo):
        if entry is None:
            summary.vanished.append(key)
            continue
        objects[key] = entry
        summary.fetched += 1
        summary.bytes += int(entry["size"])
    manifest = {
        "tool": "airlock trail fetch",
        "source": source.description,
        "bucket": bucket,
        "prefix": source.location.prefix,
        "updated_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "objects": dict(sorted(objects.items())),
    }
    _write_atomic(target / FETCH_MANIFEST, json.dumps(manifest, indent=1).encode() + b"\n")
    return summary

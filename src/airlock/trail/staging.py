"""Staging: inflate one object (first gzip member), hash it, write it uncompressed for DuckDB.

Content reaches DuckDB only through here, so appended gzip members are never read
(``reference/audit.md`` §1.5), and DuckDB parses plain JSON instead of taking its slower
gzip path. The staging folder is RAM-backed (/dev/shm) where the OS has one; batches bound
its size.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from msgspec import Struct

from airlock.trail.inflate import Inflated, InflateProblem, inflate
from airlock.trail.layout import ObjectKey
from airlock.trail.source import ListedObject, ObjectMissing, TrailSource

BATCH_BYTES = 112 * 1024 * 1024
"""Uncompressed bytes staged per DuckDB statement (about 80k CloudTrail records).

Measured on 1M records: batches larger than one DuckDB row group (122,880 rows) made the
final checkpoint rewrite the table (7 s, database 176 MB instead of 95 MB)."""


VANISHED = "listed, then gone when read (not recorded; a later run will retry)"


class Staged(Struct, frozen=True):
    """One object, inflated and hashed, and where its content waits for DuckDB."""

    obj: ObjectKey
    listed: ListedObject
    inflated: Inflated
    path: str
    """Staged uncompressed content; empty when nothing can be ingested."""
    single_line: bool
    vanished: bool = False
    """Listed, then gone when read: reported, not recorded (a later run may find it)."""


@contextlib.contextmanager
def staging_area() -> Iterator[Path]:
    """A private folder for uncompressed content: RAM-backed /dev/shm when the OS has one."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="airlock-trail-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def stage(
    source: TrailSource, folder: Path, index: int, obj: ObjectKey, listed: ListedObject
) -> Staged:
    """Read, inflate and hash one object; write its first gzip member to ``folder``."""
    try:
        content = source.read(obj.key)
    except ObjectMissing:
        return Staged(obj, listed, inflate(b""), "", False, vanished=True)
    inflated = inflate(content.data)
    if (
        inflated.problem not in (InflateProblem.NONE, InflateProblem.TRAILING_DATA)
        or not inflated.data
    ):
        return Staged(obj, listed, inflated, "", False)
    path = folder / f"{index:07d}.json"
    path.write_bytes(inflated.data)
    body = inflated.data.rstrip(b"\n")
    single_line = body.find(b"\n") == -1
    return Staged(obj, listed, inflated, str(path), single_line)


def batches(items: Sequence[tuple[ObjectKey, ListedObject]], ratio: int) -> Iterator[list[int]]:
    """Indexes of ``items`` grouped so each group's estimated inflated size is bounded."""
    batch: list[int] = []
    size = 0
    for i, (_, listed) in enumerate(items):
        batch.append(i)
        size += listed.size * ratio
        if size >= BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def problem_of(item: Staged) -> str | None:
    """Why an object's content is not ingested exactly as delivered, if it is not."""
    if not item.inflated.ok:
        return item.inflated.problem.value
    if not item.path:
        return "empty object"
    return None

"""Inflate one gzip object the way CloudTrail's hashes are defined: first member only.

CloudTrail hashes the *uncompressed* content of a log file. A second gzip member appended to a
valid file leaves that hash valid, yet DuckDB and Python's ``gzip`` read the appended records
(``reference/audit.md`` §1.5). So Airlock inflates exactly one member, reports any bytes after
it, and hands the query engine only the bytes it hashed.
"""

from __future__ import annotations

import hashlib
import zlib
from enum import StrEnum

from msgspec import Struct


class InflateProblem(StrEnum):
    """Why an object's content cannot be trusted as delivered."""

    NONE = ""
    NOT_GZIP = "not a gzip stream"
    CORRUPT = "corrupt gzip stream"
    TRUNCATED = "truncated gzip stream (ends before the end of the compressed data)"
    TRAILING_DATA = "unexpected data after the end of the gzip stream"


class Inflated(Struct, frozen=True):
    """The first gzip member of an object, its SHA-256, and what follows it."""

    data: bytes
    """Uncompressed content of the first member (partial when ``problem`` is TRUNCATED)."""
    sha256: str
    """Hex SHA-256 of ``data``: the value CloudTrail digests record."""
    compressed_size: int
    trailing_bytes: int
    problem: InflateProblem

    @property
    def ok(self) -> bool:
        return self.problem is InflateProblem.NONE


_GZIP = zlib.MAX_WBITS | 16


def inflate(raw: bytes) -> Inflated:
    """Inflate the first gzip member of ``raw``; never raises on bad input."""
    inflater = zlib.decompressobj(_GZIP)
    try:
        data = inflater.decompress(raw)
    except zlib.error:
        problem = InflateProblem.NOT_GZIP if raw[:2] != b"\x1f\x8b" else InflateProblem.CORRUPT
        return Inflated(b"", hashlib.sha256(b"").hexdigest(), len(raw), 0, problem)
    trailing = len(inflater.unused_data)
    if not inflater.eof:
        problem = InflateProblem.TRUNCATED
    elif trailing:
        problem = InflateProblem.TRAILING_DATA
    else:
        problem = InflateProblem.NONE
    return Inflated(data, hashlib.sha256(data).hexdigest(), len(raw), trailing, problem)

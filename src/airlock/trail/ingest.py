"""Ingest a trail into DuckDB: idempotent, incremental, from the bytes that were hashed.

Each object is ingested once, keyed by its bucket key (a second run adds nothing; a run
after new deliveries adds only those). Content reaches DuckDB only as the first gzip member,
inflated and hashed by Airlock (``staging``), so appended gzip members are never read
(``reference/audit.md`` §1.5). Log batches are parsed by DuckDB (``loading``) while the next
batch is staged; digests and large invocation payloads are loaded here.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from msgspec import Struct, field

from airlock.errors import TrailError
from airlock.trail.digest import DigestFormatError, parse_digest
from airlock.trail.inflate import Inflated, inflate
from airlock.trail.layout import ObjectKey, ObjectKind, classify
from airlock.trail.loading import (
    PARSE_ERRORS,
    SOURCE_INSERT,
    Delta,
    load_json_files,
    rollback,
    source_row,
)
from airlock.trail.records import PAYLOAD_INSERT
from airlock.trail.source import ListedObject, ObjectMissing, TrailSource, parallel_map
from airlock.trail.staging import VANISHED, problem_of, stage, staging_area


class IngestSummary(Struct):
    """What one ingest run did."""

    source: str
    files_listed: int = 0
    files_already: int = 0
    files_added: dict[str, int] = field(default_factory=dict)
    events_added: int = 0
    events_duplicate: int = 0
    invocations_added: int = 0
    payloads_added: int = 0
    digests_added: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)
    """(key, why its content is incomplete or could not be ingested)."""
    conflicts: list[str] = field(default_factory=list)
    """Keys already ingested whose object has changed size since."""
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.source,
            "files_listed": self.files_listed,
            "files_already_ingested": self.files_already,
            "files_added": dict(sorted(self.files_added.items())),
            "events_added": self.events_added,
            "events_duplicate": self.events_duplicate,
            "invocations_added": self.invocations_added,
            "payloads_added": self.payloads_added,
            "digests_added": self.digests_added,
            "problems": [{"key": k, "problem": p} for k, p in self.problems],
            "changed_since_ingested": list(self.conflicts),
            "seconds": round(self.seconds, 3),
        }


def ingest(source: TrailSource, con: duckdb.DuckDBPyConnection) -> IngestSummary:
    """Add every not-yet-ingested object of ``source`` to the store behind ``con``.

    The whole run is one transaction (a crash leaves the store as it was; re-running is
    safe). If a malformed file aborts it, the run is redone batch by batch, and each file
    that DuckDB cannot parse is recorded with its problem instead of its records.
    """
    started = time.perf_counter()
    listed = source.list()
    known = dict(con.execute("SELECT key, object_size FROM source_files").fetchall())
    fresh: dict[ObjectKind, list[tuple[ObjectKey, ListedObject]]] = {}
    already = 0
    conflicts: list[str] = []
    for item in listed:
        obj = classify(item.key)
        if obj.kind is ObjectKind.OTHER:
            continue
        if item.key in known:
            already += 1
            if known[item.key] != item.size:
                conflicts.append(item.key)
            continue
        fresh.setdefault(obj.kind, []).append((obj, item))
    _record_conflicts(con, source, conflicts, known, {o.key: o.size for o in listed})

    def run(careful: bool) -> IngestSummary:
        summary = IngestSummary(source.description, len(listed), already, conflicts=list(conflicts))
        with staging_area() as folder:
            if not careful:
                con.execute("BEGIN TRANSACTION")
            try:
                _ingest_digests(source, con, fresh.get(ObjectKind.DIGEST, []), summary)
                for kind in (ObjectKind.CLOUDTRAIL_LOG, ObjectKind.INVOCATION_LOG):
                    _apply(
                        summary,
                        load_json_files(source, con, folder, fresh.get(kind, []), careful=careful),
                    )
                _ingest_payloads(
                    source, con, folder, fresh.get(ObjectKind.INVOCATION_PAYLOAD, []), summary
                )
                if careful:
                    con.execute("BEGIN TRANSACTION")
                _finalise(con, summary)
                con.execute("COMMIT")
            except BaseException:
                rollback(con)
                raise
        return summary

    try:
        summary = run(careful=False)
    except PARSE_ERRORS:
        summary = run(careful=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _apply(summary: IngestSummary, delta: Delta) -> None:
    summary.events_added += delta.events
    summary.invocations_added += delta.invocations
    summary.problems.extend(delta.problems)
    for kind, n in delta.files.items():
        summary.files_added[kind] = summary.files_added.get(kind, 0) + n


def _finalise(con: duckdb.DuckDBPyConnection, summary: IngestSummary) -> None:
    """Count records per new file, then drop events already stored from another file.

    CloudTrail may deliver an event twice (``addendum``); the first delivery by key order
    is kept. Checking once per run is far cheaper than an anti-join per batch.
    """
    for table, kind in (("events", "cloudtrail-log"), ("invocations", "invocation-log")):
        con.execute(
            f"UPDATE source_files s SET records = c.n FROM ("
            f" SELECT file_key, count(*) AS n FROM {table}"
            f" WHERE file_key IN (SELECT key FROM source_files WHERE records IS NULL AND kind = '{kind}')"
            f" GROUP BY 1) c WHERE s.key = c.file_key"
        )
    con.execute("UPDATE source_files SET records = 0 WHERE records IS NULL")
    duplicates = con.execute(
        "SELECT rowid FROM (SELECT rowid, row_number() OVER (PARTITION BY event_id ORDER BY file_key, rowid) AS rn"
        " FROM events WHERE event_id IN (SELECT event_id FROM events GROUP BY 1 HAVING count(*) > 1))"
        " WHERE rn > 1"
    ).fetchall()
    if duplicates:
        con.execute("CREATE OR REPLACE TEMP TABLE duplicate_rows (id BIGINT)")
        con.executemany("INSERT INTO temp.duplicate_rows VALUES (?)", duplicates)
        con.execute("DELETE FROM events WHERE rowid IN (SELECT id FROM temp.duplicate_rows)")
    summary.events_duplicate += len(duplicates)
    summary.events_added -= len(duplicates)


def _record_conflicts(
    con: duckdb.DuckDBPyConnection,
    source: TrailSource,
    keys: list[str],
    known: dict[str, int],
    sizes: dict[str, int],
) -> None:
    now = datetime.now(UTC).replace(tzinfo=None)
    for key in keys:
        con.execute(
            "INSERT INTO file_conflicts SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM file_conflicts WHERE key = ? AND seen_size = ?)",
            [key, source.description, now, known[key], sizes[key], key, sizes[key]],
        )


def _ingest_digests(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    items: list[tuple[ObjectKey, ListedObject]],
    summary: IngestSummary,
) -> None:
    def load(
        pair: tuple[ObjectKey, ListedObject],
    ) -> tuple[ObjectKey, ListedObject, Inflated | None, dict[str, str] | None]:
        obj, listed = pair
        try:
            content = source.read(obj.key, with_metadata=True)
        except ObjectMissing:
            return obj, listed, None, None
        return (
            obj,
            listed,
            inflate(content.data),
            dict(content.metadata) if content.metadata is not None else None,
        )

    rows: list[list[object]] = []
    for obj, listed, inflated, metadata in parallel_map(source.workers, load, items):
        if inflated is None:
            summary.problems.append((obj.key, VANISHED))
            continue
        problem = None if inflated.ok else inflated.problem.value
        records = 0
        if inflated.ok:
            try:
                d = parse_digest(inflated.data, inflated.sha256)
            except DigestFormatError as exc:
                problem = f"not a CloudTrail digest: {exc}"
            else:
                records = 1
                con.execute(
                    "INSERT INTO digests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        obj.key,
                        d.account,
                        obj.region,
                        obj.trail,
                        obj.home_region,
                        obj.backfill,
                        d.start.replace(tzinfo=None),
                        d.end.replace(tzinfo=None),
                        d.fingerprint,
                        d.previous_key,
                        d.previous_hash,
                        (metadata or {}).get("signature"),
                        d.sha256,
                        len(d.log_files),
                    ],
                )
                if d.log_files:
                    con.executemany(
                        "INSERT INTO digest_log_files VALUES (?, ?, ?, ?, ?)",
                        [
                            [obj.key, e.key, e.hash_value, e.oldest_event, e.newest_event]
                            for e in d.log_files
                        ],
                    )
                summary.digests_added += 1
        if problem:
            summary.problems.append((obj.key, problem))
        rows.append(source_row(source, obj, listed, inflated, records, problem))
        summary.files_added[obj.kind.value] = summary.files_added.get(obj.kind.value, 0) + 1
    if rows:
        con.executemany(SOURCE_INSERT, rows)


def _ingest_payloads(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    items: list[tuple[ObjectKey, ListedObject]],
    summary: IngestSummary,
) -> None:
    """Large bodies under ``data/``: hashed, sized, kept as text for ``--reveal``."""
    if not items:
        return
    staged = list(
        parallel_map(
            source.workers,
            lambda p: stage(source, folder, p[0], p[1][0], p[1][1]),
            list(enumerate(items)),
        )
    )
    readable = [s for s in staged if s.path]
    if readable:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE payload_files (path VARCHAR, key VARCHAR, request_id VARCHAR, "
            "direction VARCHAR, sha256 VARCHAR, bytes BIGINT)"
        )
        con.executemany(
            "INSERT INTO temp.payload_files VALUES (?, ?, ?, ?, ?, ?)",
            [
                [
                    s.path,
                    s.obj.key,
                    s.obj.request_id,
                    s.obj.direction,
                    s.inflated.sha256,
                    len(s.inflated.data),
                ]
                for s in readable
            ],
        )
        con.execute(PAYLOAD_INSERT, [[s.path for s in readable]])
        summary.payloads_added += len(readable)
    rows: list[list[object]] = []
    for item in staged:
        if item.vanished:
            summary.problems.append((item.obj.key, VANISHED))
            continue
        problem = problem_of(item)
        if problem:
            summary.problems.append((item.obj.key, problem))
        rows.append(
            source_row(source, item.obj, item.listed, item.inflated, 1 if item.path else 0, problem)
        )
        kind = item.obj.kind.value
        summary.files_added[kind] = summary.files_added.get(kind, 0) + 1
    if rows:
        con.executemany(SOURCE_INSERT, rows)
    for item in staged:
        if item.path:
            os.unlink(item.path)


def ingest_path(source: TrailSource, db: Path) -> IngestSummary:
    """Open (or create) the database at ``db`` and ingest ``source`` into it.

    The reported time includes closing the database (its final checkpoint).
    """
    from airlock.trail.store import connect

    started = time.perf_counter()
    con = connect(db)
    try:
        summary = ingest(source, con)
    except duckdb.Error as exc:
        raise TrailError(f"{db}: ingest failed: {str(exc).splitlines()[0]}") from exc
    finally:
        con.close()
    summary.seconds = time.perf_counter() - started
    return summary

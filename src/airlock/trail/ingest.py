"""Ingest a trail into DuckDB: idempotent, incremental, from the bytes that were hashed.

Each object is ingested once, keyed by its bucket key (a second run adds nothing; a run
after new deliveries adds only those). Content reaches DuckDB only as the first gzip member,
inflated and hashed by Airlock and staged uncompressed, so appended gzip members are never
read (``reference/audit.md`` §1.5) and DuckDB skips its slower gzip path. Staging runs one
batch ahead of DuckDB on a thread pool; DuckDB releases the GIL while it parses.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb

from airlock.errors import TrailError
from airlock.trail.digest import DigestFormatError, parse_digest
from airlock.trail.inflate import Inflated, InflateProblem, inflate
from airlock.trail.layout import ObjectKey, ObjectKind, classify
from airlock.trail.records import (
    CLOUDTRAIL_COLUMNS,
    CLOUDTRAIL_INSERT,
    INVOCATION_COLUMNS,
    INVOCATION_INSERT,
    PAYLOAD_INSERT,
    columns_literal,
)
from airlock.trail.source import ListedObject, ObjectMissing, TrailSource, parallel_map

BATCH_BYTES = 112 * 1024 * 1024
"""Uncompressed bytes staged per DuckDB statement (about 80k CloudTrail records).

Measured on 1M records: batches larger than one DuckDB row group (122,880 rows) made the
final checkpoint rewrite the table (7 s, database 176 MB instead of 95 MB)."""


@dataclass
class IngestSummary:
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


@dataclass(frozen=True)
class _Staged:
    obj: ObjectKey
    listed: ListedObject
    inflated: Inflated
    path: str
    """Staged uncompressed content; empty when nothing can be ingested."""
    single_line: bool
    vanished: bool = False
    """Listed, then gone when read: reported, not recorded (a later run may find it)."""


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
        with _staging_area() as stage:
            if not careful:
                con.execute("BEGIN TRANSACTION")
            try:
                _ingest_digests(source, con, fresh.get(ObjectKind.DIGEST, []), summary)
                for kind in (ObjectKind.CLOUDTRAIL_LOG, ObjectKind.INVOCATION_LOG):
                    _ingest_json(source, con, stage, fresh.get(kind, []), summary, careful=careful)
                _ingest_payloads(
                    source, con, stage, fresh.get(ObjectKind.INVOCATION_PAYLOAD, []), summary
                )
                if careful:
                    con.execute("BEGIN TRANSACTION")
                _finalise(con, summary)
                con.execute("COMMIT")
            except BaseException:
                _rollback(con)
                raise
        return summary

    try:
        summary = run(careful=False)
    except _PARSE_ERRORS:
        summary = run(careful=True)
    summary.seconds = time.perf_counter() - started
    return summary


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # no transaction was open
        con.execute("ROLLBACK")


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


@contextlib.contextmanager
def _staging_area() -> Iterator[Path]:
    """A private folder for uncompressed content: RAM-backed /dev/shm when the OS has one."""
    base = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
    path = Path(tempfile.mkdtemp(prefix="airlock-trail-", dir=base))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


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


def _source_row(
    source: TrailSource,
    obj: ObjectKey,
    listed: ListedObject,
    inflated: Inflated,
    records: int | None,
    problem: str | None,
) -> list[object]:
    return [
        obj.key,
        obj.kind.value,
        source.description,
        obj.account or None,
        obj.region or None,
        obj.delivered.replace(tzinfo=None) if obj.delivered else None,
        listed.size,
        listed.etag or None,
        len(inflated.data),
        inflated.sha256,
        inflated.trailing_bytes,
        problem,
        records,
        datetime.now(UTC).replace(tzinfo=None),
    ]


VANISHED = "listed, then gone when read (not recorded; a later run will retry)"

_SOURCE_INSERT = "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"


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
        rows.append(_source_row(source, obj, listed, inflated, records, problem))
        summary.files_added[obj.kind.value] = summary.files_added.get(obj.kind.value, 0) + 1
    if rows:
        con.executemany(_SOURCE_INSERT, rows)


def _stage(
    source: TrailSource, stage: Path, index: int, obj: ObjectKey, listed: ListedObject
) -> _Staged:
    try:
        content = source.read(obj.key)
    except ObjectMissing:
        return _Staged(obj, listed, inflate(b""), "", False, vanished=True)
    inflated = inflate(content.data)
    if (
        inflated.problem not in (InflateProblem.NONE, InflateProblem.TRAILING_DATA)
        or not inflated.data
    ):
        return _Staged(obj, listed, inflated, "", False)
    path = stage / f"{index:07d}.json"
    path.write_bytes(inflated.data)
    body = inflated.data.rstrip(b"\n")
    single_line = body.find(b"\n") == -1
    return _Staged(obj, listed, inflated, str(path), single_line)


def _batches(items: Sequence[tuple[ObjectKey, ListedObject]], ratio: int) -> Iterator[list[int]]:
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


def _ingest_json(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    stage: Path,
    items: list[tuple[ObjectKey, ListedObject]],
    summary: IngestSummary,
    *,
    careful: bool,
) -> None:
    """CloudTrail or invocation log files: stage a batch ahead, insert a batch at a time."""
    if not items:
        return
    batches = list(_batches(items, 12))
    with ThreadPoolExecutor(max_workers=source.workers) as pool:

        def submit(batch: list[int]) -> list[Future[_Staged]]:
            return [pool.submit(_stage, source, stage, i, items[i][0], items[i][1]) for i in batch]

        pending = submit(batches[0])
        for n in range(len(batches)):
            staged = [f.result() for f in pending]
            pending = submit(batches[n + 1]) if n + 1 < len(batches) else []
            try:
                if careful:
                    _insert_carefully(source, con, staged, summary)
                else:
                    _insert(source, con, staged, failure=None).merge_into(summary)
            finally:
                for item in staged:
                    if item.path:
                        os.unlink(item.path)


@dataclass
class _Delta:
    """What inserting one batch added; merged into the summary once committed."""

    events: int = 0
    invocations: int = 0
    files: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def merge_into(self, summary: IngestSummary) -> None:
        summary.events_added += self.events
        summary.invocations_added += self.invocations
        summary.problems.extend(self.problems)
        for kind, n in self.files.items():
            summary.files_added[kind] = summary.files_added.get(kind, 0) + n


_PARSE_ERRORS = (duckdb.InvalidInputException, duckdb.ConversionException)


def _insert_carefully(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    staged: list[_Staged],
    summary: IngestSummary,
) -> None:
    """One transaction for the batch; on a parse error, one per file, bad files recorded."""
    try:
        _in_transaction(con, partial(_insert, source, con, staged, failure=None)).merge_into(
            summary
        )
        return
    except _PARSE_ERRORS:
        pass
    for item in staged:
        try:
            delta = _in_transaction(con, partial(_insert, source, con, [item], failure=None))
        except _PARSE_ERRORS as exc:
            reason = f"not valid JSON of its kind: {str(exc).splitlines()[0]}"
            delta = _in_transaction(con, partial(_insert, source, con, [item], failure=reason))
        delta.merge_into(summary)


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], _Delta]) -> _Delta:
    con.execute("BEGIN TRANSACTION")
    try:
        result = work()
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise
    return result


def _insert(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    staged: list[_Staged],
    *,
    failure: str | None,
) -> _Delta:
    """Insert the records of ``staged`` and their ``source_files`` rows (records counted later)."""
    delta = _Delta()
    readable = [s for s in staged if s.path] if failure is None else []
    if readable:
        added = _load_files(con, readable)
        if readable[0].obj.kind is ObjectKind.CLOUDTRAIL_LOG:
            delta.events += added
        else:
            delta.invocations += added
    rows: list[list[object]] = []
    for item in staged:
        if item.vanished:
            delta.problems.append((item.obj.key, VANISHED))
            continue
        problem = failure or _problem(item)
        if problem:
            delta.problems.append((item.obj.key, problem))
        rows.append(_source_row(source, item.obj, item.listed, item.inflated, None, problem))
        kind = item.obj.kind.value
        delta.files[kind] = delta.files.get(kind, 0) + 1
    if rows:
        con.executemany(_SOURCE_INSERT, rows)
    return delta


def _problem(item: _Staged) -> str | None:
    """Why an object's content is not ingested exactly as delivered, if it is not."""
    if not item.inflated.ok:
        return item.inflated.problem.value
    if not item.path:
        return "empty object"
    return None


def _load_files(con: duckdb.DuckDBPyConnection, staged: list[_Staged]) -> int:
    """Parse staged files straight into their table, naming each row's file by its key."""
    cloudtrail = staged[0].obj.kind is ObjectKind.CLOUDTRAIL_LOG
    largest = max(len(s.inflated.data) for s in staged)
    max_size = max(16 * 1024 * 1024, 1 << (largest.bit_length() + 1))
    con.execute("CREATE OR REPLACE TEMP TABLE batch_files (path VARCHAR, key VARCHAR)")
    con.executemany(
        "INSERT INTO temp.batch_files VALUES (?, ?)", [[s.path, s.obj.key] for s in staged]
    )
    columns = columns_literal(CLOUDTRAIL_COLUMNS if cloudtrail else INVOCATION_COLUMNS)
    table = "events" if cloudtrail else "invocations"
    added = 0
    for single_line, fmt in ((True, "newline_delimited"), (False, "auto")):
        paths = [s.path for s in staged if s.single_line is single_line]
        if not paths:
            continue
        read = (
            f"read_json(?, records = true, format = '{fmt}', maximum_object_size = {max_size}, "
            f"filename = true, columns = {columns})"
        )
        if cloudtrail:
            select = CLOUDTRAIL_INSERT.format(
                read=f"(SELECT unnest(Records) AS r, filename FROM {read})"
            )
        else:
            select = INVOCATION_INSERT.format(read=read)
        row = con.execute(
            f"INSERT INTO {table} BY NAME SELECT n.* REPLACE (f.key AS file_key) FROM ({select}) n "
            "JOIN temp.batch_files f ON f.path = n.file_key",
            [paths],
        ).fetchone()
        added += int(row[0]) if row else 0
    return added


def _ingest_payloads(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    stage: Path,
    items: list[tuple[ObjectKey, ListedObject]],
    summary: IngestSummary,
) -> None:
    """Large bodies under ``data/``: hashed, sized, kept as text for ``--reveal``."""
    if not items:
        return
    staged = list(
        parallel_map(
            source.workers,
            lambda p: _stage(source, stage, p[0], p[1][0], p[1][1]),
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
        problem = _problem(item)
        if problem:
            summary.problems.append((item.obj.key, problem))
        rows.append(
            _source_row(
                source, item.obj, item.listed, item.inflated, 1 if item.path else 0, problem
            )
        )
        kind = item.obj.kind.value
        summary.files_added[kind] = summary.files_added.get(kind, 0) + 1
    if rows:
        con.executemany(_SOURCE_INSERT, rows)
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

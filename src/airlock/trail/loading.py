"""Load staged CloudTrail and invocation log files into DuckDB, a batch per statement.

Normally a whole ingest run is one transaction. ``careful`` mode (used after a malformed
file aborted a run) commits per batch and, when a batch fails to parse, per file, recording
the bad file with its problem instead of its records.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
from msgspec import Struct, field

from airlock.trail.inflate import Inflated
from airlock.trail.layout import ObjectKey, ObjectKind
from airlock.trail.records import (
    CLOUDTRAIL_COLUMNS,
    CLOUDTRAIL_INSERT,
    INVOCATION_COLUMNS,
    INVOCATION_INSERT,
    columns_literal,
)
from airlock.trail.source import ListedObject, TrailSource
from airlock.trail.staging import VANISHED, Staged, batches, problem_of, stage

SOURCE_INSERT = "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

PARSE_ERRORS = (duckdb.InvalidInputException, duckdb.ConversionException)
"""What DuckDB raises for a file it cannot parse (as opposed to a bug in our SQL)."""


def rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Abandon the open transaction, if there is one."""
    with contextlib.suppress(duckdb.Error):  # no transaction was open
        con.execute("ROLLBACK")


def source_row(
    source: TrailSource,
    obj: ObjectKey,
    listed: ListedObject,
    inflated: Inflated,
    records: int | None,
    problem: str | None,
) -> list[object]:
    """The ``source_files`` row recording one delivered object and its SHA-256."""
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


class Delta(Struct):
    """What loading added; the caller folds it into its summary once committed."""

    events: int = 0
    invocations: int = 0
    files: dict[str, int] = field(default_factory=dict)
    problems: list[tuple[str, str]] = field(default_factory=list)

    def add(self, other: Delta) -> None:
        self.events += other.events
        self.invocations += other.invocations
        self.problems.extend(other.problems)
        for kind, n in other.files.items():
            self.files[kind] = self.files.get(kind, 0) + n


def load_json_files(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    folder: Path,
    items: list[tuple[ObjectKey, ListedObject]],
    *,
    careful: bool,
) -> Delta:
    """CloudTrail or invocation log files: stage a batch ahead, insert a batch at a time."""
    total = Delta()
    if not items:
        return total
    groups = list(batches(items, 12))
    with ThreadPoolExecutor(max_workers=source.workers) as pool:

        def submit(batch: list[int]) -> list[Future[Staged]]:
            return [pool.submit(stage, source, folder, i, items[i][0], items[i][1]) for i in batch]

        pending = submit(groups[0])
        for n in range(len(groups)):
            staged = [f.result() for f in pending]
            pending = submit(groups[n + 1]) if n + 1 < len(groups) else []
            try:
                if careful:
                    total.add(_insert_carefully(source, con, staged))
                else:
                    total.add(_insert(source, con, staged, failure=None))
            finally:
                for item in staged:
                    if item.path:
                        os.unlink(item.path)
    return total


def _insert_carefully(
    source: TrailSource, con: duckdb.DuckDBPyConnection, staged: list[Staged]
) -> Delta:
    """One transaction for the batch; on a parse error, one per file, bad files recorded."""
    try:
        return _in_transaction(con, partial(_insert, source, con, staged, failure=None))
    except PARSE_ERRORS:
        pass
    total = Delta()
    for item in staged:
        try:
            delta = _in_transaction(con, partial(_insert, source, con, [item], failure=None))
        except PARSE_ERRORS as exc:
            reason = f"not valid JSON of its kind: {str(exc).splitlines()[0]}"
            delta = _in_transaction(con, partial(_insert, source, con, [item], failure=reason))
        total.add(delta)
    return total


def _in_transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], Delta]) -> Delta:
    con.execute("BEGIN TRANSACTION")
    try:
        result = work()
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise
    return result


def _insert(
    source: TrailSource,
    con: duckdb.DuckDBPyConnection,
    staged: list[Staged],
    *,
    failure: str | None,
) -> Delta:
    """Insert the records of ``staged`` and their ``source_files`` rows (records counted later)."""
    delta = Delta()
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
        problem = failure or problem_of(item)
        if problem:
            delta.problems.append((item.obj.key, problem))
        rows.append(source_row(source, item.obj, item.listed, item.inflated, None, problem))
        kind = item.obj.kind.value
        delta.files[kind] = delta.files.get(kind, 0) + 1
    if rows:
        con.executemany(SOURCE_INSERT, rows)
    return delta


def _load_files(con: duckdb.DuckDBPyConnection, staged: list[Staged]) -> int:
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

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import trail_tamper as tamper

from airlock.trail.ingest import ingest
from airlock.trail.source import LocalSource
from airlock.trail.store import connect
from airlock.trail.synthetic import GeneratedTrail


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> object:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0]


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    return {
        table: scalar(con, f"SELECT count(*) FROM {table}")
        for table in (
            "events",
            "invocations",
            "payloads",
            "digests",
            "digest_log_files",
            "source_files",
        )
    }


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path / "trail.duckdb")


def test_ingest_stores_everything_the_trail_holds(
    trail: GeneratedTrail, con: duckdb.DuckDBPyConnection
) -> None:
    summary = ingest(LocalSource(trail.root), con)
    assert summary.problems == [] and summary.conflicts == []
    assert summary.events_added == trail.records
    assert summary.invocations_added == trail.invocation_records
    assert summary.payloads_added == len(trail.payload_keys)
    assert summary.digests_added == len(trail.digest_keys)
    assert counts(con) == {
        "events": trail.records,
        "invocations": trail.invocation_records,
        "payloads": len(trail.payload_keys),
        "digests": len(trail.digest_keys),
        "digest_log_files": len(trail.log_keys),
        "source_files": len(trail.log_keys)
        + len(trail.digest_keys)
        + len(trail.invocation_keys)
        + len(trail.payload_keys),
    }
    assert scalar(con, "SELECT count(*) FROM model_call_events") == trail.model_calls
    # Every model call with content is joined to CloudTrail by request id.
    assert scalar(
        con, "SELECT count(*) FROM model_calls WHERE in_cloudtrail AND in_invocation_log"
    ) == (trail.invocation_records)
    assert scalar(con, "SELECT count(*) FROM model_calls WHERE NOT in_cloudtrail") == 0
    # Large bodies delivered under data/ are found through the payloads table.
    assert (
        scalar(
            con,
            "SELECT count(*) FROM invocation_content WHERE input_s3_path IS NOT NULL "
            "AND input_hash IS NOT NULL AND output_hash IS NOT NULL",
        )
        == len(trail.payload_keys) // 2
    )
    # The per-file record counts add up, and each log file matches the digest that lists it.
    assert (
        scalar(con, "SELECT sum(records) FROM source_files WHERE kind = 'cloudtrail-log'")
        == trail.records
    )
    assert scalar(
        con, "SELECT count(*) FROM file_integrity WHERE hash_matches AND NOT hash_conflicts"
    ) == (len(trail.log_keys))


def test_ingest_twice_adds_nothing(trail: GeneratedTrail, con: duckdb.DuckDBPyConnection) -> None:
    ingest(LocalSource(trail.root), con)
    before = counts(con)
    again = ingest(LocalSource(trail.root), con)
    assert counts(con) == before
    assert again.files_added == {} and again.events_added == 0
    assert again.files_already == before["source_files"]


def test_ingest_is_incremental(
    trail: GeneratedTrail, tmp_path: Path, con: duckdb.DuckDBPyConnection
) -> None:
    partial = tmp_path / "partial"
    late = set(trail.logs_by_hour[("eu-west-1", trail.spec.hours - 1)])
    for file in trail.root.rglob("*"):
        key = file.relative_to(trail.root).as_posix()
        if file.is_file() and key not in late:
            (partial / key).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, partial / key)
    first = ingest(LocalSource(partial), con)
    second = ingest(LocalSource(trail.root), con)
    assert second.files_added == {"cloudtrail-log": len(late)}
    assert first.events_added + second.events_added == trail.records
    assert scalar(con, "SELECT count(*) FROM events") == trail.records


def test_appended_records_are_never_ingested(
    trail: GeneratedTrail, con: duckdb.DuckDBPyConnection
) -> None:
    victim = trail.log_keys[2]
    tamper.append_member(trail, victim)
    summary = ingest(LocalSource(trail.root), con)
    assert summary.events_added == trail.records
    assert scalar(con, "SELECT count(*) FROM events WHERE principal_arn LIKE '%APPENDED%'") == 0
    assert [k for k, _ in summary.problems] == [victim]
    assert (
        scalar(con, f"SELECT trailing_bytes > 0 FROM source_files WHERE key = '{victim}'") is True
    )


def test_truncated_and_malformed_files_are_recorded_not_fatal(
    trail: GeneratedTrail, con: duckdb.DuckDBPyConnection
) -> None:
    truncated, malformed = trail.log_keys[1], trail.log_keys[4]
    tamper.truncate(trail, truncated)
    tamper.path(trail, malformed).write_bytes(gzip.compress(b'{"Records": [{"eventID": "x", '))
    summary = ingest(LocalSource(trail.root), con)
    problems = dict(summary.problems)
    assert set(problems) == {truncated, malformed}
    assert "truncated" in problems[truncated]
    assert "not valid JSON" in problems[malformed]
    lost = sum(
        len(json.loads(gzip.decompress(Path(p).read_bytes()))["Records"])
        for p in [tamper.path(trail, k) for k in trail.log_keys if k not in (truncated, malformed)]
    )
    assert scalar(con, "SELECT count(*) FROM events") == lost
    # Recorded with their problem, so a second run does not retry them.
    again = ingest(LocalSource(trail.root), con)
    assert again.files_added == {}


def test_changed_files_are_reported_not_reingested(
    trail: GeneratedTrail, con: duckdb.DuckDBPyConnection
) -> None:
    ingest(LocalSource(trail.root), con)
    tamper.modify_log(trail, trail.log_keys[0])
    tamper.append_member(trail, trail.log_keys[0])
    summary = ingest(LocalSource(trail.root), con)
    assert summary.conflicts == [trail.log_keys[0]]
    assert scalar(con, "SELECT count(*) FROM file_conflicts") == 1
    assert scalar(con, "SELECT count(*) FROM events") == trail.records


def test_an_event_delivered_twice_is_stored_once(
    trail: GeneratedTrail, con: duckdb.DuckDBPyConnection
) -> None:
    original = tamper.path(trail, trail.log_keys[0])
    copy_key = trail.log_keys[0].replace(
        trail.log_keys[0].rsplit("_", 1)[1], "DuplicateDeliv12.json.gz"
    )
    shutil.copy2(original, tamper.path(trail, copy_key))
    summary = ingest(LocalSource(trail.root), con)
    per_file = scalar(con, f"SELECT records FROM source_files WHERE key = '{copy_key}'")
    assert per_file == trail.spec.records_per_file
    assert summary.events_duplicate == per_file
    assert scalar(con, "SELECT count(*) FROM events") == trail.records
    assert scalar(con, "SELECT count(DISTINCT event_id) FROM events") == trail.records

"""Named queries and the scope report, checked against the raw files (read with plain json)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from airlock.errors import UsageError
from airlock.trail.ingest import ingest
from airlock.trail.queries import CATALOG, QueryParams, run_query
from airlock.trail.render import OutputFormat, render_query
from airlock.trail.scope import build_scope, render_scope_json, render_scope_markdown
from airlock.trail.source import LocalSource
from airlock.trail.store import MODEL_CALL_EVENTS, connect
from airlock.trail.synthetic import PROMPT_MARKER, RESPONSE_MARKER, GeneratedTrail, access_key

ALLOWED = ("eu-west-1", "eu-central-1", "eu-west-3")


@pytest.fixture(scope="module")
def db(
    pristine: GeneratedTrail, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(tmp_path_factory.mktemp("db") / "trail.duckdb")
    ingest(LocalSource(pristine.root), con)
    yield con
    con.close()


def raw_records(trail: GeneratedTrail) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    for key in trail.log_keys:
        records.extend(
            json.loads(gzip.decompress(trail.root.joinpath(key).read_bytes()))["Records"]
        )
    return records


def raw_invocations(trail: GeneratedTrail) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for key in trail.invocation_keys:
        text = gzip.decompress(trail.root.joinpath(key).read_bytes()).decode()
        out.extend(json.loads(line) for line in text.splitlines() if line)
    return out


def model_calls(trail: GeneratedTrail) -> list[dict[str, Any]]:
    return [
        r
        for r in raw_records(trail)
        if r["eventSource"] == "bedrock.amazonaws.com" and r["eventName"] in MODEL_CALL_EVENTS
    ]


def rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    return run_query(con, name, QueryParams(**params)).records()


def test_model_calls_by_principal_and_model(
    db: duckdb.DuckDBPyConnection, pristine: GeneratedTrail
) -> None:
    result = rows(db, "model-calls")
    assert sum(r["calls"] for r in result) == pristine.model_calls == len(model_calls(pristine))
    app = rows(db, "model-calls", principal="*:role/claims-genai-app")
    expected = [
        c for c in model_calls(pristine) if "/claims-genai-app/" in c["userIdentity"]["arn"]
    ]
    assert {r["principal"] for r in app} == {"arn:aws:iam::111122223333:role/claims-genai-app"}
    assert sum(r["calls"] for r in app) == len(expected)
    assert min(r["first_seen"] for r in app) == min(
        datetime.fromisoformat(c["eventTime"]).replace(tzinfo=None) for c in expected
    )


def test_calls_outside_the_vpc_endpoint(
    db: duckdb.DuckDBPyConnection, pristine: GeneratedTrail
) -> None:
    result = rows(db, "no-vpc-endpoint")
    expected = {c["requestID"] for c in model_calls(pristine) if "vpcEndpointId" not in c}
    assert expected and {r["request_id"] for r in result} == expected
    assert {r["principal_arn"] for r in result} == {"arn:aws:iam::111122223333:user/legacy-batch"}


def test_calls_processed_outside_the_allowed_regions(
    db: duckdb.DuckDBPyConnection, pristine: GeneratedTrail
) -> None:
    result = rows(db, "outside-regions", allowed_regions=ALLOWED)
    expected = {
        c["requestID"]
        for c in model_calls(pristine)
        if c.get("additionalEventData", {}).get("inferenceRegion", c["awsRegion"]) not in ALLOWED
    }
    assert expected and {r["request_id"] for r in result} == expected
    assert {r["processed_in"] for r in result} == {"us-east-2"}


def test_guardrail_interventions(db: duckdb.DuckDBPyConnection, pristine: GeneratedTrail) -> None:
    def intervened(body: Any) -> bool:
        text = json.dumps(body)
        return (
            "guardrail_intervened" in text
            or '"amazon-bedrock-guardrailAction": "INTERVENED"' in text
        )

    expected = set()
    for entry in raw_invocations(pristine):
        body = entry["output"].get("outputBodyJson")
        if body is None:  # delivered under data/
            key = entry["output"]["outputBodyS3Path"].split("/", 3)[3]
            body = json.loads(gzip.decompress(pristine.root.joinpath(key).read_bytes()))
        if intervened(body):
            expected.add(entry["requestId"])
    result = rows(db, "guardrail-interventions")
    assert expected and {r["request_id"] for r in result} == expected


def test_new_principals(db: duckdb.DuckDBPyConnection, pristine: GeneratedTrail) -> None:
    last_hour = pristine.spec.start + timedelta(hours=pristine.spec.hours - 1)
    result = rows(db, "new-principals", start=last_hour)
    assert {r["principal"] for r in result} == {
        "arn:aws:iam::111122223333:role/contractor-x",
        "arn:aws:iam::111122223333:user/contractor",
    }
    assert rows(
        db, "new-principals", start=pristine.spec.start - timedelta(days=1)
    )  # everyone is new then


def test_key_chain_reaches_the_human(db: duckdb.DuckDBPyConnection) -> None:
    key = access_key("claims-genai-app", "eu-west-1", 2)
    chain = rows(db, "key-chain", access_key=key)
    assert [(c["depth"], c["event_name"], c["role_arn"]) for c in chain] == [
        (1, "AssumeRole", "arn:aws:iam::111122223333:role/claims-genai-app"),
        (2, "AssumeRoleWithSAML", "arn:aws:iam::111122223333:role/BedrockOperators"),
    ]
    assert (
        chain[0]["caller"]
        == "arn:aws:sts::111122223333:assumed-role/BedrockOperators/alice@bank.example"
    )
    assert chain[-1]["human"] == "alice@bank.example"
    contractor = rows(db, "key-chain", access_key=access_key("contractor-x", "eu-west-1", 3))
    assert contractor[-1]["human"] == "arn:aws:iam::111122223333:user/contractor"
    assert rows(db, "key-chain", access_key="ASIANOTKNOWN00000000") == []


def test_trail_changes(make_trail: Any, tmp_path: Path) -> None:
    trail = make_trail(stopped_hours=(2,), hours=4)
    con = connect(tmp_path / "stopped.duckdb")
    ingest(LocalSource(trail.root), con)
    assert [r["event_name"] for r in rows(con, "trail-changes")] == ["StopLogging"]


def test_required_parameters(db: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(UsageError, match="--allowed-regions"):
        run_query(db, "outside-regions", QueryParams())
    with pytest.raises(UsageError, match="--access-key"):
        run_query(db, "key-chain", QueryParams())
    with pytest.raises(UsageError, match="unknown query"):
        run_query(db, "drop-table", QueryParams())


@pytest.mark.parametrize("name", [q.name for q in CATALOG])
def test_no_query_prints_prompt_text_without_reveal(
    db: duckdb.DuckDBPyConnection, name: str
) -> None:
    params = QueryParams(
        allowed_regions=("nowhere-1",), access_key="x", start=datetime(2020, 1, 1, tzinfo=UTC)
    )
    for fmt in OutputFormat:
        text = render_query(run_query(db, name, params), fmt)
        assert PROMPT_MARKER not in text and RESPONSE_MARKER not in text


def test_reveal_shows_prompt_text(db: duckdb.DuckDBPyConnection) -> None:
    text = render_query(
        run_query(db, "model-call-log", QueryParams(reveal=True)), OutputFormat.JSON
    )
    assert PROMPT_MARKER in text and RESPONSE_MARKER in text


def test_scope_report(db: duckdb.DuckDBPyConnection, pristine: GeneratedTrail) -> None:
    start, end = pristine.spec.start, pristine.spec.end
    report = build_scope(db, "arn:aws:iam::111122223333:user/legacy-batch", start, end)
    calls = [
        c for c in model_calls(pristine) if c["userIdentity"]["arn"].endswith("user/legacy-batch")
    ]
    s = report.summary
    assert s["model_calls"] == len(calls)
    assert s["calls_without_vpc_endpoint"] == len(calls)
    assert s["processing_regions"] == ["us-east-2"]
    assert s["humans"] == []  # a long-term key: no temporary-key chain
    logged = {e["requestId"]: e for e in raw_invocations(pristine)}
    assert s["calls_with_logged_content"] == sum(1 for c in calls if c["requestID"] in logged)
    assert s["input_tokens"] == sum(
        logged[c["requestID"]]["input"]["inputTokenCount"]
        for c in calls
        if c["requestID"] in logged
    )
    markdown, as_json = render_scope_markdown(report), render_scope_json(report)
    assert "# Breach scope" in markdown and "none: public endpoint" in markdown
    assert json.loads(as_json)["summary"]["model_calls"] == len(calls)
    for text in (markdown, as_json):
        assert PROMPT_MARKER not in text and RESPONSE_MARKER not in text

    revealed = build_scope(
        db, "arn:aws:iam::111122223333:user/legacy-batch", start, end, reveal=True
    )
    assert PROMPT_MARKER in render_scope_json(revealed)


def test_scope_traces_the_authority(
    db: duckdb.DuckDBPyConnection, pristine: GeneratedTrail
) -> None:
    report = build_scope(db, "*:role/claims-genai-app", pristine.spec.start, pristine.spec.end)
    assert report.summary["humans"] == ["alice@bank.example"]
    assert len(report.sections["authority"].rows) == pristine.spec.hours  # one key per hour
    accessed = report.sections["data_accessed"].to_json()
    assert any(r["resource"].startswith("arn:aws:s3:::claims-documents/") for r in accessed)

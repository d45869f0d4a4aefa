"""``airlock trail ...`` end to end through ``airlock.cli.main``."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
import trail_tamper as tamper
from trail_s3 import BUCKET, upload

from airlock.cli import main
from airlock.trail.synthetic import PROMPT_MARKER, GeneratedTrail


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["trail", *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(trail: GeneratedTrail, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    path = str(tmp_path / "trail.duckdb")
    code, out, _ = run(capsys, "ingest", str(trail.root), "--db", path)
    assert code == 0, out
    return path


def test_ingest_reports_what_it_added(
    trail: GeneratedTrail, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = str(tmp_path / "t.duckdb")
    code, out, _ = run(capsys, "ingest", str(trail.root), "--db", path, "--format", "json")
    assert code == 0
    assert json.loads(out)["events_added"] == trail.records
    code, out, _ = run(capsys, "ingest", str(trail.root), "--db", path)
    assert code == 0 and "nothing new" in out


def test_ingest_exits_1_when_a_file_is_not_as_delivered(
    trail: GeneratedTrail, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tamper.append_member(trail, trail.log_keys[0])
    code, out, _ = run(capsys, "ingest", str(trail.root), "--db", str(tmp_path / "t.duckdb"))
    assert code == 1 and "unexpected data after the end of the gzip stream" in out


def test_verify_exit_codes(
    trail: GeneratedTrail, public_key_pem: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "verify", str(trail.root), "--public-key", str(public_key_pem))
    assert code == 0 and out.startswith(f"Trail {trail.root}: VERIFIED")

    code, out, _ = run(capsys, "verify", str(trail.root))
    assert code == 1 and "no --public-key given" in out

    tamper.delete(trail, trail.log_keys[2])
    code, out, _ = run(
        capsys, "verify", str(trail.root), "--public-key", str(public_key_pem), "--format", "json"
    )
    report = json.loads(out)
    assert code == 1 and report["status"] == "FAILED"
    assert report["summary"] == {"log-file-missing": 1}
    assert report["reports"][0]["findings"][0]["key"] == trail.log_keys[2]


def test_verify_range(
    trail: GeneratedTrail, public_key_pem: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(
        capsys,
        "verify",
        str(trail.root),
        "--public-key",
        str(public_key_pem),
        "--from",
        "2026-05-01T00:00:00Z",
        "--to",
        "2026-05-01T12:00:00Z",
    )
    assert code == 1 and "digest-gap" in out and "no digest covers the end of the range" in out


def test_queries(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "query", "no-vpc-endpoint", "--db", db, "--format", "json")
    assert code == 0
    result = json.loads(out)
    assert result["rows"] and {r["principal_arn"] for r in result["rows"]} == {
        "arn:aws:iam::111122223333:user/legacy-batch"
    }

    code, out, _ = run(
        capsys,
        "query",
        "outside-regions",
        "--db",
        db,
        "--allowed-regions",
        "eu-west-1,eu-central-1,eu-west-3",
    )
    assert code == 0 and "us-east-2" in out

    code, out, _ = run(capsys, "query", "model-call-log", "--db", db)
    assert code == 0 and PROMPT_MARKER not in out
    code, out, _ = run(
        capsys, "query", "model-call-log", "--db", db, "--reveal", "--format", "json"
    )
    assert code == 0 and PROMPT_MARKER in out


def test_scope_markdown_and_json(
    db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "scope",
        "--principal",
        "*role/claims-genai-app",
        "--from",
        "2026-05-01",
        "--to",
        "2026-05-02",
        "--db",
        db,
    ]
    code, out, _ = run(capsys, *args)
    assert code == 0 and out.startswith("# Breach scope") and "alice@bank.example" in out
    assert PROMPT_MARKER not in out
    target = tmp_path / "scope.json"
    code, out, _ = run(capsys, *args, "--format", "json", "--output", str(target))
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["summary"]["humans"] == ["alice@bank.example"]


def test_fetch_then_verify_offline(
    aws: boto3.Session,
    pristine: GeneratedTrail,
    tmp_path: Path,
    public_key_pem: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    upload(aws, pristine.root)
    target = tmp_path / "evidence"
    code, out, _ = run(capsys, "fetch", f"s3://{BUCKET}", str(target))
    assert code == 0 and "Fetched" in out
    code, out, _ = run(capsys, "verify", str(target), "--public-key", str(public_key_pem))
    assert code == 0, out
    code, out, _ = run(
        capsys, "verify", f"s3://{BUCKET}/AWSLogs/", "--public-key", str(public_key_pem)
    )
    assert code == 0, out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["verify", "/no/such/folder"], "/no/such/folder: not a folder"),
        (["query", "model-calls", "--db", "/no/such.duckdb"], "no such trail database"),
        (["query", "key-chain", "--db", "{db}"], "needs --access-key"),
        (
            [
                "scope",
                "--principal",
                "p",
                "--from",
                "yesterday",
                "--to",
                "2026-05-02",
                "--db",
                "{db}",
            ],
            "not an ISO 8601 time",
        ),
        (["fetch", "/local/path", "/tmp/x"], "fetch copies from S3"),
        (["verify", "s3://Bad_Bucket"], "invalid S3 bucket name"),
    ],
)
def test_errors_are_one_line_with_exit_2(
    argv: list[str], message: str, db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, *[a.replace("{db}", db) for a in argv])
    assert code == 2
    assert message in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "query", "no-such-query", "--db", "x")[0] == 2
    assert run(capsys)[0] == 2

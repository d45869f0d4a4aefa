"""``airlock trail ...``: ingest, fetch, verify, query and scope an audit trail.

Exit codes: 0 nothing found; 1 a finding (integrity not proven, a file that could not be
ingested as delivered, an object that vanished during fetch); 2 (raised as ``AirlockError``
and turned into the code by ``airlock.cli.main``) a usage or input error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path

from airlock.errors import UsageError
from airlock.trail.findings import Status
from airlock.trail.integrity import KeyProvider, TimeRange, verify
from airlock.trail.keys import KeyRing, cloudtrail_key_ring, local_key_ring
from airlock.trail.layout import is_s3_uri, parse_s3_uri
from airlock.trail.queries import QUERY_NAMES, QueryParams, run_query
from airlock.trail.render import OutputFormat, dumps, render_ingest, render_query, render_verify
from airlock.trail.scope import build_scope, render_scope_json, render_scope_markdown
from airlock.trail.source import S3Source, open_source

SCOPE_FORMATS = ("markdown", "json")


def parse_time(text: str) -> datetime:
    """ISO 8601 date or date-time; without an offset it is UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"not an ISO 8601 time: {text!r} (e.g. 2026-05-01T10:00:00Z)") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _format(value: str) -> OutputFormat:
    return OutputFormat(value)


def _write(text: str, output: str | None = None) -> None:
    if output:
        Path(output).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


def _ingest(args: argparse.Namespace) -> int:
    from airlock.trail.ingest import ingest_path

    source = open_source(args.source)
    summary = ingest_path(source, Path(args.db))
    _write(render_ingest(summary, _format(args.format)))
    return 1 if summary.problems or summary.conflicts else 0


def _fetch(args: argparse.Namespace) -> int:
    from airlock.trail.fetch import fetch

    if not is_s3_uri(args.s3_uri):
        raise UsageError(f"{args.s3_uri}: fetch copies from S3; give s3://bucket/prefix")
    source = S3Source(parse_s3_uri(args.s3_uri))
    summary = fetch(source, Path(args.dir))
    if _format(args.format) is OutputFormat.JSON:
        _write(dumps(summary.to_json()))
    else:
        _write(
            f"Fetched {summary.fetched} object(s), {summary.bytes} bytes, from {summary.source} "
            f"into {summary.target} ({summary.unchanged} unchanged, {summary.listed} listed)"
            + "".join(f"\n  vanished while fetching: {key}" for key in summary.vanished)
        )
    return 1 if summary.vanished else 0


def _key_provider(args: argparse.Namespace, source: object) -> KeyProvider:
    if args.public_key:
        ring = local_key_ring(Path(p) for p in args.public_key)
        return lambda _regions, _start, _end: ring
    if isinstance(source, S3Source):
        session = source.session
        return lambda regions, start, end: cloudtrail_key_ring(session, regions, start, end)

    def offline(regions: Collection[str], _start: datetime, _end: datetime) -> KeyRing:
        reason = "no --public-key given; offline verification needs the keys from ListPublicKeys"
        return KeyRing((), {region: reason for region in regions})

    return offline


def _verify(args: argparse.Namespace) -> int:
    source = open_source(args.source)
    window = TimeRange(
        parse_time(args.start) if args.start else None, parse_time(args.end) if args.end else None
    )
    report = verify(source, _key_provider(args, source), window)
    _write(render_verify(report, _format(args.format)))
    return 0 if report.status is Status.VERIFIED else 1


def _query(args: argparse.Namespace) -> int:
    from airlock.trail.store import open_existing

    regions = tuple(r.strip() for r in (args.allowed_regions or "").split(",") if r.strip())
    params = QueryParams(
        principal=args.principal,
        model=args.model,
        start=parse_time(args.start) if args.start else None,
        end=parse_time(args.end) if args.end else None,
        allowed_regions=regions,
        access_key=args.access_key,
        reveal=args.reveal,
        limit=args.limit,
    )
    con = open_existing(Path(args.db))
    try:
        result = run_query(con, args.name, params)
    finally:
        con.close()
    _write(render_query(result, _format(args.format)))
    return 0


def _scope(args: argparse.Namespace) -> int:
    from airlock.trail.store import open_existing

    con = open_existing(Path(args.db))
    try:
        report = build_scope(
            con, args.principal, parse_time(args.start), parse_time(args.end), reveal=args.reveal
        )
    finally:
        con.close()
    text = render_scope_json(report) if args.format == "json" else render_scope_markdown(report)
    _write(text, args.output)
    return 0


def _format_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format", choices=[f.value for f in OutputFormat], default=OutputFormat.TABLE.value
    )


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``airlock trail`` and its subcommands."""
    trail = subparsers.add_parser(
        "trail",
        help="investigate the audit trail: ingest, fetch, verify, query, scope",
        description="Prove a CloudTrail trail intact and answer incident questions from it.",
    )
    commands = trail.add_subparsers(dest="trail_command", metavar="COMMAND", required=True)

    p = commands.add_parser(
        "ingest",
        help="load CloudTrail logs, digests and Bedrock invocation logs into DuckDB",
        description="Ingest a trail folder or s3://bucket/prefix into a DuckDB file. "
        "Idempotent and incremental: objects already ingested are skipped.",
    )
    p.add_argument(
        "source", metavar="SOURCE", help="trail folder (bucket key layout) or s3://bucket/prefix"
    )
    p.add_argument(
        "--db", required=True, metavar="FILE", help="DuckDB database file (created if absent)"
    )
    _format_option(p)
    p.set_defaults(handler=_ingest)

    p = commands.add_parser(
        "fetch",
        help="copy a trail out of S3, keeping the key layout and metadata sidecars",
        description="Copy every object under s3://bucket/prefix into DIR; each object's S3 "
        "metadata goes to <file>.metadata.json. Read-only: GetObject and ListObjectsV2.",
    )
    p.add_argument("s3_uri", metavar="S3_URI")
    p.add_argument("dir", metavar="DIR")
    _format_option(p)
    p.set_defaults(handler=_fetch)

    p = commands.add_parser(
        "verify",
        help="prove the trail intact: digest chain, signatures, log-file hashes, gaps",
        description="Verify digest signatures (SHA256withRSA), chain links, hourly continuity, "
        "each log file's hash, missing/injected/appended files and backfill digests; "
        "a report per account and region. Exit 1 unless everything is proven.",
    )
    p.add_argument("source", metavar="SOURCE", help="trail folder or s3://bucket/prefix")
    p.add_argument(
        "--public-key",
        action="append",
        metavar="PEM",
        help="CloudTrail public key (PEM), matched by fingerprint; repeatable. "
        "Without it an S3 source uses cloudtrail:ListPublicKeys",
    )
    p.add_argument(
        "--from", dest="start", metavar="TIME", help="start of the range to prove (ISO 8601)"
    )
    p.add_argument("--to", dest="end", metavar="TIME", help="end of the range to prove (ISO 8601)")
    _format_option(p)
    p.set_defaults(handler=_verify)

    p = commands.add_parser(
        "query",
        help="answer a named incident question from the trail database",
        description="Named queries: " + ", ".join(QUERY_NAMES) + ".",
    )
    p.add_argument("name", metavar="NAME", choices=QUERY_NAMES, help=" | ".join(QUERY_NAMES))
    p.add_argument("--db", required=True, metavar="FILE")
    p.add_argument(
        "--principal", metavar="P", help="ARN (role, session or user; * wildcards) or access key"
    )
    p.add_argument("--model", metavar="MODEL_ID")
    p.add_argument("--from", dest="start", metavar="TIME")
    p.add_argument("--to", dest="end", metavar="TIME")
    p.add_argument("--allowed-regions", metavar="R1,R2", help="for outside-regions")
    p.add_argument("--access-key", metavar="KEY", help="for key-chain")
    p.add_argument("--limit", type=int, metavar="N")
    p.add_argument("--reveal", action="store_true", help="include prompt and response text")
    _format_option(p)
    p.set_defaults(handler=_query)

    p = commands.add_parser(
        "scope",
        help="breach-scope report for one principal and time window",
        description="Models, counts, tokens, first/last seen, network paths, processing "
        "regions, content processed (hashes and sizes unless --reveal), data accessed, "
        "authority chain and trail changes; Markdown or JSON.",
    )
    p.add_argument("--principal", required=True, metavar="P")
    p.add_argument("--from", dest="start", required=True, metavar="T1")
    p.add_argument("--to", dest="end", required=True, metavar="T2")
    p.add_argument("--db", required=True, metavar="FILE")
    p.add_argument("--format", choices=SCOPE_FORMATS, default="markdown")
    p.add_argument("--output", metavar="FILE", help="write the report here instead of stdout")
    p.add_argument("--reveal", action="store_true", help="include prompt and response text")
    p.set_defaults(handler=_scope)

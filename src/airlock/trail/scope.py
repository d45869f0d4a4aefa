"""The breach-scope report for a notification: one principal, one time window.

It answers the regulator's questions from the store: which models were called, how often
and with how many tokens, first and last seen, over which network paths, where the data was
processed, what content was processed (as hashes and sizes unless revealed), what other
data the principal touched, under whose authority (key chain to a human), and whether the
trail itself changed during the window. Rendered as Markdown and as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb

from airlock.errors import TrailError, UsageError
from airlock.trail.queries import HIDDEN_CONTENT, REVEALED_CONTENT, QueryParams, run_query
from airlock.trail.render import dumps, markdown_table, plain

MARKDOWN_ROW_CAP = 50

_MATCH = """(
    principal_arn LIKE $like ESCAPE '\\'
    OR session_issuer_arn LIKE $like ESCAPE '\\'
    OR principal LIKE $like ESCAPE '\\'
    OR access_key_id = $principal
)"""
_WINDOW = "event_time >= $from AND event_time < $to"


@dataclass(frozen=True)
class Section:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""

    def to_json(self) -> list[dict[str, Any]]:
        return [plain(dict(zip(self.columns, r, strict=True))) for r in self.rows]


@dataclass(frozen=True)
class ScopeReport:
    principal: str
    start: datetime
    end: datetime
    generated: datetime
    revealed: bool
    summary: dict[str, Any]
    sections: dict[str, Section] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "report": "airlock breach scope",
            "principal": self.principal,
            "window": {"from": plain(self.start), "to": plain(self.end)},
            "generated": plain(self.generated),
            "content_revealed": self.revealed,
            "summary": plain(self.summary),
            **{name: section.to_json() for name, section in self.sections.items()},
        }


def _rows(
    con: duckdb.DuckDBPyConnection, sql: str, values: dict[str, Any]
) -> tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]]:
    used = {k: v for k, v in values.items() if f"${k}" in sql}
    try:
        cursor = con.execute(sql, used)
        columns = tuple(d[0] for d in cursor.description or ())
        return columns, tuple(tuple(r) for r in cursor.fetchall())
    except duckdb.Error as exc:
        raise TrailError(f"scope query failed: {str(exc).splitlines()[0]}") from exc


def build_scope(
    con: duckdb.DuckDBPyConnection,
    principal: str,
    start: datetime,
    end: datetime,
    *,
    reveal: bool = False,
) -> ScopeReport:
    if start >= end:
        raise UsageError("--from must be before --to")
    like = principal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
    values: dict[str, Any] = {
        "principal": principal,
        "like": like,
        "from": start.astimezone(UTC).replace(tzinfo=None),
        "to": end.astimezone(UTC).replace(tzinfo=None),
    }
    content = REVEALED_CONTENT if reveal else HIDDEN_CONTENT
    queries: dict[str, tuple[str, str, str]] = {
        "identities": (
            "Identities and access keys matched",
            f"""SELECT principal, principal_arn, principal_type, access_key_id,
                       min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS events
                FROM events WHERE {_MATCH} AND {_WINDOW}
                GROUP BY ALL ORDER BY first_seen, principal_arn""",
            "",
        ),
        "models": (
            "Models called",
            f"""SELECT model_id, count(*) AS calls, count(*) FILTER (WHERE error_code IS NOT NULL) AS failed,
                       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                       min(event_time) AS first_seen, max(event_time) AS last_seen,
                       string_agg(DISTINCT processed_in, ', ' ORDER BY processed_in) AS processed_in
                FROM model_calls WHERE {_MATCH} AND {_WINDOW}
                GROUP BY ALL ORDER BY calls DESC, model_id""",
            "",
        ),
        "network_paths": (
            "Network paths",
            f"""SELECT coalesce(vpc_endpoint_id, 'none: public endpoint') AS vpc_endpoint, source_ip, tls_host,
                       count(*) AS calls, min(event_time) AS first_seen, max(event_time) AS last_seen
                FROM model_calls WHERE in_cloudtrail AND {_MATCH} AND {_WINDOW}
                GROUP BY ALL ORDER BY calls DESC""",
            "",
        ),
        "processing_regions": (
            "Where the data was processed",
            f"""SELECT source_region, processed_in, count(*) AS calls
                FROM model_calls WHERE {_MATCH} AND {_WINDOW}
                GROUP BY ALL ORDER BY calls DESC""",
            "processed_in is inferenceRegion when cross-region inference re-routed the call.",
        ),
        "content": (
            "Content processed (per request)",
            f"""SELECT event_time, request_id, model_id, operation, guardrail,
                       in_cloudtrail, in_invocation_log, {content}
                FROM model_calls WHERE {_MATCH} AND {_WINDOW}
                ORDER BY event_time, request_id""",
            "Hashes are SHA-256 of the logged body; sizes in bytes."
            + ("" if reveal else " Prompt and response text withheld (use --reveal)."),
        ),
        "data_accessed": (
            "Other data the principal accessed",
            f"""SELECT event_source, event_name, coalesce(r.arn, '-') AS resource, count(*) AS events,
                       min(event_time) AS first_seen, max(event_time) AS last_seen
                FROM (SELECT *, unnest(CASE WHEN json_type(resources) = 'ARRAY'
                                            THEN CAST(resources AS JSON[]) ELSE [NULL::JSON] END) AS res
                      FROM events
                      WHERE {_MATCH} AND {_WINDOW}
                        AND event_source NOT IN ('bedrock.amazonaws.com', 'bedrock-mantle.amazonaws.com')) e,
                     LATERAL (SELECT json_extract_string(e.res, '$.ARN') AS arn) r
                GROUP BY ALL ORDER BY events DESC, event_source, event_name, resource""",
            "",
        ),
        "trail_changes": (
            "Logging and audit changes in the window (anyone)",
            """SELECT event_time, event_name, principal_arn, source_ip, error_code
               FROM events
               WHERE event_name IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors',
                     'PutModelInvocationLoggingConfiguration', 'DeleteModelInvocationLoggingConfiguration',
                     'DeleteGuardrail', 'UpdateGuardrail', 'PutBucketPolicy', 'DeleteBucketPolicy',
                     'PutBucketLifecycleConfiguration', 'PutBucketVersioning')
                 AND event_time >= $from AND event_time < $to
               ORDER BY event_time""",
            "",
        ),
        "coverage": (
            "Trail files delivered for the window",
            """SELECT f.kind, count(*) AS files, sum(f.records) AS records,
                      count(*) FILTER (WHERE f.problem IS NOT NULL) AS with_problems,
                      count(*) FILTER (WHERE f.trailing_bytes > 0) AS with_appended_data,
                      count(*) FILTER (WHERE i.hash_conflicts) AS hash_conflicts_with_digest,
                      count(*) FILTER (WHERE f.kind = 'cloudtrail-log' AND coalesce(i.digests_listing, 0) = 0)
                          AS not_in_any_digest
               FROM source_files f LEFT JOIN file_integrity i ON i.key = f.key
               WHERE f.kind IN ('cloudtrail-log', 'invocation-log')
                 AND f.delivered_at >= $from AND f.delivered_at < $to + INTERVAL 1 HOUR
               GROUP BY 1 ORDER BY 1""",
            "Signatures and chain continuity are proven by `airlock trail verify` on the source.",
        ),
    }
    sections: dict[str, Section] = {}
    for name, (title, sql, note) in queries.items():
        columns, rows = _rows(con, sql, values)
        sections[name] = Section(title, columns, rows, note)

    keys = sorted(
        {row[3] for row in sections["identities"].rows if row[3] and str(row[3]).startswith("ASIA")}
    )
    chain_rows: list[tuple[Any, ...]] = []
    for key in keys:
        chain = run_query(con, "key-chain", QueryParams(access_key=key))
        records = chain.records()
        last = records[-1] if records else None
        chain_rows.append(
            (
                key,
                len(records),
                " <- ".join(str(r["role_arn"]) for r in records) if records else "-",
                (last or {}).get("human") or "unresolved (minting event not in the trail)",
                (last or {}).get("caller_type"),
            )
        )
    sections["authority"] = Section(
        "Authority: temporary keys traced to the human behind them",
        ("access_key", "links", "roles (newest first)", "human", "origin"),
        tuple(chain_rows),
    )

    models = sections["models"].rows
    content_rows = sections["content"].to_json()
    summary = {
        "model_calls": sum(int(r[1]) for r in models),
        "failed_calls": sum(int(r[2]) for r in models),
        "models": len(models),
        "input_tokens": sum(int(r[3] or 0) for r in models),
        "output_tokens": sum(int(r[4] or 0) for r in models),
        "first_seen": min((r[5] for r in models), default=None),
        "last_seen": max((r[6] for r in models), default=None),
        "calls_without_vpc_endpoint": sum(
            int(r[3]) for r in sections["network_paths"].rows if str(r[0]).startswith("none")
        ),
        "processing_regions": sorted(
            {str(r[1]) for r in sections["processing_regions"].rows if r[1]}
        ),
        "calls_with_logged_content": sum(
            1 for r in content_rows if r["in_invocation_log"] and r["in_cloudtrail"]
        ),
        "calls_content_not_logged": sum(1 for r in content_rows if not r["in_invocation_log"]),
        "invocation_records_not_in_cloudtrail": sum(
            1 for r in content_rows if not r["in_cloudtrail"]
        ),
        "input_bytes": sum(int(r["input_size"] or 0) for r in content_rows),
        "output_bytes": sum(int(r["output_size"] or 0) for r in content_rows),
        "guardrail_interventions": sum(1 for r in content_rows if r["guardrail"] == "INTERVENED"),
        "humans": sorted({str(r[3]) for r in chain_rows}),
        "trail_changes": len(sections["trail_changes"].rows),
    }
    return ScopeReport(principal, start, end, datetime.now(UTC), reveal, summary, sections)


def render_scope_json(report: ScopeReport) -> str:
    return dumps(report.to_json())


def render_scope_markdown(report: ScopeReport) -> str:
    s = report.summary
    lines = [
        f"# Breach scope: `{report.principal}`",
        "",
        f"- Window: {plain(report.start)} to {plain(report.end)} (UTC)",
        f"- Generated: {plain(report.generated)} by Airlock",
        f"- Content: {'REVEALED (prompt and response text included)' if report.revealed else 'withheld; SHA-256 hashes and sizes only'}",
        "",
        "## Summary",
        "",
        f"- Model calls: {s['model_calls']} ({s['failed_calls']} failed) to {s['models']} model(s)",
        f"- Tokens: {s['input_tokens']} in, {s['output_tokens']} out",
        f"- First seen: {plain(s['first_seen']) or '-'}; last seen: {plain(s['last_seen']) or '-'}",
        f"- Calls not through a VPC endpoint: {s['calls_without_vpc_endpoint']}",
        f"- Processed in: {', '.join(s['processing_regions']) or '-'}",
        f"- Content logged for {s['calls_with_logged_content']} call(s) "
        f"({s['input_bytes']} bytes in, {s['output_bytes']} bytes out); "
        f"not logged for {s['calls_content_not_logged']}; "
        f"{s['invocation_records_not_in_cloudtrail']} invocation record(s) not corroborated by CloudTrail",
        f"- Guardrail interventions: {s['guardrail_interventions']}",
        f"- Humans behind the keys used: {', '.join(s['humans']) or '-'}",
        f"- Logging or audit changes in the window: {s['trail_changes']}",
    ]
    for section in report.sections.values():
        lines += ["", f"## {section.title}", ""]
        if section.note:
            lines += [section.note, ""]
        if not section.rows:
            lines.append("None.")
            continue
        shown = section.rows[:MARKDOWN_ROW_CAP]
        lines.append(markdown_table(section.columns, shown))
        if len(section.rows) > MARKDOWN_ROW_CAP:
            lines += [
                "",
                f"... {len(section.rows) - MARKDOWN_ROW_CAP} more rows in the JSON report.",
            ]
    return "\n".join(lines) + "\n"

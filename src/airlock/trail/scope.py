"""The breach-scope report for a notification: one principal, one time window.

It answers the regulator's questions from the store: which models were called, how often
and with how many tokens, first and last seen, over which network paths, where the data was
processed, what content was processed (as hashes and sizes unless revealed), what other
data the principal touched, under whose authority (key chain to a human), and whether the
trail itself changed during the window. Rendered as Markdown and as JSON.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import duckdb
from msgspec import Struct, field

from airlock.errors import TrailError, UsageError
from airlock.trail.queries import HIDDEN_CONTENT, REVEALED_CONTENT, trace_keys
from airlock.trail.render import dumps, markdown_table, plain

MARKDOWN_ROW_CAP = 50

_MATCH = """(
    principal_arn LIKE $like ESCAPE '\\'
    OR session_issuer_arn LIKE $like ESCAPE '\\'
    OR principal LIKE $like ESCAPE '\\'
    OR access_key_id = $principal
)"""
_WINDOW = "event_time >= $from AND event_time < $to"


class Section(Struct, frozen=True):
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    note: str = ""

    def to_json(self) -> list[dict[str, Any]]:
        return [plain(dict(zip(self.columns, r, strict=True))) for r in self.rows]


class ScopeReport(Struct, frozen=True):
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


_SUMMARY = """
SELECT count(*)                                                            AS model_calls,
       count(*) FILTER (WHERE error_code IS NOT NULL)                      AS failed_calls,
       count(DISTINCT model_id)                                            AS models,
       coalesce(sum(input_tokens), 0)                                      AS input_tokens,
       coalesce(sum(output_tokens), 0)                                     AS output_tokens,
       min(event_time)                                                     AS first_seen,
       max(event_time)                                                     AS last_seen,
       count(*) FILTER (WHERE in_cloudtrail AND coalesce(vpc_endpoint_id, '') = '')
                                                                           AS calls_without_vpc_endpoint,
       coalesce(list(DISTINCT processed_in ORDER BY processed_in)
                FILTER (WHERE processed_in IS NOT NULL), [])               AS processing_regions,
       count(*) FILTER (WHERE in_cloudtrail AND in_invocation_log)         AS calls_with_logged_content,
       count(*) FILTER (WHERE NOT in_invocation_log)                       AS calls_content_not_logged,
       count(*) FILTER (WHERE NOT in_cloudtrail)                           AS invocation_records_not_in_cloudtrail,
       coalesce(sum(input_size), 0)                                        AS input_bytes,
       coalesce(sum(output_size), 0)                                       AS output_bytes,
       count(*) FILTER (WHERE guardrail = 'INTERVENED')                    AS guardrail_interventions
FROM temp.scope_calls
"""


def _sections(reveal: bool) -> dict[str, tuple[str, str, str]]:
    """Section name -> (title, SQL over the scope tables, note)."""
    content = REVEALED_CONTENT if reveal else HIDDEN_CONTENT
    return {
        "identities": (
            "Identities and access keys matched",
            """SELECT principal, principal_arn, principal_type, access_key_id,
                      min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS events
               FROM temp.scope_events GROUP BY ALL ORDER BY first_seen, principal_arn""",
            "",
        ),
        "models": (
            "Models called",
            """SELECT model_id, count(*) AS calls, count(*) FILTER (WHERE error_code IS NOT NULL) AS failed,
                      sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
                      min(event_time) AS first_seen, max(event_time) AS last_seen,
                      string_agg(DISTINCT processed_in, ', ' ORDER BY processed_in) AS processed_in
               FROM temp.scope_calls GROUP BY ALL ORDER BY calls DESC, model_id""",
            "",
        ),
        "network_paths": (
            "Network paths",
            """SELECT coalesce(vpc_endpoint_id, 'none: public endpoint') AS vpc_endpoint, source_ip, tls_host,
                      count(*) AS calls, min(event_time) AS first_seen, max(event_time) AS last_seen
               FROM temp.scope_calls WHERE in_cloudtrail GROUP BY ALL ORDER BY calls DESC""",
            "",
        ),
        "processing_regions": (
            "Where the data was processed",
            """SELECT source_region, processed_in, count(*) AS calls
               FROM temp.scope_calls GROUP BY ALL ORDER BY calls DESC""",
            "processed_in is inferenceRegion when cross-region inference re-routed the call.",
        ),
        "content": (
            "Content processed (per request)",
            f"""SELECT event_time, request_id, model_id, operation, guardrail,
                       in_cloudtrail, in_invocation_log, {content}
                FROM temp.scope_calls ORDER BY event_time, request_id""",
            "Hashes are SHA-256 of the logged body; sizes in bytes."
            + ("" if reveal else " Prompt and response text withheld (use --reveal)."),
        ),
        "data_accessed": (
            "Other data the principal accessed",
            """SELECT event_source, event_name, coalesce(r.arn, '-') AS resource, count(*) AS events,
                      min(event_time) AS first_seen, max(event_time) AS last_seen
               FROM (SELECT *, unnest(CASE WHEN json_type(resources) = 'ARRAY'
                                           THEN CAST(resources AS JSON[]) ELSE [NULL::JSON] END) AS res
                     FROM temp.scope_events
                     WHERE event_source NOT IN ('bedrock.amazonaws.com', 'bedrock-mantle.amazonaws.com')) e,
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


def build_scope(
    con: duckdb.DuckDBPyConnection,
    principal: str,
    start: datetime,
    end: datetime,
    *,
    reveal: bool = False,
) -> ScopeReport:
    """The breach scope of ``principal`` (ARN, ``*`` wildcards, or access key) in [start, end)."""
    if start >= end:
        raise UsageError("--from must be before --to")
    like = principal.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_").replace("*", "%")
    values: dict[str, Any] = {
        "principal": principal,
        "like": like,
        "from": start.astimezone(UTC).replace(tzinfo=None),
        "to": end.astimezone(UTC).replace(tzinfo=None),
    }
    # The principal's calls and events, selected once; every section reads these.
    _rows(
        con,
        f"CREATE OR REPLACE TEMP TABLE scope_calls AS SELECT * FROM model_calls WHERE {_MATCH} AND {_WINDOW}",
        values,
    )
    _rows(
        con,
        "CREATE OR REPLACE TEMP TABLE scope_events AS SELECT principal, principal_arn, principal_type, "
        f"access_key_id, event_time, event_source, event_name, resources FROM events WHERE {_MATCH} AND {_WINDOW}",
        values,
    )
    sections: dict[str, Section] = {}
    for name, (title, sql, note) in _sections(reveal).items():
        columns, rows = _rows(con, sql, values)
        sections[name] = Section(title, columns, rows, note)

    keys = sorted(
        {str(row[3]) for row in sections["identities"].rows if str(row[3] or "").startswith("ASIA")}
    )
    chains: dict[str, list[dict[str, Any]]] = {key: [] for key in keys}
    for link in trace_keys(con, keys):
        chains[link["start_key"]].append(link)
    chain_rows: list[tuple[Any, ...]] = []
    for key, records in chains.items():
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
    columns, rows = _rows(con, _SUMMARY, values)
    summary = dict(zip(columns, rows[0], strict=True))
    summary["processing_regions"] = list(summary["processing_regions"])
    summary["humans"] = sorted({str(r[3]) for r in chain_rows})
    summary["trail_changes"] = len(sections["trail_changes"].rows)
    _rows(con, "DROP TABLE IF EXISTS temp.scope_calls", {})
    _rows(con, "DROP TABLE IF EXISTS temp.scope_events", {})
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

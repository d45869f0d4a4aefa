"""The incident questions, as named, parameterised SQL over the trail store.

Each query names the parameters it needs. Prompt and response text is selected only when
the caller asks to reveal it; otherwise a query sees SHA-256 hashes and sizes. The SQL uses
only the store's tables and views, so the same text ports to Athena over the same layout.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import duckdb
from msgspec import Struct

from airlock.errors import TrailError, UsageError
from airlock.trail.store import MODEL_CALL_EVENTS


class Param(StrEnum):
    PRINCIPAL = "principal"
    MODEL = "model"
    FROM = "from"
    TO = "to"
    ALLOWED_REGIONS = "allowed_regions"
    ACCESS_KEY = "access_key"


class QueryParams(Struct, frozen=True):
    """Values for a query's parameters (``None`` = not given)."""

    principal: str | None = None
    model: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    allowed_regions: tuple[str, ...] = ()
    access_key: str | None = None
    reveal: bool = False
    limit: int | None = None


class NamedQuery(Struct, frozen=True):
    name: str
    title: str
    sql: str
    """May contain ``{content}`` (hash/size columns, or text when revealing) and ``{limit}``."""
    required: tuple[Param, ...] = ()


class QueryResult(Struct, frozen=True):
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    parameters: dict[str, Any]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


_MATCH_PRINCIPAL = """(
    $principal IS NULL
    OR principal_arn LIKE $principal_like ESCAPE '\\'
    OR session_issuer_arn LIKE $principal_like ESCAPE '\\'
    OR access_key_id = $principal
)"""

_WINDOW = "($from IS NULL OR event_time >= $from) AND ($to IS NULL OR event_time < $to)"

_MODEL_EVENTS = ", ".join(f"'{name}'" for name in MODEL_CALL_EVENTS)

HIDDEN_CONTENT = "input_hash, input_size, output_hash, output_size"
REVEALED_CONTENT = HIDDEN_CONTENT + ", input_text AS prompt, output_text AS response"

KEY_CHAIN_SQL = """
WITH RECURSIVE mints AS MATERIALIZED (
    -- only the STS events that minted a key: a few per session, not every event
    SELECT minted_access_key_id, event_time, event_name, request_parameters, response_elements,
           principal_type, principal_arn, access_key_id, user_name, source_ip, identity_provider,
           source_identity, on_behalf_of_user_id, invoked_by, event_id
    FROM events WHERE minted_access_key_id IS NOT NULL
),
chain AS (
    SELECT m.minted_access_key_id AS start_key, 1 AS depth, m.*
    FROM mints m WHERE list_contains($access_keys, m.minted_access_key_id)
    UNION ALL
    SELECT c.start_key, c.depth + 1, m.*
    FROM chain c JOIN mints m ON m.minted_access_key_id = c.access_key_id
    WHERE c.depth < 12 AND c.access_key_id IS NOT NULL AND c.access_key_id <> c.minted_access_key_id
)
SELECT start_key, depth, minted_access_key_id AS access_key, event_time AS minted_at, event_name,
       json_extract_string(request_parameters, '$.roleArn') AS role_arn,
       json_extract_string(request_parameters, '$.roleSessionName') AS session_name,
       principal_type AS caller_type, coalesce(principal_arn, invoked_by, user_name) AS caller,
       access_key_id AS caller_key, source_ip,
       coalesce(source_identity, json_extract_string(request_parameters, '$.sourceIdentity')) AS source_identity,
       CASE WHEN principal_type IN ('SAMLUser', 'WebIdentityUser')
                THEN coalesce(json_extract_string(response_elements, '$.subject'), user_name)
            WHEN principal_type = 'IAMUser' THEN principal_arn
            WHEN principal_type = 'Root' THEN 'root of ' || coalesce(principal_arn, '?')
            WHEN on_behalf_of_user_id IS NOT NULL THEN 'IAM Identity Center user ' || on_behalf_of_user_id
            WHEN principal_type = 'AWSService' THEN 'service ' || invoked_by
       END AS human,
       event_id
FROM chain ORDER BY start_key, depth, minted_at {limit}
"""

CATALOG: tuple[NamedQuery, ...] = (
    NamedQuery(
        "model-calls",
        "Model calls by principal and model",
        f"""
        SELECT principal, model_id, count(*) AS calls,
               count(*) FILTER (WHERE error_code IS NOT NULL) AS failed,
               sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens,
               min(event_time) AS first_seen, max(event_time) AS last_seen,
               string_agg(DISTINCT processed_in, ',' ORDER BY processed_in) AS processed_in
        FROM model_calls
        WHERE {_MATCH_PRINCIPAL} AND {_WINDOW} AND ($model IS NULL OR model_id = $model)
        GROUP BY ALL ORDER BY calls DESC, principal, model_id {{limit}}
        """,
    ),
    NamedQuery(
        "model-call-log",
        "Each model call, with its content as hash and size",
        f"""
        SELECT event_time, principal_arn, model_id, operation, request_id, processed_in,
               coalesce(vpc_endpoint_id, '-') AS vpc_endpoint, source_ip,
               input_tokens, output_tokens, guardrail, in_invocation_log, {{content}}
        FROM model_calls
        WHERE {_MATCH_PRINCIPAL} AND {_WINDOW} AND ($model IS NULL OR model_id = $model)
        ORDER BY event_time, request_id {{limit}}
        """,
    ),
    NamedQuery(
        "no-vpc-endpoint",
        "Model calls that did not come through a VPC endpoint",
        f"""
        SELECT event_time, principal_arn, model_id, operation, source_ip, tls_host,
               source_region, request_id
        FROM model_calls
        WHERE in_cloudtrail AND coalesce(vpc_endpoint_id, '') = ''
          AND {_MATCH_PRINCIPAL} AND {_WINDOW}
        ORDER BY event_time, request_id {{limit}}
        """,
    ),
    NamedQuery(
        "outside-regions",
        "Model calls processed outside the allowed regions",
        f"""
        SELECT event_time, principal_arn, model_id, source_region, processed_in,
               request_id, in_invocation_log
        FROM model_calls
        WHERE NOT list_contains($allowed_regions, processed_in)
          AND {_MATCH_PRINCIPAL} AND {_WINDOW}
        ORDER BY event_time, request_id {{limit}}
        """,
        (Param.ALLOWED_REGIONS,),
    ),
    NamedQuery(
        "guardrail-interventions",
        "Model calls where a guardrail intervened",
        f"""
        SELECT event_time, principal_arn, model_id, operation, request_id, {{content}}
        FROM model_calls
        WHERE guardrail = 'INTERVENED' AND {_MATCH_PRINCIPAL} AND {_WINDOW}
        ORDER BY event_time, request_id {{limit}}
        """,
    ),
    NamedQuery(
        "new-principals",
        "Principals first seen in the window (never seen before it)",
        f"""
        SELECT principal, min(event_time) AS first_seen, max(event_time) AS last_seen,
               count(*) AS events,
               count(*) FILTER (WHERE event_source = 'bedrock.amazonaws.com'
                                AND event_name IN ({_MODEL_EVENTS})) AS model_calls,
               string_agg(DISTINCT source_ip, ',' ORDER BY source_ip) AS source_ips
        FROM events
        WHERE principal IS NOT NULL
        GROUP BY principal
        HAVING min(event_time) >= $from AND ($to IS NULL OR min(event_time) < $to)
        ORDER BY first_seen, principal {{limit}}
        """,
        (Param.FROM,),
    ),
    NamedQuery(
        "key-chain",
        "From a temporary access key back to the AssumeRole calls and the human behind them",
        KEY_CHAIN_SQL,
        (Param.ACCESS_KEY,),
    ),
    NamedQuery(
        "trail-changes",
        "Changes to logging and audit configuration (possible tampering)",
        f"""
        SELECT event_time, event_name, event_source, principal_arn, source_ip, error_code,
               CAST(request_parameters AS VARCHAR) AS request_parameters
        FROM events
        WHERE event_name IN ('StopLogging', 'DeleteTrail', 'UpdateTrail', 'PutEventSelectors',
                             'PutInsightSelectors', 'PutModelInvocationLoggingConfiguration',
                             'DeleteModelInvocationLoggingConfiguration', 'DeleteGuardrail',
                             'UpdateGuardrail', 'PutBucketPolicy', 'DeleteBucketPolicy',
                             'PutBucketLifecycleConfiguration', 'PutBucketVersioning',
                             'PutObjectLockConfiguration', 'ScheduleKeyDeletion', 'DisableKey')
          AND {_WINDOW}
        ORDER BY event_time {{limit}}
        """,
    ),
)

QUERY_NAMES = tuple(q.name for q in CATALOG)


def find_query(name: str) -> NamedQuery:
    for query in CATALOG:
        if query.name == name:
            return query
    raise UsageError(f"unknown query {name!r}; choose one of: {', '.join(QUERY_NAMES)}")


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


def _naive(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def bind(query: NamedQuery, params: QueryParams) -> tuple[str, dict[str, Any]]:
    """The SQL text and the named parameters it uses."""
    missing = [p for p in query.required if not _given(p, params)]
    if missing:
        flags = ", ".join("--" + p.value.replace("_", "-") for p in missing)
        raise UsageError(f"query {query.name} needs {flags}")
    limit = f"LIMIT {int(params.limit)}" if params.limit else ""
    sql = query.sql.replace("{content}", REVEALED_CONTENT if params.reveal else HIDDEN_CONTENT)
    sql = sql.replace("{limit}", limit)
    values: dict[str, Any] = {
        "principal": params.principal,
        "principal_like": _like(params.principal) if params.principal else None,
        "model": params.model,
        "from": _naive(params.start),
        "to": _naive(params.end),
        "allowed_regions": list(params.allowed_regions),
        "access_keys": [params.access_key] if params.access_key else [],
    }
    return sql, {k: v for k, v in values.items() if f"${k}" in sql}


def _given(param: Param, params: QueryParams) -> bool:
    return {
        Param.PRINCIPAL: params.principal is not None,
        Param.MODEL: params.model is not None,
        Param.FROM: params.start is not None,
        Param.TO: params.end is not None,
        Param.ALLOWED_REGIONS: bool(params.allowed_regions),
        Param.ACCESS_KEY: params.access_key is not None,
    }[param]


def trace_keys(con: duckdb.DuckDBPyConnection, keys: list[str]) -> list[dict[str, Any]]:
    """The key chains of many access keys at once (rows carry ``start_key``)."""
    if not keys:
        return []
    try:
        cursor = con.execute(KEY_CHAIN_SQL.replace("{limit}", ""), {"access_keys": keys})
        columns = [d[0] for d in cursor.description or ()]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    except duckdb.Error as exc:
        raise TrailError(f"key chain query failed: {str(exc).splitlines()[0]}") from exc


def run_query(con: duckdb.DuckDBPyConnection, name: str, params: QueryParams) -> QueryResult:
    query = find_query(name)
    sql, values = bind(query, params)
    try:
        cursor = con.execute(sql, values)
        columns = tuple(d[0] for d in cursor.description or ())
        rows = tuple(tuple(r) for r in cursor.fetchall())
    except duckdb.Error as exc:
        raise TrailError(f"query {name} failed: {str(exc).splitlines()[0]}") from exc
    shown = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in values.items()}
    shown.pop("principal_like", None)
    return QueryResult(query.name, query.title, columns, rows, shown)

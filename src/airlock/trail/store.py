"""The DuckDB store of an ingested trail: an explicit schema, and how to open it.

Tables hold what was delivered (``source_files``, one row per object with its SHA-256),
CloudTrail records (``events``, a typed envelope plus the heterogeneous sub-objects as
JSON), digests and the log files they vouch for, Bedrock invocation log records
(``invocations``) and the large bodies delivered under ``data/`` (``payloads``). Times are
``TIMESTAMP`` in UTC. The SQL is plain enough to port to Athena or Spark over Parquet.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from airlock.errors import TrailError

SCHEMA_VERSION = 1

MODEL_CALL_EVENTS = (
    "InvokeModel",
    "InvokeModelWithResponseStream",
    "Converse",
    "ConverseStream",
    "InvokeModelWithBidirectionalStream",
    "StartAsyncInvoke",
)
"""CloudTrail event names of a model invocation (``eventSource`` bedrock.amazonaws.com)."""

TABLES = """
CREATE TABLE IF NOT EXISTS schema_info (version INTEGER NOT NULL);

CREATE TABLE IF NOT EXISTS source_files (
    key             VARCHAR PRIMARY KEY,   -- bucket key (relative path in a local copy)
    kind            VARCHAR NOT NULL,      -- cloudtrail-log | digest | invocation-log | invocation-payload
    source          VARCHAR NOT NULL,      -- the SOURCE it was ingested from
    account_id      VARCHAR,
    region          VARCHAR,
    delivered_at    TIMESTAMP,             -- from the object name
    object_size     BIGINT NOT NULL,       -- compressed bytes as stored
    etag            VARCHAR,
    content_bytes   BIGINT NOT NULL,       -- bytes of the first gzip member, inflated
    sha256          VARCHAR NOT NULL,      -- of those bytes: what CloudTrail digests record
    trailing_bytes  BIGINT NOT NULL,       -- bytes after the gzip stream (never ingested)
    problem         VARCHAR,               -- why the content is incomplete, if it is
    records         BIGINT,                -- NULL until counted at the end of the run
    ingested_at     TIMESTAMP NOT NULL
);

CREATE TABLE IF NOT EXISTS file_conflicts (
    key             VARCHAR NOT NULL,
    source          VARCHAR NOT NULL,
    seen_at         TIMESTAMP NOT NULL,
    ingested_size   BIGINT NOT NULL,
    seen_size       BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS events (
    event_id                VARCHAR NOT NULL,
    event_time              TIMESTAMP,
    event_version           VARCHAR,
    event_source            VARCHAR,
    event_name              VARCHAR,
    aws_region              VARCHAR,
    source_ip               VARCHAR,
    user_agent              VARCHAR,
    principal               VARCHAR,    -- stable identity: the role for a role session, else the ARN
    principal_type          VARCHAR,
    principal_id            VARCHAR,
    principal_arn           VARCHAR,
    principal_account       VARCHAR,
    access_key_id           VARCHAR,
    user_name               VARCHAR,
    invoked_by              VARCHAR,
    identity_provider       VARCHAR,
    session_issuer_arn      VARCHAR,
    session_issuer_type     VARCHAR,
    source_identity         VARCHAR,
    mfa_authenticated       VARCHAR,
    session_created         VARCHAR,
    on_behalf_of_user_id    VARCHAR,
    request_id              VARCHAR,
    vpc_endpoint_id         VARCHAR,
    vpc_endpoint_account    VARCHAR,
    error_code              VARCHAR,
    error_message           VARCHAR,
    read_only               VARCHAR,
    event_type              VARCHAR,
    event_category          VARCHAR,
    management_event        VARCHAR,
    recipient_account       VARCHAR,
    tls_host                VARCHAR,
    model_id                VARCHAR,    -- requestParameters.modelId
    inference_region        VARCHAR,    -- additionalEventData.inferenceRegion
    minted_access_key_id    VARCHAR,    -- responseElements.credentials.accessKeyId (STS)
    request_parameters      JSON,
    response_elements       JSON,
    additional_event_data   JSON,
    resources               JSON,
    addendum                JSON,
    file_key                VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS digests (
    key             VARCHAR PRIMARY KEY,
    account_id      VARCHAR,
    region          VARCHAR,
    trail           VARCHAR,
    home_region     VARCHAR,
    backfill        BOOLEAN,
    start_time      TIMESTAMP,
    end_time        TIMESTAMP,
    fingerprint     VARCHAR,
    previous_key    VARCHAR,
    previous_hash   VARCHAR,
    signature       VARCHAR,   -- from S3 metadata (sidecar); NULL when unknown
    sha256          VARCHAR,
    log_files       INTEGER
);

CREATE TABLE IF NOT EXISTS digest_log_files (
    digest_key      VARCHAR NOT NULL,
    log_key         VARCHAR NOT NULL,
    hash_value      VARCHAR,
    oldest_event    VARCHAR,
    newest_event    VARCHAR
);

CREATE TABLE IF NOT EXISTS invocations (
    request_id          VARCHAR NOT NULL,
    event_time          TIMESTAMP,
    account_id          VARCHAR,
    region              VARCHAR,
    operation           VARCHAR,
    model_id            VARCHAR,
    identity_arn        VARCHAR,
    inference_region    VARCHAR,
    error_code          VARCHAR,
    input_content_type  VARCHAR,
    output_content_type VARCHAR,
    input_tokens        BIGINT,
    output_tokens       BIGINT,
    cache_read_tokens   BIGINT,
    cache_write_tokens  BIGINT,
    input_body          JSON,      -- prompt: never printed without --reveal
    output_body         JSON,      -- response: never printed without --reveal
    input_sha256        VARCHAR,   -- of the inline body text, when inline
    output_sha256       VARCHAR,
    input_bytes         BIGINT,
    output_bytes        BIGINT,
    input_s3_path       VARCHAR,   -- large or binary bodies, delivered under data/
    output_s3_path      VARCHAR,
    guardrail_action    VARCHAR,   -- INTERVENED when a guardrail stepped in (inline body)
    request_metadata    JSON,      -- caller-supplied tags: not evidence of identity
    file_key            VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS payloads (
    key                 VARCHAR PRIMARY KEY,
    request_id          VARCHAR NOT NULL,
    direction           VARCHAR NOT NULL,  -- input | output
    sha256              VARCHAR NOT NULL,
    bytes               BIGINT NOT NULL,
    body                VARCHAR,           -- the body text: never printed without --reveal
    guardrail_action    VARCHAR
);
"""

_GUARDRAIL = (
    'CASE WHEN regexp_matches({text}, \'"(stopReason|stop_reason)"\\s*:\\s*"guardrail_intervened"\')'
    ' OR regexp_matches({text}, \'"amazon-bedrock-guardrailAction"\\s*:\\s*"INTERVENED"\')'
    ' OR regexp_matches({text}, \'"action"\\s*:\\s*"GUARDRAIL_INTERVENED"\')'
    " THEN 'INTERVENED' END"
)


PRINCIPAL_SQL = """coalesce(
    regexp_replace({arn}, '^arn:(aws[a-z-]*):sts::(\\d+):assumed-role/([^/]+)/.*$', 'arn:\\1:iam::\\2:role/\\3'),
    CASE WHEN {type} = 'AWSService' THEN {invoked_by}
         WHEN {type} IN ('SAMLUser', 'WebIdentityUser') THEN {type} || ':' || coalesce({user}, {id})
    END,
    {id})"""


def principal_expression(
    arn: str, type_: str, invoked_by: str, user: str, principal_id: str
) -> str:
    """SQL for the stable identity of a caller: an assumed-role session maps to its role."""
    return PRINCIPAL_SQL.format(
        arn=arn, type=type_, invoked_by=invoked_by, user=user, id=principal_id
    )


def guardrail_expression(text_sql: str) -> str:
    """SQL giving 'INTERVENED' when the response text shows a guardrail intervention."""
    return _GUARDRAIL.format(text=text_sql)


_MODEL_EVENTS_SQL = ", ".join(f"'{name}'" for name in MODEL_CALL_EVENTS)

VIEWS = f"""
CREATE OR REPLACE VIEW model_call_events AS
SELECT * FROM events
WHERE (event_source = 'bedrock.amazonaws.com' AND event_name IN ({_MODEL_EVENTS_SQL}))
   OR (event_source = 'bedrock-mantle.amazonaws.com'
       AND NOT regexp_matches(event_name, '^(List|Get|Describe)'));

CREATE OR REPLACE VIEW invocation_content AS
SELECT i.*,
       coalesce(i.input_sha256, pi.sha256)  AS input_hash,
       coalesce(i.input_bytes, pi.bytes)    AS input_size,
       coalesce(i.output_sha256, po.sha256) AS output_hash,
       coalesce(i.output_bytes, po.bytes)   AS output_size,
       coalesce(CAST(i.input_body AS VARCHAR), pi.body)  AS input_text,
       coalesce(CAST(i.output_body AS VARCHAR), po.body) AS output_text,
       coalesce(i.guardrail_action, po.guardrail_action) AS guardrail
FROM invocations i
LEFT JOIN payloads pi ON pi.request_id = i.request_id AND pi.direction = 'input'
LEFT JOIN payloads po ON po.request_id = i.request_id AND po.direction = 'output';

-- Every model call: CloudTrail joined to its invocation log record by request id. A call
-- with no log record has unknown content; a log record with no CloudTrail call is
-- uncorroborated (invocation logs are not signed).
CREATE OR REPLACE VIEW model_calls AS
SELECT coalesce(e.request_id, c.request_id)               AS request_id,
       coalesce(e.event_time, c.event_time)               AS event_time,
       coalesce(e.principal, {principal_expression("c.identity_arn", "NULL", "NULL", "NULL", "NULL")}) AS principal,
       coalesce(e.principal_arn, c.identity_arn)          AS principal_arn,
       e.session_issuer_arn,
       e.access_key_id,
       e.principal_type,
       coalesce(e.event_name, c.operation)                AS operation,
       coalesce(c.model_id, e.model_id)                   AS model_id,
       coalesce(e.aws_region, c.region)                   AS source_region,
       coalesce(c.inference_region, e.inference_region, e.aws_region, c.region) AS processed_in,
       e.vpc_endpoint_id,
       e.source_ip,
       e.tls_host,
       coalesce(e.error_code, c.error_code)               AS error_code,
       c.input_tokens,
       c.output_tokens,
       c.input_hash,
       c.input_size,
       c.output_hash,
       c.output_size,
       c.input_text,
       c.output_text,
       c.guardrail,
       e.event_id IS NOT NULL                             AS in_cloudtrail,
       c.request_id IS NOT NULL                           AS in_invocation_log,
       e.file_key                                         AS cloudtrail_file,
       c.file_key                                         AS invocation_file
FROM model_call_events e
FULL OUTER JOIN invocation_content c ON c.request_id = e.request_id;

-- Each ingested CloudTrail log file against the digests that list it (signatures are
-- checked by `airlock trail verify`, not here).
CREATE OR REPLACE VIEW file_integrity AS
SELECT f.key, f.sha256, f.trailing_bytes, f.problem,
       count(d.digest_key)                                  AS digests_listing,
       bool_or(d.hash_value = f.sha256)                     AS hash_matches,
       bool_or(d.hash_value IS NOT NULL AND d.hash_value <> f.sha256) AS hash_conflicts
FROM source_files f LEFT JOIN digest_log_files d ON d.log_key = f.key
WHERE f.kind = 'cloudtrail-log'
GROUP BY ALL;
"""


def connect(
    path: Path, *, memory_limit: str = "1GB", threads: int | None = None
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the trail database at ``path`` with the current schema."""
    try:
        con = duckdb.connect(str(path))
    except duckdb.Error as exc:
        raise TrailError(f"{path}: cannot open DuckDB database: {exc}") from exc
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"SET memory_limit = '{memory_limit}'")
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET enable_progress_bar = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        _migrate(con, path)
    except duckdb.Error as exc:
        con.close()
        raise TrailError(f"{path}: cannot prepare the trail schema: {exc}") from exc
    return con


def _migrate(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    con.execute(TABLES)
    row = con.execute("SELECT max(version) FROM schema_info").fetchone()
    version = row[0] if row else None
    if version is None:
        con.execute("INSERT INTO schema_info VALUES (?)", [SCHEMA_VERSION])
    elif version != SCHEMA_VERSION:
        raise TrailError(
            f"{path}: trail database schema {version}, this Airlock reads {SCHEMA_VERSION}"
        )
    con.execute(VIEWS)


def open_existing(path: Path) -> duckdb.DuckDBPyConnection:
    """Open a database that must already hold an ingested trail."""
    if not path.exists():
        raise TrailError(f"{path}: no such trail database (run `airlock trail ingest` first)")
    return connect(path)

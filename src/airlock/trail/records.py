"""How raw records become rows: the explicit read schema and the normalising SELECTs.

CloudTrail keeps a stable envelope (typed here) and heterogeneous sub-objects
(``requestParameters`` and friends, kept as JSON). DuckDB is always given explicit
``columns`` *and* ``records = true``: without the latter DuckDB 2.x is 15-40x slower
(``reference/audit.md`` §6.2). Scalars are read as VARCHAR and cast with ``TRY_CAST`` so
that one odd record cannot fail a whole batch.
"""

from __future__ import annotations

from airlock.trail.store import guardrail_expression, principal_expression

_V = "VARCHAR"

CLOUDTRAIL_RECORD = {
    "eventVersion": _V,
    "eventTime": _V,
    "eventSource": _V,
    "eventName": _V,
    "awsRegion": _V,
    "sourceIPAddress": _V,
    "userAgent": _V,
    "userIdentity": (
        "STRUCT(type VARCHAR, principalId VARCHAR, arn VARCHAR, accountId VARCHAR, "
        "accessKeyId VARCHAR, userName VARCHAR, invokedBy VARCHAR, identityProvider VARCHAR, "
        "sessionContext STRUCT(sessionIssuer STRUCT(type VARCHAR, arn VARCHAR), "
        "sourceIdentity VARCHAR, attributes STRUCT(creationDate VARCHAR, mfaAuthenticated VARCHAR)), "
        "onBehalfOf STRUCT(userId VARCHAR))"
    ),
    "requestID": _V,
    "eventID": _V,
    "vpcEndpointId": _V,
    "vpcEndpointAccountId": _V,
    "errorCode": _V,
    "errorMessage": _V,
    "readOnly": _V,
    "eventType": _V,
    "eventCategory": _V,
    "managementEvent": _V,
    "recipientAccountId": _V,
    "tlsDetails": "STRUCT(clientProvidedHostHeader VARCHAR)",
    "requestParameters": "JSON",
    "responseElements": "JSON",
    "additionalEventData": "JSON",
    "resources": "JSON",
    "addendum": "JSON",
}

CLOUDTRAIL_COLUMNS = {
    "Records": "STRUCT(" + ", ".join(f"{k} {v}" for k, v in CLOUDTRAIL_RECORD.items()) + ")[]"
}
"""A CloudTrail log file is one object: ``{"Records": [...]}``."""

CLOUDTRAIL_INSERT = """
SELECT
    coalesce(r.eventID, md5(CAST(to_json(r) AS VARCHAR)))       AS event_id,
    TRY_CAST(r.eventTime AS TIMESTAMP)                           AS event_time,
    r.eventVersion                                               AS event_version,
    r.eventSource                                                AS event_source,
    r.eventName                                                  AS event_name,
    r.awsRegion                                                  AS aws_region,
    r.sourceIPAddress                                            AS source_ip,
    r.userAgent                                                  AS user_agent,
    {principal}                                                  AS principal,
    r.userIdentity.type                                          AS principal_type,
    r.userIdentity.principalId                                   AS principal_id,
    r.userIdentity.arn                                           AS principal_arn,
    r.userIdentity.accountId                                     AS principal_account,
    r.userIdentity.accessKeyId                                   AS access_key_id,
    r.userIdentity.userName                                      AS user_name,
    r.userIdentity.invokedBy                                     AS invoked_by,
    r.userIdentity.identityProvider                              AS identity_provider,
    r.userIdentity.sessionContext.sessionIssuer.arn              AS session_issuer_arn,
    r.userIdentity.sessionContext.sessionIssuer.type             AS session_issuer_type,
    r.userIdentity.sessionContext.sourceIdentity                 AS source_identity,
    r.userIdentity.sessionContext.attributes.mfaAuthenticated    AS mfa_authenticated,
    r.userIdentity.sessionContext.attributes.creationDate        AS session_created,
    r.userIdentity.onBehalfOf.userId                             AS on_behalf_of_user_id,
    r.requestID                                                  AS request_id,
    r.vpcEndpointId                                              AS vpc_endpoint_id,
    r.vpcEndpointAccountId                                       AS vpc_endpoint_account,
    r.errorCode                                                  AS error_code,
    r.errorMessage                                               AS error_message,
    r.readOnly                                                   AS read_only,
    r.eventType                                                  AS event_type,
    r.eventCategory                                              AS event_category,
    r.managementEvent                                            AS management_event,
    r.recipientAccountId                                         AS recipient_account,
    r.tlsDetails.clientProvidedHostHeader                        AS tls_host,
    json_extract_string(r.requestParameters, '$.modelId')        AS model_id,
    json_extract_string(r.additionalEventData, '$.inferenceRegion') AS inference_region,
    json_extract_string(r.responseElements, '$.credentials.accessKeyId') AS minted_access_key_id,
    r.requestParameters                                          AS request_parameters,
    r.responseElements                                           AS response_elements,
    r.additionalEventData                                        AS additional_event_data,
    r.resources                                                  AS resources,
    r.addendum                                                   AS addendum,
    filename                                                     AS file_key
FROM {read}
""".replace(
    "{principal}",
    principal_expression(
        "r.userIdentity.arn",
        "r.userIdentity.type",
        "r.userIdentity.invokedBy",
        "r.userIdentity.userName",
        "r.userIdentity.principalId",
    ),
)

INVOCATION_COLUMNS = {
    "schemaType": _V,
    "schemaVersion": _V,
    "timestamp": _V,
    "accountId": _V,
    "region": _V,
    "requestId": _V,
    "operation": _V,
    "modelId": _V,
    "identity": "STRUCT(arn VARCHAR)",
    "requestMetadata": "JSON",
    "input": "JSON",
    "output": "JSON",
    "inferenceRegion": _V,
    "errorCode": _V,
}
"""One Bedrock model invocation log record (a batch file holds many, one per line)."""

_IN_BODY = "json_extract(input, '$.inputBodyJson')"
_OUT_BODY = "json_extract(output, '$.outputBodyJson')"

INVOCATION_INSERT = f"""
SELECT
    requestId                                                    AS request_id,
    TRY_CAST("timestamp" AS TIMESTAMP)                           AS event_time,
    accountId                                                    AS account_id,
    region                                                       AS region,
    operation                                                    AS operation,
    modelId                                                      AS model_id,
    identity.arn                                                 AS identity_arn,
    inferenceRegion                                              AS inference_region,
    errorCode                                                    AS error_code,
    json_extract_string(input, '$.inputContentType')             AS input_content_type,
    json_extract_string(output, '$.outputContentType')           AS output_content_type,
    TRY_CAST(json_extract_string(input, '$.inputTokenCount') AS BIGINT)   AS input_tokens,
    TRY_CAST(json_extract_string(output, '$.outputTokenCount') AS BIGINT) AS output_tokens,
    TRY_CAST(json_extract_string(input, '$.cacheReadInputTokenCount') AS BIGINT)  AS cache_read_tokens,
    TRY_CAST(json_extract_string(input, '$.cacheWriteInputTokenCount') AS BIGINT) AS cache_write_tokens,
    {_IN_BODY}                                                   AS input_body,
    {_OUT_BODY}                                                  AS output_body,
    sha256(CAST({_IN_BODY} AS VARCHAR))                          AS input_sha256,
    sha256(CAST({_OUT_BODY} AS VARCHAR))                         AS output_sha256,
    octet_length(encode(CAST({_IN_BODY} AS VARCHAR)))            AS input_bytes,
    octet_length(encode(CAST({_OUT_BODY} AS VARCHAR)))           AS output_bytes,
    json_extract_string(input, '$.inputBodyS3Path')              AS input_s3_path,
    json_extract_string(output, '$.outputBodyS3Path')            AS output_s3_path,
    {guardrail_expression(f"CAST({_OUT_BODY} AS VARCHAR)")}      AS guardrail_action,
    requestMetadata                                              AS request_metadata,
    filename                                                     AS file_key
FROM {{read}}
WHERE requestId IS NOT NULL AND (schemaType IS NULL OR schemaType = 'ModelInvocationLog')
"""

PAYLOAD_INSERT = f"""
INSERT INTO payloads
SELECT f.key, f.request_id, f.direction, f.sha256, f.bytes, try(decode(b.content)),
       CASE WHEN f.direction = 'output' THEN {guardrail_expression("coalesce(try(decode(b.content)), '')")} END
FROM read_blob(?) b JOIN temp.payload_files f ON f.path = b.filename
"""


def columns_literal(columns: dict[str, str]) -> str:
    """A DuckDB struct literal for ``read_json(columns = ...)``."""
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns.items()) + "}"

"""Bedrock records for the synthetic trail: model calls in CloudTrail, and their invocation
log records (Converse and InvokeModel bodies, guardrail interventions, token counts, large
bodies delivered under ``data/``). Prompts carry ``PROMPT_MARKER`` so tests can prove that
no output shows them unless revealed.
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airlock.trail.layout import format_iso, invocation_payload_key
from airlock.trail.synthetic_records import Actor, envelope

if TYPE_CHECKING:
    from airlock.trail.synthetic import TrailSpec

MODEL_EVENTS = ("Converse", "InvokeModel", "ConverseStream", "InvokeModelWithResponseStream")
VPC_ENDPOINT = "vpce-0a1b2c3d4e5f67890"
PROMPT_MARKER = "PROMPT-TEXT"
"""Every generated prompt contains this, so tests can prove prompts are never printed."""
RESPONSE_MARKER = "RESPONSE-TEXT"


MODELS = (
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", None),
    ("eu.anthropic.claude-sonnet-4-20250514-v1:0", "eu-central-1"),
    ("amazon.titan-embed-text-v2:0", None),
    ("eu.meta.llama3-2-3b-instruct-v1:0", "eu-west-3"),
)


def model_call(
    spec: TrailSpec,
    rng: random.Random,
    region: str,
    when: datetime,
    actor: Actor,
    counter: int,
    payloads: list[tuple[str, bytes]],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    model: str
    inference_region: str | None
    if actor.name == "legacy-batch":
        model, inference_region = "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-2"
    else:
        model, inference_region = MODELS[rng.randrange(len(MODELS))]
    name = MODEL_EVENTS[rng.choices((0, 1, 2, 3), weights=(5, 3, 1, 1))[0]]
    record = envelope(
        spec,
        rng,
        region,
        when,
        actor.identity,
        "bedrock.amazonaws.com",
        name,
        source_ip=actor.source_ip,
        read_only=True,
    )
    record["tlsDetails"]["clientProvidedHostHeader"] = f"bedrock-runtime.{region}.amazonaws.com"
    record["requestParameters"] = {"modelId": model}
    if inference_region:
        record["additionalEventData"] = {"inferenceRegion": inference_region}
    if actor.vpce:
        record["vpcEndpointId"] = VPC_ENDPOINT
        record["vpcEndpointAccountId"] = spec.account
    if rng.random() < 0.02:
        record["errorCode"] = "ThrottlingException"
        record["errorMessage"] = "Too many requests, please wait before trying again."
        return record, None
    if not spec.invocation_logs:
        return record, None
    return record, invocation(
        spec, rng, region, when, record, model, inference_region, counter, payloads
    )


def invocation(
    spec: TrailSpec,
    rng: random.Random,
    region: str,
    when: datetime,
    record: dict[str, Any],
    model: str,
    inference_region: str | None,
    counter: int,
    payloads: list[tuple[str, bytes]],
) -> dict[str, Any]:
    request_id = record["requestID"]
    intervened = rng.random() < 0.08
    claim = rng.randrange(10_000, 99_999)
    prompt = f"{PROMPT_MARKER} {request_id[:8]}: summarise claim #{claim} for customer Jane Doe, DOB 1984-02-11"
    answer = (
        "Sorry, the model cannot answer this question."
        if intervened
        else f"{RESPONSE_MARKER} {request_id[:8]}: claim #{claim} concerns water damage, covered."
    )
    in_tokens, out_tokens = rng.randrange(80, 4000), rng.randrange(20, 900)
    converse = record["eventName"].startswith("Converse")
    if converse:
        body_in: dict[str, Any] = {
            "messages": [{"role": "user", "content": [{"text": prompt}]}],
            "inferenceConfig": {"maxTokens": 512, "temperature": 0.2},
        }
        body_out: Any = {
            "output": {"message": {"role": "assistant", "content": [{"text": answer}]}},
            "stopReason": "guardrail_intervened" if intervened else "end_turn",
            "usage": {
                "inputTokens": in_tokens,
                "outputTokens": out_tokens,
                "totalTokens": in_tokens + out_tokens,
            },
            "metrics": {"latencyMs": rng.randrange(300, 9000)},
        }
    else:
        body_in = {
            "anthropic_version": "bedrock-2023-05-31",
            "max_tokens": 512,
            "messages": [{"role": "user", "content": prompt}],
        }
        body_out = {
            "id": "msg_" + request_id[:12],
            "type": "message",
            "content": [{"type": "text", "text": answer}],
            "stop_reason": "end_turn",
            "usage": {"input_tokens": in_tokens, "output_tokens": out_tokens},
        }
        if intervened:
            body_out["amazon-bedrock-guardrailAction"] = "INTERVENED"
    entry: dict[str, Any] = {
        "schemaType": "ModelInvocationLog",
        "schemaVersion": "1.0",
        "timestamp": format_iso(when),
        "accountId": spec.account,
        "region": region,
        "requestId": request_id,
        "operation": record["eventName"],
        "modelId": model,
        "identity": {"arn": record["userIdentity"]["arn"]},
        "requestMetadata": {"app": "claims-triage", "env": "prod"},
        "input": {"inputContentType": "application/json", "inputTokenCount": in_tokens},
        "output": {"outputContentType": "application/json", "outputTokenCount": out_tokens},
    }
    if inference_region:
        entry["inferenceRegion"] = inference_region
    if spec.large_payload_every and counter % spec.large_payload_every == 0:
        for direction, body in (("input", body_in), ("output", body_out)):
            key = invocation_payload_key(
                spec.prefix, spec.account, region, when, request_id, direction
            )
            payloads.append((key, json.dumps(body).encode()))
            entry[direction][f"{direction}BodyS3Path"] = f"s3://{spec.bucket}/{key}"
    else:
        entry["input"]["inputBodyJson"] = body_in
        entry["output"]["outputBodyJson"] = body_out
    return entry

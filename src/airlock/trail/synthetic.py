"""A generator of realistic audit trails, signed like CloudTrail signs them, for tests and bench.

It writes the bucket key layout of one account into a folder: CloudTrail log files, hourly
digest files chained and signed with SHA256withRSA by a key made at run time (never a real
AWS key), their ``.metadata.json`` sidecars, and Bedrock model invocation logs with large
bodies under ``data/``. The cast of principals gives the incident queries something to find:

* ``alice@bank.example`` signs in through SAML to ``BedrockOperators`` and from there assumes
  ``claims-genai-app``, which calls models through the VPC endpoint (a three-link key chain);
* ``svc-NNN`` roles, assumed by EC2, call models through the VPC endpoint;
* IAM user ``legacy-batch`` calls a ``global.`` profile from a public IP, no VPC endpoint,
  and the call is processed in ``us-east-2``;
* ``contractor-x`` appears only in the last hour (a principal never seen before).

Everything is deterministic in ``TrailSpec.seed``, whatever the number of processes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from airlock.trail.layout import (
    SIGNATURE_ALGORITHM,
    digest_key,
    format_iso,
    invocation_log_key,
    invocation_payload_key,
    log_file_key,
    sidecar_name,
)

MODEL_EVENTS = ("Converse", "InvokeModel", "ConverseStream", "InvokeModelWithResponseStream")
VPC_ENDPOINT = "vpce-0a1b2c3d4e5f67890"
PROMPT_MARKER = "PROMPT-TEXT"
"""Every generated prompt contains this, so tests can prove prompts are never printed."""
RESPONSE_MARKER = "RESPONSE-TEXT"


@dataclass(frozen=True)
class SigningKey:
    """A throw-away RSA key standing in for CloudTrail's regional signing key."""

    private_key: rsa.RSAPrivateKey

    @classmethod
    def generate(cls) -> SigningKey:
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    @property
    def fingerprint(self) -> str:
        """md5 of the PKCS#1 DER public key, as CloudTrail computes it."""
        der = self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1
        )
        return hashlib.md5(der).hexdigest()

    def public_pem(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def public_der_pkcs1(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.PKCS1
        )

    def sign(self, message: bytes) -> str:
        return self.private_key.sign(message, padding.PKCS1v15(), hashes.SHA256()).hex()


@dataclass(frozen=True)
class TrailSpec:
    """What to generate. Defaults give a small trail suitable for unit tests."""

    account: str = "111122223333"
    regions: tuple[str, ...] = ("eu-west-1",)
    home_region: str = "eu-west-1"
    trail: str = "org-audit"
    bucket: str = "airlock-audit"
    prefix: str = ""
    start: datetime = datetime(2026, 5, 1, 0, 1, 31, tzinfo=UTC)
    """Start of the first digest window."""
    hours: int = 3
    files_per_hour: int = 3
    records_per_file: int = 40
    bedrock_share: float = 0.25
    services: int = 4
    """Number of ``svc-NNN`` workload roles."""
    invocation_logs: bool = True
    large_payload_every: int = 7
    """Every Nth logged invocation delivers its bodies under ``data/`` instead of inline."""
    stopped_hours: tuple[int, ...] = ()
    """Hours with logging stopped: no log files, no digest; the chain restarts after."""
    backfill_hours: tuple[int, ...] = ()
    """Hours with one late log file that only a backfill digest lists."""
    seed: int = 1
    compresslevel: int = 6

    def window(self, hour: int) -> tuple[datetime, datetime]:
        begin = self.start + timedelta(hours=hour)
        return begin, begin + timedelta(hours=1)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(hours=self.hours)


@dataclass(frozen=True)
class LogFileResult:
    key: str
    sha256: str
    oldest: str
    newest: str
    records: int
    model_calls: int
    invocations: tuple[dict[str, Any], ...]
    payload_keys: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedTrail:
    """Ground truth about what was written."""

    root: Path
    spec: TrailSpec
    key: SigningKey
    log_keys: tuple[str, ...]
    digest_keys: tuple[str, ...]
    backfill_keys: tuple[str, ...]
    invocation_keys: tuple[str, ...]
    payload_keys: tuple[str, ...]
    records: int
    model_calls: int
    invocation_records: int
    digests_by_hour: dict[tuple[str, int], str] = field(default_factory=dict)
    """(region, hour) → digest key."""
    logs_by_hour: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)


# --- identities -------------------------------------------------------------------------------


def access_key(name: str, region: str, hour: int, *, long_term: bool = False) -> str:
    """The access key a principal uses in a region during a generated hour."""
    digest = hashlib.sha256(f"{name}/{region}/{hour if not long_term else 0}".encode()).hexdigest()
    body = "".join(chr(ord("A") + int(c, 16) % 26) if c.isalpha() else c for c in digest[:16])
    return ("AKIA" if long_term else "ASIA") + body.upper()


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _role_identity(spec: TrailSpec, role: str, session: str, key: str) -> dict[str, Any]:
    role_id = "AROA" + hashlib.sha1(role.encode()).hexdigest()[:17].upper()
    return {
        "type": "AssumedRole",
        "principalId": f"{role_id}:{session}",
        "arn": f"arn:aws:sts::{spec.account}:assumed-role/{role}/{session}",
        "accountId": spec.account,
        "accessKeyId": key,
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": role_id,
                "arn": f"arn:aws:iam::{spec.account}:role/{role}",
                "accountId": spec.account,
                "userName": role,
            },
            "attributes": {"creationDate": format_iso(spec.start), "mfaAuthenticated": "false"},
        },
    }


def _user_identity(spec: TrailSpec, user: str, key: str) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": "AIDA" + hashlib.sha1(user.encode()).hexdigest()[:17].upper(),
        "arn": f"arn:aws:iam::{spec.account}:user/{user}",
        "accountId": spec.account,
        "accessKeyId": key,
        "userName": user,
    }


@dataclass(frozen=True)
class _Actor:
    name: str
    identity: dict[str, Any]
    vpce: bool
    source_ip: str


def _actors(spec: TrailSpec, region: str, hour: int) -> tuple[list[_Actor], _Actor, _Actor | None]:
    """Workload callers of the hour, the legacy user, and the contractor (last hour only)."""
    app = _Actor(
        "claims-genai-app",
        _role_identity(
            spec,
            "claims-genai-app",
            "claims-svc-7f9c",
            access_key("claims-genai-app", region, hour),
        ),
        True,
        "10.42.3.17",
    )
    workloads = [app]
    for n in range(spec.services):
        name = f"svc-{n:03d}"
        workloads.append(
            _Actor(
                name,
                _role_identity(spec, name, f"i-{n:017x}", access_key(name, region, hour)),
                True,
                f"10.42.{4 + n % 200}.{10 + n % 240}",
            )
        )
    legacy = _Actor(
        "legacy-batch",
        _user_identity(spec, "legacy-batch", access_key("legacy-batch", region, 0, long_term=True)),
        False,
        "203.0.113.7",
    )
    contractor = None
    if hour == spec.hours - 1:
        contractor = _Actor(
            "contractor-x",
            _role_identity(
                spec, "contractor-x", "contractor", access_key("contractor-x", region, hour)
            ),
            True,
            "10.42.9.99",
        )
    return workloads, legacy, contractor


# --- records ------------------------------------------------------------------------------------


def _envelope(
    spec: TrailSpec,
    rng: random.Random,
    region: str,
    when: datetime,
    identity: dict[str, Any],
    source: str,
    name: str,
    *,
    source_ip: str,
    read_only: bool,
    category: str = "Management",
) -> dict[str, Any]:
    return {
        "eventVersion": "1.11",
        "userIdentity": identity,
        "eventTime": format_iso(when),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": source_ip,
        "userAgent": "Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#5.10.223 md/arch#x86_64 "
        "lang/python#3.12.3 md/pyimpl#CPython cfg/retry-mode#standard",
        "requestParameters": None,
        "responseElements": None,
        "requestID": _uuid(rng),
        "eventID": _uuid(rng),
        "readOnly": read_only,
        "eventType": "AwsApiCall",
        "managementEvent": category == "Management",
        "recipientAccountId": spec.account,
        "eventCategory": category,
        "tlsDetails": {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": f"{source.split('.')[0]}.{region}.amazonaws.com",
        },
    }


_MODELS = (
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", None),
    ("eu.anthropic.claude-sonnet-4-20250514-v1:0", "eu-central-1"),
    ("amazon.titan-embed-text-v2:0", None),
    ("eu.meta.llama3-2-3b-instruct-v1:0", "eu-west-3"),
)


def _model_call(
    spec: TrailSpec,
    rng: random.Random,
    region: str,
    when: datetime,
    actor: _Actor,
    counter: int,
    payloads: list[tuple[str, bytes]],
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    model: str
    inference_region: str | None
    if actor.name == "legacy-batch":
        model, inference_region = "global.anthropic.claude-sonnet-4-5-20250929-v1:0", "us-east-2"
    else:
        model, inference_region = _MODELS[rng.randrange(len(_MODELS))]
    name = MODEL_EVENTS[rng.choices((0, 1, 2, 3), weights=(5, 3, 1, 1))[0]]
    record = _envelope(
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
    return record, _invocation(
        spec, rng, region, when, record, model, inference_region, counter, payloads
    )


def _invocation(
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


def _other_event(
    spec: TrailSpec, rng: random.Random, region: str, when: datetime, actor: _Actor
) -> dict[str, Any]:
    kind = rng.randrange(6)
    ident = actor.identity
    ip = actor.source_ip
    if kind == 0:
        obj = f"claims/2026/{rng.randrange(1, 13):02d}/claim-{rng.randrange(10**6):06d}.pdf"
        r = _envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "s3.amazonaws.com",
            "GetObject",
            source_ip=ip,
            read_only=True,
            category="Data",
        )
        r["requestParameters"] = {
            "bucketName": "claims-documents",
            "Host": "claims-documents.s3.eu-west-1.amazonaws.com",
            "key": obj,
        }
        r["additionalEventData"] = {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": 0,
            "AuthenticationMethod": "AuthHeader",
            "x-amz-id-2": hashlib.sha256(obj.encode()).hexdigest()[:60],
            "bytesTransferredOut": rng.randrange(1000, 10**6),
        }
        r["resources"] = [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::claims-documents/{obj}"},
            {
                "accountId": spec.account,
                "type": "AWS::S3::Bucket",
                "ARN": "arn:aws:s3:::claims-documents",
            },
        ]
        if actor.vpce:
            r["vpcEndpointId"] = "vpce-0f00d5e3b0c1a2b3c"
        return r
    if kind == 1:
        r = _envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "kms.amazonaws.com",
            "Decrypt",
            source_ip=ip,
            read_only=True,
        )
        r["requestParameters"] = {
            "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
            "encryptionContext": {"aws:s3:arn": "arn:aws:s3:::claims-documents"},
        }
        r["resources"] = [
            {
                "accountId": spec.account,
                "type": "AWS::KMS::Key",
                "ARN": f"arn:aws:kms:{region}:{spec.account}:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
            }
        ]
        return r
    if kind == 2:
        r = _envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "ec2.amazonaws.com",
            "DescribeInstances",
            source_ip=ip,
            read_only=True,
        )
        r["requestParameters"] = {
            "instancesSet": {},
            "filterSet": {
                "items": [
                    {"name": "tag:Workload", "valueSet": {"items": [{"value": "claims"}]}},
                    {"name": "instance-state-name", "valueSet": {"items": [{"value": "running"}]}},
                ]
            },
        }
        return r
    if kind == 3:
        r = _envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "logs.amazonaws.com",
            "CreateLogStream",
            source_ip=ip,
            read_only=False,
        )
        r["requestParameters"] = {
            "logGroupName": "/aws/bedrock/claims",
            "logStreamName": _uuid(rng),
        }
        return r
    if kind == 4:
        r = _envelope(
            spec,
            rng,
            region,
            when,
            ident,
            "secretsmanager.amazonaws.com",
            "GetSecretValue",
            source_ip=ip,
            read_only=True,
        )
        r["requestParameters"] = {
            "secretId": f"arn:aws:secretsmanager:{region}:{spec.account}:secret:claims/db-AbCdEf"
        }
        return r
    r = _envelope(
        spec,
        rng,
        region,
        when,
        ident,
        "sts.amazonaws.com",
        "GetCallerIdentity",
        source_ip=ip,
        read_only=True,
    )
    return r


def _assume_role(
    spec: TrailSpec,
    rng: random.Random,
    region: str,
    when: datetime,
    caller: dict[str, Any],
    role: str,
    session: str,
    minted: str,
    *,
    source_ip: str,
) -> dict[str, Any]:
    r = _envelope(
        spec,
        rng,
        region,
        when,
        caller,
        "sts.amazonaws.com",
        "AssumeRole",
        source_ip=source_ip,
        read_only=True,
    )
    role_arn = f"arn:aws:iam::{spec.account}:role/{role}"
    r["requestParameters"] = {
        "roleArn": role_arn,
        "roleSessionName": session,
        "durationSeconds": 3600,
    }
    r["responseElements"] = {
        "credentials": {
            "accessKeyId": minted,
            "sessionToken": "<redacted>",
            "expiration": format_iso(when + timedelta(hours=1)),
        },
        "assumedRoleUser": {
            "assumedRoleId": f"AROA{role.upper()[:8]}:{session}",
            "arn": f"arn:aws:sts::{spec.account}:assumed-role/{role}/{session}",
        },
    }
    r["resources"] = [{"accountId": spec.account, "type": "AWS::IAM::Role", "ARN": role_arn}]
    return r


def _mint_events(
    spec: TrailSpec, rng: random.Random, region: str, hour: int, when: datetime
) -> list[dict[str, Any]]:
    """The STS events that minted this hour's temporary keys."""
    events: list[dict[str, Any]] = []
    ops_key = access_key("BedrockOperators", region, hour)
    saml = _envelope(
        spec,
        rng,
        region,
        when,
        {
            "type": "SAMLUser",
            "principalId": "SAMLProviderBank:alice@bank.example",
            "userName": "alice@bank.example",
            "identityProvider": f"arn:aws:iam::{spec.account}:saml-provider/BankIdP",
        },
        "sts.amazonaws.com",
        "AssumeRoleWithSAML",
        source_ip="198.51.100.23",
        read_only=True,
    )
    ops_arn = f"arn:aws:iam::{spec.account}:role/BedrockOperators"
    saml["requestParameters"] = {
        "roleArn": ops_arn,
        "principalArn": f"arn:aws:iam::{spec.account}:saml-provider/BankIdP",
        "durationSeconds": 3600,
    }
    saml["responseElements"] = {
        "credentials": {
            "accessKeyId": ops_key,
            "sessionToken": "<redacted>",
            "expiration": format_iso(when + timedelta(hours=1)),
        },
        "assumedRoleUser": {
            "assumedRoleId": "AROAOPS:alice@bank.example",
            "arn": f"arn:aws:sts::{spec.account}:assumed-role/BedrockOperators/alice@bank.example",
        },
        "subject": "alice@bank.example",
        "subjectType": "persistent",
        "issuer": "https://idp.bank.example/saml",
        "audience": "https://signin.aws.amazon.com/saml",
        "nameQualifier": "Qq2S0sQ8pYz0fBNr0XNEh0L0Dk4=",
    }
    saml["userAgent"] = "aws-internal/3 aws-sdk-java/1.12.772"
    events.append(saml)
    ops_identity = _role_identity(spec, "BedrockOperators", "alice@bank.example", ops_key)
    events.append(
        _assume_role(
            spec,
            rng,
            region,
            when + timedelta(seconds=2),
            ops_identity,
            "claims-genai-app",
            "claims-svc-7f9c",
            access_key("claims-genai-app", region, hour),
            source_ip="198.51.100.23",
        )
    )
    ec2 = {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"}
    for n in range(spec.services):
        name = f"svc-{n:03d}"
        r = _assume_role(
            spec,
            rng,
            region,
            when + timedelta(seconds=3),
            ec2,
            name,
            f"i-{n:017x}",
            access_key(name, region, hour),
            source_ip="ec2.amazonaws.com",
        )
        events.append(r)
    if hour == spec.hours - 1:
        contractor = _user_identity(
            spec, "contractor", access_key("contractor", region, 0, long_term=True)
        )
        events.append(
            _assume_role(
                spec,
                rng,
                region,
                when + timedelta(seconds=4),
                contractor,
                "contractor-x",
                "contractor",
                access_key("contractor-x", region, hour),
                source_ip="192.0.2.44",
            )
        )
    return events


def _delivery_time(spec: TrailSpec, hour: int, index: int) -> datetime:
    begin, _ = spec.window(hour)
    if index >= spec.files_per_hour:  # the late file of a backfill hour
        return begin + timedelta(minutes=58)
    step = 3600 / spec.files_per_hour
    return (begin + timedelta(seconds=step * index + step / 2)).replace(second=0, microsecond=0)


def _file_task(args: tuple[TrailSpec, str, int, int, str]) -> LogFileResult:
    spec, region, hour, index, root = args
    rng = random.Random(f"{spec.seed}/{region}/{hour}/{index}")
    delivered = _delivery_time(spec, hour, index)
    workloads, legacy, contractor = _actors(spec, region, hour)
    records: list[dict[str, Any]] = []
    invocations: list[dict[str, Any]] = []
    payloads: list[tuple[str, bytes]] = []
    if index == 0:
        records.extend(_mint_events(spec, rng, region, hour, delivered - timedelta(minutes=6)))
    counter = hour * 100_000 + index * 10_000
    model_calls = 0
    while len(records) < spec.records_per_file:
        when = delivered - timedelta(seconds=rng.randrange(10, 300))
        roll = rng.random()
        if roll < spec.bedrock_share:
            pick = rng.random()
            if pick < 0.05:
                actor = legacy
            elif contractor is not None and pick < 0.15:
                actor = contractor
            elif pick < 0.5:
                actor = workloads[0]
            else:
                actor = workloads[rng.randrange(len(workloads))]
            counter += 1
            model_calls += 1
            record, invocation = _model_call(spec, rng, region, when, actor, counter, payloads)
            records.append(record)
            if invocation is not None:
                invocations.append(invocation)
        else:
            records.append(
                _other_event(spec, rng, region, when, workloads[rng.randrange(len(workloads))])
            )
    if index == spec.files_per_hour - 1 and hour + 1 in spec.stopped_hours:
        stop = _envelope(
            spec,
            rng,
            region,
            delivered - timedelta(seconds=5),
            _role_identity(
                spec,
                "BedrockOperators",
                "alice@bank.example",
                access_key("BedrockOperators", region, hour),
            ),
            "cloudtrail.amazonaws.com",
            "StopLogging",
            source_ip="198.51.100.23",
            read_only=False,
        )
        stop["requestParameters"] = {
            "name": f"arn:aws:cloudtrail:{spec.home_region}:{spec.account}:trail/{spec.trail}"
        }
        records.append(stop)
    times = [r["eventTime"] for r in records]
    body = json.dumps({"Records": records}, separators=(",", ":")).encode()
    unique = hashlib.sha256(f"{spec.seed}/{region}/{hour}/{index}".encode()).hexdigest()[:16]
    unique = "".join(c.upper() if i % 3 == 0 else c for i, c in enumerate(unique))
    key = log_file_key(spec.prefix, spec.account, region, delivered, unique)
    _write(Path(root), key, gzip.compress(body, compresslevel=spec.compresslevel, mtime=0))
    for payload_key, payload in payloads:
        _write(Path(root), payload_key, gzip.compress(payload, mtime=0))
    return LogFileResult(
        key=key,
        sha256=hashlib.sha256(body).hexdigest(),
        oldest=min(times),
        newest=max(times),
        records=len(records),
        model_calls=model_calls,
        invocations=tuple(invocations),
        payload_keys=tuple(k for k, _ in payloads),
    )


def _write(root: Path, key: str, data: bytes) -> None:
    path = root.joinpath(*key.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _tasks(spec: TrailSpec, root: Path) -> Iterator[tuple[TrailSpec, str, int, int, str]]:
    for region in spec.regions:
        for hour in range(spec.hours):
            if hour in spec.stopped_hours:
                continue
            extra = 1 if hour in spec.backfill_hours else 0
            for index in range(spec.files_per_hour + extra):
                yield (spec, region, hour, index, str(root))


def _digest_doc(
    spec: TrailSpec,
    region: str,
    key: str,
    begin: datetime,
    end: datetime,
    files: list[LogFileResult],
    signer: SigningKey,
    previous: tuple[str, str, str] | None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "awsAccountId": spec.account,
        "digestStartTime": format_iso(begin),
        "digestEndTime": format_iso(end),
        "digestS3Bucket": spec.bucket,
        "digestS3Object": key,
        "digestPublicKeyFingerprint": signer.fingerprint,
        "digestSignatureAlgorithm": SIGNATURE_ALGORITHM,
        "newestEventTime": max((f.newest for f in files), default=None),
        "oldestEventTime": min((f.oldest for f in files), default=None),
        "previousDigestS3Bucket": spec.bucket if previous else None,
        "previousDigestS3Object": previous[0] if previous else None,
        "previousDigestHashValue": previous[1] if previous else None,
        "previousDigestHashAlgorithm": "SHA-256" if previous else None,
        "previousDigestSignature": previous[2] if previous else None,
        "logFiles": [
            {
                "s3Bucket": spec.bucket,
                "s3Object": f.key,
                "hashValue": f.sha256,
                "hashAlgorithm": "SHA-256",
                "newestEventTime": f.newest,
                "oldestEventTime": f.oldest,
            }
            for f in files
        ],
    }
    return doc


def sign_digest(
    root: Path,
    key: str,
    doc: dict[str, Any],
    signer: SigningKey,
    extra_metadata: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Write a digest and its sidecar; returns (sha256 of the uncompressed JSON, signature)."""
    content = json.dumps(doc, separators=(",", ":")).encode()
    sha = hashlib.sha256(content).hexdigest()
    previous = doc.get("previousDigestSignature") or "null"
    to_sign = f"{doc['digestEndTime']}\n{doc['digestS3Bucket']}/{doc['digestS3Object']}\n{sha}\n{previous}"
    signature = signer.sign(to_sign.encode())
    _write(root, key, gzip.compress(content, mtime=0))
    metadata = {"signature": signature, "signature-algorithm": SIGNATURE_ALGORITHM}
    metadata.update(extra_metadata or {})
    _write(root, sidecar_name(key), json.dumps(metadata, indent=2, sort_keys=True).encode())
    return sha, signature


def write_trail(
    spec: TrailSpec, root: Path, signer: SigningKey | None = None, processes: int = 1
) -> GeneratedTrail:
    """Generate ``spec`` into ``root`` (the bucket's key layout) and return the ground truth."""
    signer = signer or SigningKey.generate()
    root.mkdir(parents=True, exist_ok=True)
    tasks = list(_tasks(spec, root))
    if processes > 1:
        with ProcessPoolExecutor(max_workers=processes) as pool:
            results = list(pool.map(_file_task, tasks, chunksize=8))
    else:
        results = [_file_task(t) for t in tasks]
    by_hour: dict[tuple[str, int], list[LogFileResult]] = {}
    late: dict[tuple[str, int], list[LogFileResult]] = {}
    for (_, region, hour, index, _), result in zip(tasks, results, strict=True):
        target = late if index >= spec.files_per_hour else by_hour
        target.setdefault((region, hour), []).append(result)

    digest_keys: list[str] = []
    backfill_keys: list[str] = []
    digests_by_hour: dict[tuple[str, int], str] = {}
    for region in spec.regions:
        previous: tuple[str, str, str] | None = None
        for hour in range(spec.hours):
            if hour in spec.stopped_hours:
                previous = None
                continue
            begin, end = spec.window(hour)
            key = digest_key(spec.prefix, spec.account, region, spec.trail, spec.home_region, end)
            files = by_hour.get((region, hour), [])
            doc = _digest_doc(spec, region, key, begin, end, files, signer, previous)
            sha, signature = sign_digest(root, key, doc, signer)
            previous = (key, sha, signature)
            digest_keys.append(key)
            digests_by_hour[(region, hour)] = key
            if (region, hour) in late:
                bkey = digest_key(
                    spec.prefix,
                    spec.account,
                    region,
                    spec.trail,
                    spec.home_region,
                    end,
                    backfill=True,
                )
                bdoc = _digest_doc(
                    spec, region, bkey, begin, end, late[(region, hour)], signer, None
                )
                generated = format_iso(end + timedelta(hours=2))
                sign_digest(root, bkey, bdoc, signer, {"backfill-generation-timestamp": generated})
                backfill_keys.append(bkey)

    invocation_keys = _write_invocations(spec, root, tasks, results)
    logs_by_hour: dict[tuple[str, int], tuple[str, ...]] = {
        k: tuple(f.key for f in v) for k, v in by_hour.items()
    }
    return GeneratedTrail(
        root=root,
        spec=spec,
        key=signer,
        log_keys=tuple(r.key for r in results),
        digest_keys=tuple(digest_keys),
        backfill_keys=tuple(backfill_keys),
        invocation_keys=tuple(invocation_keys),
        payload_keys=tuple(k for r in results for k in r.payload_keys),
        records=sum(r.records for r in results),
        model_calls=sum(r.model_calls for r in results),
        invocation_records=sum(len(r.invocations) for r in results),
        digests_by_hour=digests_by_hour,
        logs_by_hour=logs_by_hour,
    )


def _write_invocations(
    spec: TrailSpec,
    root: Path,
    tasks: list[tuple[TrailSpec, str, int, int, str]],
    results: list[LogFileResult],
) -> list[str]:
    """One NDJSON batch per region and hour, delivered a few minutes after the hour."""
    batches: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for (_, region, hour, _, _), result in zip(tasks, results, strict=True):
        batches.setdefault((region, hour), []).extend(result.invocations)
    keys: list[str] = []
    for (region, hour), entries in sorted(batches.items()):
        if not entries:
            continue
        begin, _ = spec.window(hour)
        delivered = begin + timedelta(minutes=30, milliseconds=123)
        unique = hashlib.sha256(f"inv/{spec.seed}/{region}/{hour}".encode()).hexdigest()[:16]
        key = invocation_log_key(spec.prefix, spec.account, region, delivered, unique)
        body = "\n".join(json.dumps(e, separators=(",", ":")) for e in entries) + "\n"
        _write(root, key, gzip.compress(body.encode(), mtime=0))
        keys.append(key)
    return keys

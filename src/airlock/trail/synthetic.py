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
The records themselves are built in ``synthetic_records``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from msgspec import Struct, field

from airlock.trail.layout import (
    SIGNATURE_ALGORITHM,
    digest_key,
    format_iso,
    invocation_log_key,
    log_file_key,
    sidecar_name,
)
from airlock.trail.synthetic_bedrock import (
    MODEL_EVENTS,
    PROMPT_MARKER,
    RESPONSE_MARKER,
    VPC_ENDPOINT,
    model_call,
)
from airlock.trail.synthetic_records import (
    access_key,
    actors,
    envelope,
    mint_events,
    other_event,
    role_identity,
)

__all__ = [
    "MODEL_EVENTS",
    "PROMPT_MARKER",
    "RESPONSE_MARKER",
    "VPC_ENDPOINT",
    "GeneratedTrail",
    "SigningKey",
    "TrailSpec",
    "access_key",
    "sign_digest",
    "write_trail",
]


class SigningKey(Struct, frozen=True):
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


class TrailSpec(Struct, frozen=True):
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


class LogFileResult(Struct, frozen=True):
    key: str
    sha256: str
    oldest: str
    newest: str
    records: int
    model_calls: int
    invocations: tuple[dict[str, Any], ...]
    payload_keys: tuple[str, ...]


class GeneratedTrail(Struct, frozen=True):
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
    workloads, legacy, contractor = actors(spec, region, hour)
    records: list[dict[str, Any]] = []
    invocations: list[dict[str, Any]] = []
    payloads: list[tuple[str, bytes]] = []
    if index == 0:
        records.extend(mint_events(spec, rng, region, hour, delivered - timedelta(minutes=6)))
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
            record, invocation = model_call(spec, rng, region, when, actor, counter, payloads)
            records.append(record)
            if invocation is not None:
                invocations.append(invocation)
        else:
            records.append(
                other_event(spec, rng, region, when, workloads[rng.randrange(len(workloads))])
            )
    if index == spec.files_per_hour - 1 and hour + 1 in spec.stopped_hours:
        stop = envelope(
            spec,
            rng,
            region,
            delivered - timedelta(seconds=5),
            role_identity(
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

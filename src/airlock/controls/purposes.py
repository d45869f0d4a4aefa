"""What each KMS key protects: the purposes of the artefacts encrypted under it.

Used by the per-purpose key control (one key for everything is the policy-bloat friction of
the reference architecture) and by the isolation controls (keys that protect Bedrock data).
"""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct

from airlock.controls.buckets import find_bucket
from airlock.controls.keys import KeyKind, resolve_key
from airlock.controls.model import ScanContext
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import (
    Agent,
    CustomModel,
    DataSource,
    Flow,
    Guardrail,
    InvocationLogging,
    Prompt,
)
from airlock.inventory.compute import EksCluster, LambdaFunction
from airlock.inventory.encryption import LogGroup, OpenSearchSecurityPolicy, Secret
from airlock.inventory.model import Inventory, Unresolved, Val
from airlock.inventory.operations import EcrRepository


class Purpose(StrEnum):
    INVOCATION_LOGS = "model invocation logs"
    AUDIT_TRAIL = "audit trail"
    KNOWLEDGE_BASE = "knowledge bases (sources and vector stores)"
    AGENTS = "agents, prompts, flows and guardrails"
    CUSTOM_MODELS = "custom models"
    SECRETS = "secrets"
    LOGS = "other log groups"
    COMPUTE = "compute configuration"


AUDIT_PURPOSES = frozenset({Purpose.INVOCATION_LOGS, Purpose.AUDIT_TRAIL})
WORKLOAD_PURPOSES = frozenset(
    {
        Purpose.KNOWLEDGE_BASE,
        Purpose.AGENTS,
        Purpose.CUSTOM_MODELS,
        Purpose.SECRETS,
        Purpose.COMPUTE,
    }
)
#: purposes whose artefacts hold prompts, documents, embeddings or model weights
BEDROCK_DATA_PURPOSES = frozenset(
    {Purpose.INVOCATION_LOGS, Purpose.KNOWLEDGE_BASE, Purpose.AGENTS, Purpose.CUSTOM_MODELS}
)


class KeyUsage(Struct, frozen=True):
    #: key identity (inventory id or literal) -> purpose -> ids of the artefacts
    by_key: dict[str, dict[Purpose, tuple[str, ...]]]
    #: artefacts whose key reference could not be resolved: (resource id, reason)
    unresolved: tuple[tuple[str, str], ...]

    def purposes(self, key_id: str) -> dict[Purpose, tuple[str, ...]]:
        return self.by_key.get(key_id, {})


def key_usage(ctx: ScanContext) -> KeyUsage:
    return ctx.analysis("key-usage", lambda: _collect(ctx.inventory))


def _collect(inventory: Inventory) -> KeyUsage:
    table: dict[str, dict[Purpose, list[str]]] = {}
    lost: list[tuple[str, str]] = []
    seen_groups: set[str] = set()

    def add(ref: Val[str] | None, purpose: Purpose, user: str) -> None:
        key = resolve_key(inventory, ref)
        if key.kind is KeyKind.UNRESOLVED:
            lost.append((user, key.note))
        elif key.customer_managed and key.identity is not None:
            users = table.setdefault(key.identity, {}).setdefault(purpose, [])
            if user not in users:
                users.append(user)

    def add_bucket(ref: Val[str] | None, purpose: Purpose) -> None:
        bucket = find_bucket(inventory, ref)
        if bucket is not None:
            algorithm = bucket.sse_algorithm
            if isinstance(algorithm, Unresolved):
                lost.append((bucket.id, algorithm.reason))
            elif isinstance(algorithm, str) and algorithm.startswith("aws:kms"):
                add(bucket.kms_key, purpose, bucket.id)

    def add_group(ref: Val[str] | None, purpose: Purpose) -> None:
        group = inventory.find(ref, LogGroup) if isinstance(ref, str) else None
        if group is not None:
            seen_groups.add(group.id)
            add(group.kms_key, purpose, group.id)

    for logging in inventory.of(InvocationLogging):
        add_bucket(logging.s3_bucket, Purpose.INVOCATION_LOGS)
        add_bucket(logging.large_data_bucket, Purpose.INVOCATION_LOGS)
        add_group(logging.log_group, Purpose.INVOCATION_LOGS)
    for trail in inventory.of(Trail):
        add(trail.kms_key, Purpose.AUDIT_TRAIL, trail.id)
        add_bucket(trail.s3_bucket, Purpose.AUDIT_TRAIL)
        add_group(trail.cloudwatch_log_group, Purpose.AUDIT_TRAIL)
    for source in inventory.of(DataSource):
        add(source.kms_key, Purpose.KNOWLEDGE_BASE, source.id)
        add_bucket(source.bucket, Purpose.KNOWLEDGE_BASE)
    for policy in inventory.of(OpenSearchSecurityPolicy):
        if policy.policy_type == "encryption" and isinstance(policy.document, dict):
            kms = policy.document.get("KmsARN")
            if isinstance(kms, str | Unresolved):
                add(kms, Purpose.KNOWLEDGE_BASE, policy.id)
    agent_like: list[Agent | Prompt | Flow | Guardrail] = [
        *inventory.of(Agent),
        *inventory.of(Prompt),
        *inventory.of(Flow),
        *inventory.of(Guardrail),
    ]
    for item in agent_like:
        add(item.kms_key, Purpose.AGENTS, item.id)
    for model in inventory.of(CustomModel):
        add(model.kms_key, Purpose.CUSTOM_MODELS, model.id)
    for secret in inventory.of(Secret):
        add(secret.kms_key, Purpose.SECRETS, secret.id)
    for group in inventory.of(LogGroup):
        if group.id not in seen_groups:
            add(group.kms_key, Purpose.LOGS, group.id)
    for function in inventory.of(LambdaFunction):
        add(function.kms_key, Purpose.COMPUTE, function.id)
    for repo in inventory.of(EcrRepository):
        add(repo.kms_key, Purpose.COMPUTE, repo.id)
    for cluster in inventory.of(EksCluster):
        add(cluster.secrets_kms_key, Purpose.COMPUTE, cluster.id)
    return KeyUsage(
        {key: {p: tuple(u) for p, u in purposes.items()} for key, purposes in table.items()},
        tuple(lost),
    )

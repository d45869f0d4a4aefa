"""Encryption layer: every artefact that holds Bedrock data is under a customer-managed key.

Key properties (policies, rotation, size, purposes, decryption) are in
:mod:`airlock.controls.catalog.encryption_keys`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TypeVar

from airlock.controls.buckets import bedrock_buckets, bucket_subject
from airlock.controls.keys import judge_key
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ScanContext,
    Severity,
    Verdict,
    failed,
    not_applicable,
    unknown,
)
from airlock.controls.statements import glob_match
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import (
    Agent,
    CustomModel,
    DataSource,
    Flow,
    Guardrail,
    InvocationLogging,
    KnowledgeBase,
    Prompt,
)
from airlock.inventory.compute import LambdaFunction
from airlock.inventory.encryption import (
    LogGroup,
    OpenSearchCollection,
    OpenSearchSecurityPolicy,
    S3Bucket,
    Secret,
)
from airlock.inventory.model import Inventory, Resource, Unresolved, Val
from airlock.obligations.model import Topic

R = TypeVar("R", bound=Resource)
_AT_REST = (Topic.ENCRYPTION_AT_REST, Topic.KEY_MANAGEMENT)


def _each(
    kind: type[R], *, what: Callable[[R], str], key: Callable[[R], Val[str] | None], default: str
) -> Callable[[ScanContext], Iterator[Verdict]]:
    def check(ctx: ScanContext) -> Iterator[Verdict]:
        for item in ctx.inventory.of(kind):
            yield judge_key(item, ctx.inventory, key(item), what=what(item), default=default)

    return check


# --- AL-ENC-001 buckets ----------------------------------------------------------------


def judge_bucket_encryption(inventory: Inventory, bucket: S3Bucket, holds: str) -> Verdict:
    what = f"bucket {bucket.id} ({holds})"
    said = what[:1].upper() + what[1:]
    algorithm = bucket.sse_algorithm
    if isinstance(algorithm, Unresolved):
        return unknown(
            bucket, f"The default encryption of {what} is unresolved: {algorithm.reason}."
        )
    if algorithm is None or algorithm == "AES256":
        shown = "declares no default encryption" if algorithm is None else "uses AES256"
        return failed(
            bucket,
            f"{said} {shown}, so SSE-S3 with an S3-owned key protects it.",
            sse_algorithm=algorithm,
        )
    if algorithm.startswith("aws:kms"):
        return judge_key(
            bucket, inventory, bucket.kms_key, what=what, default="the AWS managed key aws/s3"
        )
    return unknown(
        bucket, f"{said} uses an encryption algorithm Airlock does not know ({algorithm})."
    )


def _buckets(ctx: ScanContext) -> Iterator[Verdict]:
    for use in bedrock_buckets(ctx):
        holds = ", ".join(role.value for role in use.roles)
        if use.bucket is None:
            yield unknown(
                bucket_subject(use),
                f"Bucket {use.name} ({holds}) is not in this inventory, so its encryption cannot be read.",
                used_by=list(use.users),
            )
        else:
            yield judge_bucket_encryption(ctx.inventory, use.bucket, holds)


# --- AL-ENC-002 log groups -------------------------------------------------------------


def _log_groups(ctx: ScanContext) -> Iterator[Verdict]:
    invocation = {
        g.id
        for logging in ctx.inventory.of(InvocationLogging)
        if (g := ctx.inventory.find(logging.log_group, LogGroup)) is not None
    }
    for group in ctx.inventory.of(LogGroup):
        holds = " (model invocation logs)" if group.id in invocation else ""
        yield judge_key(
            group,
            ctx.inventory,
            group.kms_key,
            what=f"log group {group.id}{holds}",
            default="CloudWatch Logs' service-owned key",
        )


# --- AL-ENC-004 vector stores ----------------------------------------------------------


def judge_collection(inventory: Inventory, collection: OpenSearchCollection) -> Verdict:
    name = collection.name if collection.name is not None else collection.aws_id
    if not isinstance(name, str):
        return unknown(
            collection,
            f"The name of collection {collection.id} is unresolved, so its encryption policy cannot be matched.",
        )
    matched: list[tuple[OpenSearchSecurityPolicy, Verdict]] = []
    unreadable: list[str] = []
    for policy in inventory.of(OpenSearchSecurityPolicy):
        if policy.policy_type != "encryption":
            continue
        doc = policy.document
        if not isinstance(doc, dict):
            unreadable.append(policy.id)
            continue
        hit = _rules_match(doc.get("Rules"), name)
        if hit is None:
            unreadable.append(policy.id)
        elif hit:
            matched.append((policy, _judge_encryption_policy(inventory, collection, policy, doc)))
    statuses = {v.status for _, v in matched}
    if len(statuses) == 1 and not unreadable:
        return matched[0][1]
    if len(statuses) > 1:
        return unknown(
            collection,
            f"Encryption policies disagree about collection {name}.",
            policies=[p.id for p, _ in matched],
        )
    if unreadable:
        return unknown(
            collection,
            f"Encryption policies {', '.join(unreadable)} cannot be read, so the key of collection {name} is unknown.",
        )
    return unknown(
        collection,
        f"No encryption policy in this inventory matches collection {name}; the one the account applies is outside it.",
    )


def _rules_match(rules: object, name: str) -> bool | None:
    if not isinstance(rules, list):
        return None
    unresolved = False
    for rule in rules:
        if not isinstance(rule, dict) or rule.get("ResourceType") != "collection":
            continue
        patterns = rule.get("Resource")
        for pattern in patterns if isinstance(patterns, list) else [patterns]:
            if isinstance(pattern, str):
                if glob_match(pattern, f"collection/{name}"):
                    return True
            else:
                unresolved = True
    return None if unresolved else False


def _judge_encryption_policy(
    inventory: Inventory,
    collection: OpenSearchCollection,
    policy: OpenSearchSecurityPolicy,
    doc: dict[str, object],
) -> Verdict:
    what = f"collection {collection.id} (encryption policy {policy.id})"
    owned = doc.get("AWSOwnedKey")
    if owned is True or str(owned).lower() == "true":
        return failed(
            collection,
            f"Collection {collection.id} (encryption policy {policy.id}) is encrypted with an AWS owned key.",
            policy=policy.id,
            AWSOwnedKey=True,
        )
    kms = doc.get("KmsARN")
    if isinstance(kms, str | Unresolved):
        return judge_key(collection, inventory, kms, what=what, default="an AWS owned key")
    return unknown(
        collection,
        f"Encryption policy {policy.id} names neither AWSOwnedKey nor a KmsARN.",
        policy=policy.id,
    )


def _vector_stores(ctx: ScanContext) -> Iterator[Verdict]:
    inventory = ctx.inventory
    judged: set[str] = set()
    for kb in inventory.of(KnowledgeBase):
        store = kb.vector_store
        kind = kb.storage_type
        collection = _find_collection(inventory, store)
        if collection is not None:
            if collection.id not in judged:
                judged.add(collection.id)
                yield judge_collection(inventory, collection)
        elif isinstance(kind, Unresolved) or isinstance(store, Unresolved):
            yield unknown(kb, f"The vector store of knowledge base {kb.id} is unresolved.")
        elif kind == "OPENSEARCH_SERVERLESS" or (isinstance(store, str) and ":aoss:" in store):
            yield unknown(
                kb,
                f"The OpenSearch Serverless collection of knowledge base {kb.id} is not in this inventory, so its key cannot be read.",
                vector_store=store,
            )
        else:
            yield unknown(
                kb,
                f"Knowledge base {kb.id} stores vectors in {kind or 'an undeclared store'}, whose encryption Airlock cannot read from the inventory.",
                storage_type=kind,
                vector_store=store,
            )
    for collection in inventory.of(OpenSearchCollection):
        if collection.id not in judged:
            yield judge_collection(inventory, collection)


def _find_collection(inventory: Inventory, ref: Val[str] | None) -> OpenSearchCollection | None:
    if not isinstance(ref, str):
        return None
    found = inventory.find(ref, OpenSearchCollection)
    if found is None and "/" in ref:
        found = inventory.find(ref.rsplit("/", 1)[-1], OpenSearchCollection)
    return found


# --- AL-ENC-011 Lambda environment ----------------------------------------------------


def _lambda_environment(ctx: ScanContext) -> Iterator[Verdict]:
    for function in ctx.inventory.of(LambdaFunction):
        if not function.environment:
            yield not_applicable(function, f"Function {function.id} has no environment variables.")
            continue
        yield judge_key(
            function,
            ctx.inventory,
            function.kms_key,
            what=f"the environment of function {function.id}",
            default="the AWS managed key aws/lambda",
        )


def _data_source_what(source: DataSource) -> str:
    return f"knowledge-base data source {source.id} (ingestion data)"


def _prompts_and_flows(ctx: ScanContext) -> Iterator[Verdict]:
    items: list[Prompt | Flow] = [*ctx.inventory.of(Prompt), *ctx.inventory.of(Flow)]
    for item in items:
        what = f"{'prompt' if isinstance(item, Prompt) else 'flow'} {item.id}"
        yield judge_key(item, ctx.inventory, item.kms_key, what=what, default="an AWS owned key")


_ctl = ControlFactory(Layer.ENCRYPTION, _AT_REST)


CONTROLS: tuple[Control, ...] = (
    _ctl(
        1,
        "Buckets holding Bedrock data use customer-managed keys",
        Severity.HIGH,
        "Invocation-log, large-payload, knowledge-base source and trail buckets hold prompts, "
        "responses, documents and the audit record; a customer-managed key keeps them inside "
        "the customer's cryptographic boundary and makes every read visible in CloudTrail.",
        "Set the bucket's default encryption to SSE-KMS (aws:kms) with a customer-managed key "
        "and enable S3 Bucket Keys.",
        _buckets,
        "CKV_AWS_145",
    ),
    _ctl(
        2,
        "Log groups use customer-managed keys",
        Severity.MEDIUM,
        "Log groups can hold prompt or response fragments (model invocation logs, application "
        "logs); without a KMS key they are readable by anyone with logs:GetLogEvents.",
        "Associate a customer-managed key with the log group (KmsKeyId / kms_key_id) and allow "
        "logs.<region>.amazonaws.com in the key policy with a kms:EncryptionContext:aws:logs:arn "
        "condition.",
        _log_groups,
        "CKV_AWS_158",
    ),
    _ctl(
        3,
        "Knowledge-base data sources encrypt ingestion with customer-managed keys",
        Severity.MEDIUM,
        "During ingestion Bedrock stores transient copies of the source documents; without a "
        "key on the data source they are protected by an AWS owned key.",
        "Set the data source's server-side encryption configuration (KmsKeyArn / kms_key_arn) to "
        "a customer-managed key.",
        _each(
            DataSource, what=_data_source_what, key=lambda s: s.kms_key, default="an AWS owned key"
        ),
    ),
    _ctl(
        4,
        "Vector stores use customer-managed keys",
        Severity.HIGH,
        "Embeddings can be inverted into the source text; the vector store deserves the same key "
        "discipline as the documents.",
        "Give the OpenSearch Serverless collection an encryption policy with AWSOwnedKey false and "
        "a KmsARN (or encrypt the RDS/Aurora store with a customer-managed key).",
        _vector_stores,
    ),
    _ctl(
        5,
        "Custom models use customer-managed keys",
        Severity.HIGH,
        "Fine-tuned and imported model weights encode the training data.",
        "Set the customization job's or imported model's CustomModelKmsKeyId / "
        "custom_model_kms_key_id to a customer-managed key.",
        _each(
            CustomModel,
            what=lambda m: f"custom model {m.id}",
            key=lambda m: m.kms_key,
            default="an AWS owned key",
        ),
    ),
    _ctl(
        6,
        "Agents use customer-managed keys",
        Severity.MEDIUM,
        "Agents store instructions, action-group schemas and session data.",
        "Set the agent's CustomerEncryptionKeyArn / customer_encryption_key_arn to a "
        "customer-managed key.",
        _each(
            Agent,
            what=lambda a: f"agent {a.id}",
            key=lambda a: a.kms_key,
            default="an AWS owned key",
        ),
        "CKV_AWS_373",
    ),
    _ctl(
        7,
        "Guardrails use customer-managed keys",
        Severity.MEDIUM,
        "Guardrail definitions carry denied topics, word lists and PII patterns that describe "
        "the organization's sensitive data.",
        "Set the guardrail's KmsKeyArn / kms_key_arn to a customer-managed key.",
        _each(
            Guardrail,
            what=lambda g: f"guardrail {g.id}",
            key=lambda g: g.kms_key,
            default="an AWS owned key",
        ),
    ),
    _ctl(
        8,
        "Prompts and flows use customer-managed keys",
        Severity.MEDIUM,
        "Prompt templates and flow definitions hold business logic and sometimes sample data.",
        "Set CustomerEncryptionKeyArn on the prompt or flow to a customer-managed key.",
        _prompts_and_flows,
    ),
    _ctl(
        9,
        "Secrets use customer-managed keys",
        Severity.HIGH,
        "Secrets hold the credentials the workload uses; the AWS managed key lets any principal "
        "with secretsmanager:GetSecretValue in the account decrypt them.",
        "Set the secret's KmsKeyId / kms_key_id to a customer-managed key whose policy names the "
        "workload roles.",
        _each(
            Secret,
            what=lambda s: f"secret {s.id}",
            key=lambda s: s.kms_key,
            default="the AWS managed key aws/secretsmanager",
        ),
        "CKV_AWS_149",
    ),
    _ctl(
        10,
        "Trails encrypt log files with customer-managed keys",
        Severity.HIGH,
        "CloudTrail log files are the access record for every model call; with SSE-KMS reading "
        "them also needs kms:Decrypt, which an examiner can see and restrict.",
        "Set the trail's KMSKeyId / kms_key_id to a customer-managed key that allows "
        "cloudtrail.amazonaws.com with an aws:SourceArn condition.",
        _each(
            Trail,
            what=lambda t: f"trail {t.id}",
            key=lambda t: t.kms_key,
            default="SSE-S3 with an S3-owned key",
        ),
        "CKV_AWS_35",
    ),
    _ctl(
        11,
        "Lambda environments use customer-managed keys",
        Severity.LOW,
        "Environment variables are returned in plaintext by lambda:GetFunctionConfiguration unless "
        "a customer-managed key restricts decryption.",
        "Set the function's KmsKeyArn / kms_key_arn to a customer-managed key, and move secrets to "
        "Secrets Manager.",
        _lambda_environment,
        "CKV_AWS_173",
    ),
)

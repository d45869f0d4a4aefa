"""Amazon Bedrock resources, and model invocation logging set through a custom resource.

CloudFormation has no resource type for model invocation logging. Templates set it with a
custom resource (any ``Custom::*`` type or ``AWS::CloudFormation::CustomResource``) whose
properties carry the ``PutModelInvocationLoggingConfiguration`` request: a ``loggingConfig``
(or ``LoggingConfig``) mapping with ``s3Config``, ``cloudWatchConfig`` and the
``*DataDeliveryEnabled`` flags. We recognise that shape whatever the type is called and
wherever it sits in the properties (CDK's ``AwsCustomResource`` nests it in a JSON string),
with either case for the first letter of each key.

Not every template passes that request through the properties: a handler may build it from
flat properties (``BucketName``, ``TextDelivery``) or from its own environment, with only a
``ServiceToken`` in the resource. A custom resource whose type or logical id names invocation
logging, or whose ServiceToken is a function of the template whose code or environment calls
``PutModelInvocationLoggingConfiguration``, is recorded as a coverage gap of scope
``InvocationLogging`` (AL-AUD-006 names it instead of claiming there is no configuration).
"""

from __future__ import annotations

import json
import re
from typing import Any

from airlock.inventory.bedrock import (
    Agent,
    DataSource,
    Flow,
    Guardrail,
    InferenceProfile,
    InvocationLogging,
    KnowledgeBase,
    Prompt,
)
from airlock.inventory.model import Unresolved, Val
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props
from airlock.sources.cloudformation.template import Declaration

_MAX_SEARCH_DEPTH = 6
_STORE_KEYS = (
    "CollectionArn",
    "ResourceArn",
    "GraphArn",
    "DomainArn",
    "IndexArn",
    "VectorBucketArn",
    "ConnectionString",
    "Endpoint",
)


def _count(ctx: MapContext, d: Declaration, p: Props, *paths: tuple[str, ...]) -> int:
    total = 0
    for path in paths:
        items = p.children(*path)
        if isinstance(items, Unresolved):
            ctx.gap(d.logical_id, f"{'.'.join(path)} is not known: {items.reason}", d.logical_id)
        else:
            total += len(items)
    return total


def _guardrail(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        Guardrail(
            **ctx.common(d, p),
            name=p.text("Name"),
            kms_key=p.rel("KmsKeyArn"),
            content_filters=_count(ctx, d, p, ("ContentPolicyConfig", "FiltersConfig")),
            sensitive_information_filters=_count(
                ctx,
                d,
                p,
                ("SensitiveInformationPolicyConfig", "PiiEntitiesConfig"),
                ("SensitiveInformationPolicyConfig", "RegexesConfig"),
            ),
            topic_filters=_count(ctx, d, p, ("TopicPolicyConfig", "TopicsConfig")),
            word_filters=_count(
                ctx,
                d,
                p,
                ("WordPolicyConfig", "WordsConfig"),
                ("WordPolicyConfig", "ManagedWordListsConfig"),
            ),
            contextual_grounding_filters=_count(
                ctx, d, p, ("ContextualGroundingPolicyConfig", "FiltersConfig")
            ),
            cross_region_profile=p.text("CrossRegionConfig", "GuardrailProfileArn"),
        )
    )


def _store(p: Props) -> tuple[Val[str] | None, Val[str] | None]:
    storage = p.get("StorageConfiguration")
    if isinstance(storage, Unresolved):
        return storage, storage
    if not isinstance(storage, dict):
        return None, None
    for key, config in storage.items():
        if key == "Type" or not isinstance(config, dict | Unresolved):
            continue
        section = p.child("StorageConfiguration", key)
        if isinstance(config, Unresolved):
            return config, None
        for store_key in _STORE_KEYS:
            if store_key in config:
                return section.rel(store_key), section.rel("CredentialsSecretArn")
        return None, section.rel("CredentialsSecretArn")
    return None, None


def _knowledge_base(d: Declaration, p: Props, ctx: MapContext) -> None:
    config = p.child("KnowledgeBaseConfiguration")
    model = config.text("VectorKnowledgeBaseConfiguration", "EmbeddingModelArn")
    if model is None:
        model = config.text("ManagedKnowledgeBaseConfiguration", "EmbeddingModelArn")
    store, secret = _store(p)
    ctx.add(
        KnowledgeBase(
            **ctx.common(d, p),
            name=p.text("Name"),
            role=p.rel("RoleArn"),
            embedding_model=model,
            storage_type=p.text("StorageConfiguration", "Type"),
            vector_store=store,
            credentials_secret=secret,
        )
    )


def _data_source(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        DataSource(
            **ctx.common(d, p),
            knowledge_base=p.rel("KnowledgeBaseId"),
            kms_key=p.rel("ServerSideEncryptionConfiguration", "KmsKeyArn"),
            bucket=p.rel("DataSourceConfiguration", "S3Configuration", "BucketArn"),
        )
    )


def _agent(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        Agent(
            **ctx.common(d, p),
            name=p.text("AgentName"),
            role=p.rel("AgentResourceRoleArn"),
            kms_key=p.rel("CustomerEncryptionKeyArn"),
            foundation_model=p.rel(
                "FoundationModel", types=("AWS::Bedrock::ApplicationInferenceProfile",)
            ),
            guardrail=p.rel("GuardrailConfiguration", "GuardrailIdentifier"),
        )
    )


def _inference_profile(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        InferenceProfile(
            **ctx.common(d, p),
            name=p.text("InferenceProfileName"),
            model_source=p.text("ModelSource", "CopyFrom"),
        )
    )


def _prompt(d: Declaration, p: Props, ctx: MapContext) -> None:
    variants = p.children("Variants")
    models: tuple[Val[str], ...]
    if isinstance(variants, Unresolved):
        models = (variants,)
    else:
        models = tuple(m for m in (v.text("ModelId") for v in variants) if m is not None)
    ctx.add(
        Prompt(
            **ctx.common(d, p),
            name=p.text("Name"),
            kms_key=p.rel("CustomerEncryptionKeyArn"),
            models=models,
        )
    )


def _flow(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        Flow(
            **ctx.common(d, p),
            name=p.text("Name"),
            kms_key=p.rel("CustomerEncryptionKeyArn"),
            role=p.rel("ExecutionRoleArn"),
        )
    )


def _camel(value: Any) -> Any:
    """Lower the first letter of every key (the API's camelCase), recursively."""
    if isinstance(value, dict):
        return {key[:1].lower() + key[1:]: _camel(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_camel(item) for item in value]
    return value


#: keys only Bedrock's LoggingConfig has (compared in lower case): other services' requests
#: carry a ``LoggingConfig`` too (Lambda's UpdateFunctionConfiguration, say)
_BEDROCK_LOGGING_KEYS = frozenset(
    {
        "s3config", "cloudwatchconfig", "textdatadeliveryenabled", "imagedatadeliveryenabled",
        "embeddingdatadeliveryenabled", "videodatadeliveryenabled",
    }
)  # fmt: skip


def find_logging_config(value: Any, depth: int = 0) -> Any:
    """Bedrock's ``loggingConfig`` anywhere in custom-resource properties, or None.

    A request addressed to another service (an AwsCustomResource ``service`` that is not
    Bedrock) is skipped, and a ``loggingConfig`` counts only with a key of Bedrock's shape
    (or when its value cannot be read, which then makes the controls UNKNOWN)."""
    if depth > _MAX_SEARCH_DEPTH:
        return None
    if isinstance(value, str):
        if "oggingConfig" not in value:
            return None
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            return None
    if isinstance(value, dict):
        service = value.get("service")
        if isinstance(service, str) and "bedrock" not in service.lower():
            return None
        for key, item in value.items():
            if key in ("loggingConfig", "LoggingConfig") and _bedrock_shaped(item):
                return item
        for item in value.values():
            found = find_logging_config(item, depth + 1)
            if found is not None:
                return found
    elif isinstance(value, list):
        for item in value:
            found = find_logging_config(item, depth + 1)
            if found is not None:
                return found
    return None


def _bedrock_shaped(config: Any) -> bool:
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except (ValueError, RecursionError):
            return True  # unreadable: judged (as unresolved) rather than ignored
    if isinstance(config, dict):
        return any(str(key).lower() in _BEDROCK_LOGGING_KEYS for key in config)
    return isinstance(config, Unresolved)


#: a type or logical id that names model invocation logging ("ModelInvocationLogging",
#: "BedrockLogging"), but not a log group or log bucket of Bedrock
_LOGGING_NAME = re.compile(r"(?:invocation|model|bedrock)[-_.]?logging(?!group|bucket)", re.I)
#: the API call as boto3, the API or the JavaScript SDK writes it
_LOGGING_CALL = re.compile(r"put[-_]?model[-_]?invocation[-_]?logging[-_]?configuration", re.I)
_FUNCTIONS = ("AWS::Lambda::Function", "AWS::Serverless::Function")
#: where a function's handler shows what it calls: inline code and environment
_HANDLER_KEYS = ("Code", "InlineCode", "Environment")
LOGGING_GAP = "InvocationLogging"


def _hidden_logging(d: Declaration, p: Props, ctx: MapContext) -> str | None:
    """Why a custom resource without Bedrock's ``loggingConfig`` may still set logging."""
    if _LOGGING_NAME.search(d.type) or _LOGGING_NAME.search(d.logical_id):
        return "its name says so"
    function = ctx.declaration(p.rel("ServiceToken", types=_FUNCTIONS))
    if function is None or function.type not in _FUNCTIONS:
        return None
    handler = {key: function.properties.get(key) for key in _HANDLER_KEYS}
    if _LOGGING_CALL.search(json.dumps(handler, default=str)):
        return f"its function {function.logical_id} calls PutModelInvocationLoggingConfiguration"
    return None


def invocation_logging(d: Declaration, p: Props, ctx: MapContext) -> bool:
    """Map a custom resource carrying a logging configuration; False when it has none (a
    custom resource that may set logging some other way is then recorded as a gap)."""
    config = find_logging_config(p.data)
    if config is None:
        why = _hidden_logging(d, p, ctx)
        if why is not None:
            ctx.gap(
                LOGGING_GAP,
                f"custom resource {d.logical_id} may configure model invocation logging "
                f"({why}); its properties do not show the configuration",
                d.logical_id,
            )
        return False
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except (ValueError, RecursionError):
            config = Unresolved("loggingConfig is not valid JSON")
    c = Props(_camel(config), p.index)
    buckets = ("AWS::S3::Bucket",)
    ctx.add(
        InvocationLogging(
            **ctx.common(d, p),
            s3_bucket=c.rel("s3Config", "bucketName", types=buckets),
            s3_key_prefix=c.text("s3Config", "keyPrefix"),
            log_group=c.rel("cloudWatchConfig", "logGroupName", types=("AWS::Logs::LogGroup",)),
            cloudwatch_role=c.rel("cloudWatchConfig", "roleArn"),
            large_data_bucket=c.rel(
                "cloudWatchConfig", "largeDataDeliveryS3Config", "bucketName", types=buckets
            ),
            text_delivery=c.flag("textDataDeliveryEnabled"),
            image_delivery=c.flag("imageDataDeliveryEnabled"),
            embedding_delivery=c.flag("embeddingDataDeliveryEnabled"),
            video_delivery=c.flag("videoDataDeliveryEnabled"),
        )
    )
    return True


MAPPERS: dict[str, Mapper] = {
    "AWS::Bedrock::Guardrail": _guardrail,
    "AWS::Bedrock::KnowledgeBase": _knowledge_base,
    "AWS::Bedrock::DataSource": _data_source,
    "AWS::Bedrock::Agent": _agent,
    "AWS::Bedrock::ApplicationInferenceProfile": _inference_profile,
    "AWS::Bedrock::Prompt": _prompt,
    "AWS::Bedrock::Flow": _flow,
}

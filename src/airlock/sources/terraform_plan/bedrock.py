"""Amazon Bedrock: invocation logging, guardrails, knowledge bases, agents, custom models.

``aws_bedrock_model_invocation_logging_configuration``: the four ``*_data_delivery_enabled``
flags default to true in the provider, so an omitted flag is ``True``. Knowledge bases have no
KMS argument; their data sources and vector stores carry the encryption.
"""

from __future__ import annotations

from airlock.inventory.bedrock import (
    Agent,
    CustomModel,
    DataSource,
    Flow,
    Guardrail,
    InferenceProfile,
    InvocationLogging,
    KnowledgeBase,
    Prompt,
)
from airlock.inventory.model import Resource, Val
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView

#: vector store block -> (argument naming the store, argument naming a credentials secret)
_STORES = (
    ("opensearch_serverless_configuration", "collection_arn", None),
    ("opensearch_managed_cluster_configuration", "domain_arn", None),
    ("rds_configuration", "resource_arn", "credentials_secret_arn"),
    ("pinecone_configuration", "connection_string", "credentials_secret_arn"),
    ("redis_enterprise_cloud_configuration", "endpoint", "credentials_secret_arn"),
    ("mongo_db_atlas_configuration", "endpoint", "credentials_secret_arn"),
    ("neptune_analytics_configuration", "graph_arn", None),
    ("s3_vectors_configuration", "index_arn", None),
)


def invocation_logging(v: ResourceView, out: Assembly) -> Resource:
    config = v.at("logging_config", 0)
    s3 = config.at("s3_config", 0)
    cloudwatch = config.at("cloudwatch_config", 0)
    return InvocationLogging(
        **v.base(),
        s3_bucket=s3.ref("bucket_name", family=F.BUCKET),
        s3_key_prefix=s3.text("key_prefix"),
        log_group=cloudwatch.ref("log_group_name", family=F.LOG_GROUP),
        cloudwatch_role=cloudwatch.ref("role_arn", family=F.ROLE),
        large_data_bucket=cloudwatch.ref(
            "large_data_delivery_s3_config", 0, "bucket_name", family=F.BUCKET
        ),
        text_delivery=config.flag("text_data_delivery_enabled", default=True),
        image_delivery=config.flag("image_data_delivery_enabled", default=True),
        embedding_delivery=config.flag("embedding_data_delivery_enabled", default=True),
        video_delivery=config.flag("video_data_delivery_enabled", default=True),
    )


def _count(v: ResourceView, *path: str | int) -> int:
    found = v.known(*path)
    return len(found) if isinstance(found, list) else 0


def guardrail(v: ResourceView, out: Assembly) -> Resource:
    blocks = ("content_policy_config", "sensitive_information_policy_config", "topic_policy_config",
              "word_policy_config", "contextual_grounding_policy_config")  # fmt: skip
    for block in blocks:
        if v.unresolved_collection(block) is not None:
            out.gap(v.type, f"the {block} of {v.address} is known only after apply", v.address)
    sensitive = ("sensitive_information_policy_config", 0)
    words = ("word_policy_config", 0)
    return Guardrail(
        **v.base(),
        name=v.text("name"),
        kms_key=v.ref("kms_key_arn", family=F.KMS_KEY),
        content_filters=_count(v, "content_policy_config", 0, "filters_config"),
        sensitive_information_filters=_count(v, *sensitive, "pii_entities_config")
        + _count(v, *sensitive, "regexes_config"),
        topic_filters=_count(v, "topic_policy_config", 0, "topics_config"),
        word_filters=_count(v, *words, "words_config")
        + _count(v, *words, "managed_word_lists_config"),
        contextual_grounding_filters=_count(
            v, "contextual_grounding_policy_config", 0, "filters_config"
        ),
        cross_region_profile=v.text("cross_region_config", 0, "guardrail_profile_identifier"),
    )


def knowledge_base(v: ResourceView, out: Assembly) -> Resource:
    storage = v.at("storage_configuration", 0)
    store: Val[str] | None = None
    secret: Val[str] | None = None
    for block, store_attr, secret_attr in _STORES:
        if storage.blocks(block):
            config = storage.at(block, 0)
            store = config.ref(
                store_attr, family=F.COLLECTION if block.startswith("opensearch_s") else F.ANY
            )
            if secret_attr is not None:
                secret = config.ref(secret_attr, family=F.SECRET)
            break
    vector = ("knowledge_base_configuration", 0, "vector_knowledge_base_configuration", 0)
    return KnowledgeBase(
        **v.base(),
        name=v.text("name"),
        role=v.ref("role_arn", family=F.ROLE),
        embedding_model=v.text(*vector, "embedding_model_arn"),
        storage_type=storage.text("type"),
        vector_store=store,
        credentials_secret=secret,
    )


def data_source(v: ResourceView, out: Assembly) -> Resource:
    return DataSource(
        **v.base(),
        knowledge_base=v.ref("knowledge_base_id", family=F.KNOWLEDGE_BASE),
        kms_key=v.ref("server_side_encryption_configuration", 0, "kms_key_arn", family=F.KMS_KEY),
        bucket=v.ref(
            "data_source_configuration", 0, "s3_configuration", 0, "bucket_arn", family=F.BUCKET
        ),
    )


def agent(v: ResourceView, out: Assembly) -> Resource:
    return Agent(
        **v.base(),
        name=v.text("agent_name"),
        role=v.ref("agent_resource_role_arn", family=F.ROLE),
        kms_key=v.ref("customer_encryption_key_arn", family=F.KMS_KEY),
        foundation_model=v.text("foundation_model"),
        guardrail=v.ref("guardrail_configuration", 0, "guardrail_identifier", family=F.GUARDRAIL),
    )


def custom_model(v: ResourceView, out: Assembly) -> Resource:
    return CustomModel(
        **v.base(),
        name=v.text("custom_model_name"),
        kms_key=v.ref("custom_model_kms_key_id", family=F.KMS_KEY),
        role=v.ref("role_arn", family=F.ROLE),
        base_model=v.text("base_model_identifier"),
    )


def inference_profile(v: ResourceView, out: Assembly) -> Resource:
    return InferenceProfile(
        **v.base(), name=v.text("name"), model_source=v.text("model_source", 0, "copy_from")
    )


def prompt(v: ResourceView, out: Assembly) -> Resource:
    models = tuple(m for b in v.blocks("variant") if (m := b.text("model_id")) is not None)
    return Prompt(
        **v.base(),
        name=v.text("name"),
        kms_key=v.ref("customer_encryption_key_arn", family=F.KMS_KEY),
        models=models,
    )


def flow(v: ResourceView, out: Assembly) -> Resource:
    return Flow(
        **v.base(),
        name=v.text("name"),
        kms_key=v.ref("customer_encryption_key_arn", family=F.KMS_KEY),
        role=v.ref("execution_role_arn", family=F.ROLE),
    )


BUILDERS: Builders = {
    "aws_bedrock_model_invocation_logging_configuration": invocation_logging,
    "aws_bedrock_guardrail": guardrail,
    "aws_bedrockagent_knowledge_base": knowledge_base,
    "aws_bedrockagent_data_source": data_source,
    "aws_bedrockagent_agent": agent,
    "aws_bedrock_custom_model": custom_model,
    "aws_bedrock_inference_profile": inference_profile,
    "aws_bedrockagent_prompt": prompt,
    "aws_bedrockagent_flow": flow,
}

JOINERS: Joiners = {}

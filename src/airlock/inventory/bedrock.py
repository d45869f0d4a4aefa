"""Amazon Bedrock resources: invocation logging, guardrails, knowledge bases, agents, models."""

from __future__ import annotations

from airlock.inventory.model import Resource, Val


class InvocationLogging(Resource, frozen=True, kw_only=True):
    """The account/region model invocation logging configuration.

    In CloudFormation it is a custom resource carrying the PutModelInvocationLoggingConfiguration
    request shape; in Terraform ``aws_bedrock_model_invocation_logging_configuration``.
    """

    s3_bucket: Val[str] | None = None
    s3_key_prefix: Val[str] | None = None
    log_group: Val[str] | None = None
    cloudwatch_role: Val[str] | None = None
    large_data_bucket: Val[str] | None = None
    text_delivery: Val[bool] | None = None  # None: not set (Terraform default true; API false)
    image_delivery: Val[bool] | None = None
    embedding_delivery: Val[bool] | None = None
    video_delivery: Val[bool] | None = None


class Guardrail(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None
    content_filters: int = 0
    sensitive_information_filters: int = 0
    topic_filters: int = 0
    word_filters: int = 0
    contextual_grounding_filters: int = 0
    cross_region_profile: Val[str] | None = None


class KnowledgeBase(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    role: Val[str] | None = None
    embedding_model: Val[str] | None = None
    storage_type: Val[str] | None = None  # OPENSEARCH_SERVERLESS | RDS | PINECONE | S3_VECTORS...
    #: ARN or id of the vector store (collection, cluster, index bucket)
    vector_store: Val[str] | None = None
    #: credentials secret for third-party stores (Pinecone, Redis, MongoDB)
    credentials_secret: Val[str] | None = None


class DataSource(Resource, frozen=True, kw_only=True):
    knowledge_base: Val[str] | None = None
    kms_key: Val[str] | None = None
    bucket: Val[str] | None = None  # S3 data source bucket ARN/name


class Agent(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    role: Val[str] | None = None
    kms_key: Val[str] | None = None
    foundation_model: Val[str] | None = None
    guardrail: Val[str] | None = None


class CustomModel(Resource, frozen=True, kw_only=True):
    """A custom model or a model customization job (fine-tuning output)."""

    name: Val[str] | None = None
    kms_key: Val[str] | None = None
    role: Val[str] | None = None
    base_model: Val[str] | None = None


class InferenceProfile(Resource, frozen=True, kw_only=True):
    """An application inference profile; ``model_source`` is the model or system profile copied."""

    name: Val[str] | None = None
    model_source: Val[str] | None = None


class Prompt(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None
    models: tuple[Val[str], ...] = ()


class Flow(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None
    role: Val[str] | None = None

"""Keys and the stores they protect: KMS, S3, CloudWatch Logs, Secrets Manager, OpenSearch."""

from __future__ import annotations

from dataclasses import dataclass

from airlock.inventory.model import PolicyValue, Resource, Val


@dataclass(frozen=True, kw_only=True)
class KmsKey(Resource):
    #: None: no policy set -- the default key policy (account root gets kms:*) applies
    policy: PolicyValue = None
    rotation_enabled: Val[bool] | None = None  # None: not set (AWS default false)
    rotation_period_days: Val[int] | None = None
    multi_region: Val[bool] | None = None
    key_usage: Val[str] | None = None
    key_spec: Val[str] | None = None
    enabled: Val[bool] | None = None
    #: CUSTOMER (customer managed) or AWS (AWS managed, alias/aws/...)
    manager: str = "CUSTOMER"
    description: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class KmsReplicaKey(Resource):
    primary_key: Val[str]
    policy: PolicyValue = None


@dataclass(frozen=True, kw_only=True)
class KmsAlias(Resource):
    name: Val[str]
    target_key: Val[str]


@dataclass(frozen=True, kw_only=True)
class KmsGrant(Resource):
    key: Val[str]
    grantee_principal: Val[str]
    operations: tuple[Val[str], ...] = ()
    retiring_principal: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class S3Bucket(Resource):
    bucket_name: Val[str] | None = None
    #: "aws:kms", "aws:kms:dsse", "AES256"; None: not declared (S3 default SSE-S3 applies)
    sse_algorithm: Val[str] | None = None
    kms_key: Val[str] | None = None  # None with aws:kms: the AWS managed key aws/s3
    object_lock_enabled: Val[bool] | None = None
    object_lock_mode: Val[str] | None = None  # COMPLIANCE | GOVERNANCE
    object_lock_days: Val[int] | None = None  # retention in days (years converted)
    versioning: Val[str] | None = None  # Enabled | Suspended
    policy: PolicyValue = None
    block_public_policy: Val[bool] | None = None
    restrict_public_buckets: Val[bool] | None = None
    lifecycle_expiration_days: Val[int] | None = None


@dataclass(frozen=True, kw_only=True)
class LogGroup(Resource):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None
    retention_days: Val[int] | None = None


@dataclass(frozen=True, kw_only=True)
class Secret(Resource):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None  # None: aws/secretsmanager (AWS managed)


@dataclass(frozen=True, kw_only=True)
class OpenSearchCollection(Resource):
    name: Val[str] | None = None
    collection_type: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class OpenSearchSecurityPolicy(Resource):
    """An OpenSearch Serverless encryption or network policy; ``document`` is its JSON."""

    name: Val[str] | None = None
    policy_type: Val[str]  # encryption | network
    document: PolicyValue = None

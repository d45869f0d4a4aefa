"""Keys and the stores they protect: KMS, S3, CloudWatch Logs, Secrets Manager, OpenSearch."""

from __future__ import annotations

from msgspec import Struct

from airlock.inventory.model import PolicyValue, Resource, Unresolved, Val


class KmsKey(Resource, frozen=True, kw_only=True):
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


class KmsReplicaKey(Resource, frozen=True, kw_only=True):
    primary_key: Val[str]
    policy: PolicyValue = None


class KmsAlias(Resource, frozen=True, kw_only=True):
    name: Val[str]
    target_key: Val[str]


class KmsGrant(Resource, frozen=True, kw_only=True):
    key: Val[str]
    grantee_principal: Val[str]
    operations: tuple[Val[str], ...] = ()
    retiring_principal: Val[str] | None = None


class ReplicationRule(Struct, frozen=True, kw_only=True):
    """One S3 replication rule: which new objects of the bucket are copied, and where to.

    A rule with neither a prefix (or an empty one) nor a tag filter copies every new object.
    """

    #: the destination bucket: an inventory id, else the ARN as written
    destination_bucket: Val[str]
    #: the destination bucket's owner as the rule declares it (Account / account); None: not set
    destination_account: Val[str] | None = None
    #: True: replicas change owner to the destination account (AccessControlTranslation
    #: Owner=Destination). None: not set -- replicas keep the source owner, unless the
    #: destination bucket enforces bucket-owner ownership (which the inventory does not show)
    owner_override: Val[bool] | None = None
    enabled: Val[bool]  # Status Enabled
    #: the key prefix the rule is limited to; None or "": every key
    prefix: Val[str] | None = None
    #: the object tags the rule is limited to, as "key=value"
    tag_filter: tuple[Val[str], ...] = ()
    #: DeleteMarkerReplication Enabled; None: not set (delete markers are not replicated)
    delete_markers: Val[bool] | None = None
    #: SourceSelectionCriteria SseKmsEncryptedObjects Enabled: the rule also copies objects
    #: encrypted with SSE-KMS or DSSE-KMS, which S3 replicates only on this opt-in (SSE-S3
    #: and unencrypted objects replicate without it). None: not set
    sse_kms_objects: Val[bool] | None = None
    #: the KMS key S3 encrypts those replicas with (EncryptionConfiguration ReplicaKmsKeyID),
    #: which the opt-in needs: an inventory id, else the key as written. None: not set
    replica_kms_key: Val[str] | None = None
    #: the IAM role S3 assumes to replicate (the configuration's, repeated on each rule)
    role: Val[str] | None = None
    rule_id: Val[str] | None = None
    priority: Val[int] | None = None


class S3Bucket(Resource, frozen=True, kw_only=True):
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
    #: None: no replication configured; Unresolved: configured, but the rules are unknown
    replication: tuple[ReplicationRule, ...] | Unresolved | None = None


class LogGroup(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None
    retention_days: Val[int] | None = None


class Secret(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None  # None: aws/secretsmanager (AWS managed)


class OpenSearchCollection(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    collection_type: Val[str] | None = None


class OpenSearchSecurityPolicy(Resource, frozen=True, kw_only=True):
    """An OpenSearch Serverless encryption or network policy; ``document`` is its JSON."""

    name: Val[str] | None = None
    policy_type: Val[str]  # encryption | network
    document: PolicyValue = None

"""AL-ENC-001..011: artefacts that hold Bedrock data use customer-managed keys."""

from __future__ import annotations

import pytest
from control_fixtures import OTHER, U, inv, live, status, verdict

from airlock.controls.model import Status
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
    KmsAlias,
    KmsKey,
    LogGroup,
    OpenSearchCollection,
    OpenSearchSecurityPolicy,
    S3Bucket,
    Secret,
)

KEY = KmsKey(id="DataKey", native_type="AWS::KMS::Key")
LOGGING = InvocationLogging(id="Logging", native_type="Custom::Logging", s3_bucket="LogBucket")


def bucket(**kw: object) -> S3Bucket:
    return S3Bucket(id="LogBucket", native_type="AWS::S3::Bucket", **kw)  # type: ignore[arg-type]


# --- AL-ENC-001 ----------------------------------------------------------------------


def test_invocation_log_bucket_with_customer_key_passes() -> None:
    found = verdict(
        "AL-ENC-001",
        inv(LOGGING, KEY, bucket(sse_algorithm="aws:kms", kms_key="DataKey")),
        "LogBucket",
    )
    assert found.status is Status.PASS
    assert found.evidence["key"]["key"] == "DataKey"
    assert "model invocation logs" in found.reason


@pytest.mark.parametrize(
    ("settings", "words"),
    [
        ({}, "declares no default encryption"),
        ({"sse_algorithm": "AES256"}, "uses AES256"),
        ({"sse_algorithm": "aws:kms"}, "aws/s3"),
        ({"sse_algorithm": "aws:kms", "kms_key": "alias/aws/s3"}, "AWS managed"),
    ],
)
def test_invocation_log_bucket_without_customer_key_fails(
    settings: dict[str, object], words: str
) -> None:
    found = verdict("AL-ENC-001", inv(LOGGING, bucket(**settings)), "LogBucket")
    assert found.status is Status.FAIL
    assert words in found.reason


def test_bucket_outside_the_inventory_is_unknown() -> None:
    logging = InvocationLogging(
        id="Logging", native_type="Custom::Logging", s3_bucket="arn:aws:s3:::central-logs"
    )
    found = verdict("AL-ENC-001", inv(logging), "arn:aws:s3:::central-logs")
    assert found.status is Status.UNKNOWN
    assert found.subject.type == "s3-bucket"


def test_unresolved_key_is_unknown() -> None:
    assert (
        status("AL-ENC-001", inv(LOGGING, bucket(sse_algorithm="aws:kms", kms_key=U)), "LogBucket")
        is Status.UNKNOWN
    )


def test_trail_and_knowledge_base_buckets_are_judged_too() -> None:
    trail = Trail(id="Trail", native_type="AWS::CloudTrail::Trail", s3_bucket="TrailBucket")
    source = DataSource(
        id="Docs", native_type="AWS::Bedrock::DataSource", bucket="arn:aws:s3:::docs-bucket"
    )
    docs = S3Bucket(
        id="DocsBucket",
        native_type="AWS::S3::Bucket",
        bucket_name="docs-bucket",
        sse_algorithm="AES256",
    )
    trail_bucket = S3Bucket(
        id="TrailBucket",
        native_type="AWS::S3::Bucket",
        sse_algorithm="aws:kms",
        kms_key=f"arn:aws:kms:eu-central-1:{OTHER}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    inventory = inv(trail, source, docs, trail_bucket)
    assert status("AL-ENC-001", inventory, "DocsBucket") is Status.FAIL
    passed = verdict("AL-ENC-001", inventory, "TrailBucket")
    assert passed.status is Status.PASS
    assert "across accounts" in passed.reason


# --- AL-ENC-002 ----------------------------------------------------------------------


def test_log_groups() -> None:
    alias = KmsAlias(
        id="Alias", native_type="AWS::KMS::Alias", name="alias/logs", target_key="DataKey"
    )
    good = LogGroup(id="Good", native_type="AWS::Logs::LogGroup", kms_key="alias/logs")
    bad = LogGroup(id="Bad", native_type="AWS::Logs::LogGroup")
    lost = LogGroup(id="Lost", native_type="AWS::Logs::LogGroup", kms_key=U)
    logging = InvocationLogging(id="Logging", native_type="Custom::Logging", log_group="Bad")
    inventory = inv(KEY, alias, good, bad, lost, logging)
    assert status("AL-ENC-002", inventory, "Good") is Status.PASS
    failed = verdict("AL-ENC-002", inventory, "Bad")
    assert failed.status is Status.FAIL
    assert "model invocation logs" in failed.reason
    assert status("AL-ENC-002", inventory, "Lost") is Status.UNKNOWN


# --- AL-ENC-003 ----------------------------------------------------------------------


def test_data_sources() -> None:
    inventory = inv(
        KEY,
        DataSource(id="A", native_type="AWS::Bedrock::DataSource", kms_key="DataKey"),
        DataSource(id="B", native_type="AWS::Bedrock::DataSource"),
        DataSource(id="C", native_type="AWS::Bedrock::DataSource", kms_key=U),
    )
    assert [status("AL-ENC-003", inventory, i) for i in "ABC"] == [
        Status.PASS,
        Status.FAIL,
        Status.UNKNOWN,
    ]


# --- AL-ENC-004 ----------------------------------------------------------------------


def _encryption_policy(doc: object, name: str = "kb-enc") -> OpenSearchSecurityPolicy:
    return OpenSearchSecurityPolicy(
        id=name,
        native_type="AWS::OpenSearchServerless::SecurityPolicy",
        policy_type="encryption",
        document=doc,  # type: ignore[arg-type]
    )


COLLECTION = OpenSearchCollection(
    id="Vectors", native_type="AWS::OpenSearchServerless::Collection", name="kb-vectors"
)
KB = KnowledgeBase(
    id="Kb",
    native_type="AWS::Bedrock::KnowledgeBase",
    storage_type="OPENSEARCH_SERVERLESS",
    vector_store="Vectors",
)


def test_collection_with_kms_policy_passes() -> None:
    policy = _encryption_policy(
        {
            "Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-*"]}],
            "AWSOwnedKey": False,
            "KmsARN": "DataKey",
        }
    )
    assert status("AL-ENC-004", inv(KEY, COLLECTION, KB, policy), "Vectors") is Status.PASS


def test_collection_with_aws_owned_key_fails() -> None:
    policy = _encryption_policy(
        {
            "Rules": [{"ResourceType": "collection", "Resource": ["collection/kb-vectors"]}],
            "AWSOwnedKey": True,
        }
    )
    found = verdict("AL-ENC-004", inv(COLLECTION, KB, policy), "Vectors")
    assert found.status is Status.FAIL
    assert "AWS owned" in found.reason


def test_collection_without_matching_policy_is_unknown() -> None:
    policy = _encryption_policy(
        {
            "Rules": [{"ResourceType": "collection", "Resource": ["collection/other"]}],
            "AWSOwnedKey": True,
        }
    )
    assert status("AL-ENC-004", inv(COLLECTION, KB, policy), "Vectors") is Status.UNKNOWN


def test_knowledge_base_with_third_party_store_is_unknown() -> None:
    kb = KnowledgeBase(
        id="Kb",
        native_type="AWS::Bedrock::KnowledgeBase",
        storage_type="PINECONE",
        vector_store="https://x.pinecone.io",
    )
    found = verdict("AL-ENC-004", inv(kb), "Kb")
    assert found.status is Status.UNKNOWN
    assert "PINECONE" in found.reason


# --- AL-ENC-005..011 -----------------------------------------------------------------

CASES = [
    (
        "AL-ENC-005",
        lambda k: CustomModel(id="X", native_type="AWS::Bedrock::CustomModel", kms_key=k),
    ),
    ("AL-ENC-006", lambda k: Agent(id="X", native_type="AWS::Bedrock::Agent", kms_key=k)),
    ("AL-ENC-007", lambda k: Guardrail(id="X", native_type="AWS::Bedrock::Guardrail", kms_key=k)),
    ("AL-ENC-008", lambda k: Prompt(id="X", native_type="AWS::Bedrock::Prompt", kms_key=k)),
    ("AL-ENC-008", lambda k: Flow(id="X", native_type="AWS::Bedrock::Flow", kms_key=k)),
    ("AL-ENC-009", lambda k: Secret(id="X", native_type="AWS::SecretsManager::Secret", kms_key=k)),
    ("AL-ENC-010", lambda k: Trail(id="X", native_type="AWS::CloudTrail::Trail", kms_key=k)),
    (
        "AL-ENC-011",
        lambda k: LambdaFunction(
            id="X", native_type="AWS::Lambda::Function", kms_key=k, environment={"TABLE": "t"}
        ),
    ),
]


@pytest.mark.parametrize(("control", "make"), CASES)
def test_customer_key_passes(control: str, make) -> None:  # type: ignore[no-untyped-def]
    assert status(control, inv(KEY, make("DataKey")), "X") is Status.PASS


@pytest.mark.parametrize(("control", "make"), CASES)
def test_no_key_fails(control: str, make) -> None:  # type: ignore[no-untyped-def]
    found = verdict(control, inv(make(None)), "X")
    assert found.status is Status.FAIL
    assert "sets no KMS key" in found.reason


@pytest.mark.parametrize(("control", "make"), CASES)
def test_aws_managed_alias_fails(control: str, make) -> None:  # type: ignore[no-untyped-def]
    assert status(control, inv(make("alias/aws/secretsmanager")), "X") is Status.FAIL


@pytest.mark.parametrize(("control", "make"), CASES)
def test_unresolved_key_is_unknown_everywhere(control: str, make) -> None:  # type: ignore[no-untyped-def]
    assert status(control, inv(make(U)), "X") is Status.UNKNOWN


def test_lambda_without_environment_is_not_applicable() -> None:
    function = LambdaFunction(id="X", native_type="AWS::Lambda::Function")
    assert status("AL-ENC-011", inv(function), "X") is Status.NOT_APPLICABLE


def test_aws_managed_key_listed_by_a_live_scan_fails() -> None:
    managed = KmsKey(
        id="arn:aws:kms:eu-central-1:111122223333:key/aaaa",
        native_type="AWS::KMS::Key",
        manager="AWS",
    )
    secret = Secret(id="X", native_type="AWS::SecretsManager::Secret", kms_key=managed.id)
    assert status("AL-ENC-009", live(managed, secret), "X") is Status.FAIL

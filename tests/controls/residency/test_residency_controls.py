"""AL-RES-001..003: resources, keys and inference routes inside the allowed regions."""

from __future__ import annotations

import pytest
from control_fixtures import ACCOUNT, U, allow, doc, inv, live, run, status, verdict

from airlock.analysis.residency import GEOGRAPHIES, destinations_of, profile_prefix
from airlock.controls.model import Settings, Status
from airlock.inventory.bedrock import Agent, Guardrail, InferenceProfile, KnowledgeBase
from airlock.inventory.encryption import KmsKey, KmsReplicaKey, S3Bucket
from airlock.inventory.identity import ManagedPolicy, Role

EU = Settings(
    allowed_regions=frozenset(
        {"eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1", "eu-south-1", "eu-south-2"}
    )
)
NG = Settings(allowed_regions=frozenset({"af-south-1", "eu-central-1"}))


def test_no_constraint_is_not_applicable() -> None:
    for control in ("AL-RES-001", "AL-RES-002", "AL-RES-003"):
        assert status(control, inv()) is Status.NOT_APPLICABLE


# --- AL-RES-001 ----------------------------------------------------------------------


def test_resources_in_allowed_regions() -> None:
    inside = S3Bucket(id="B", native_type="AWS::S3::Bucket")
    outside = S3Bucket(id="Us", native_type="AWS::S3::Bucket", region="us-east-1")
    lost = S3Bucket(id="Lost", native_type="AWS::S3::Bucket", region=U)
    role = Role(id="R", native_type="AWS::IAM::Role")
    inventory = inv(inside, outside, role)
    assert status("AL-RES-001", inventory, settings=EU) is Status.PASS
    assert status("AL-RES-001", inventory, "Us", EU) is Status.FAIL
    assert "R" not in {v.subject.id for v in run("AL-RES-001", inventory, EU)}
    found = verdict("AL-RES-001", inv(inside, lost), settings=EU)
    assert found.status is Status.UNKNOWN and found.evidence["unknown_region"] == ["Lost"]


def test_deployment_region_outside_or_unknown() -> None:
    bucket = S3Bucket(id="B", native_type="AWS::S3::Bucket")
    assert status("AL-RES-001", inv(bucket, region="us-east-1"), settings=EU) is Status.FAIL
    found = verdict("AL-RES-001", inv(bucket, region=U), settings=EU)
    assert found.status is Status.UNKNOWN and U.reason in found.reason


# --- AL-RES-002 ----------------------------------------------------------------------


def test_keys_and_replicas() -> None:
    key = KmsKey(id="K", native_type="AWS::KMS::Key")
    replica = KmsReplicaKey(
        id="R", native_type="AWS::KMS::ReplicaKey", primary_key="K", region="eu-central-2"
    )
    multi = KmsKey(id="M", native_type="AWS::KMS::Key", multi_region=True)
    inventory = inv(key, replica, multi)
    assert status("AL-RES-002", inventory, "K", EU) is Status.PASS
    assert status("AL-RES-002", inventory, "R", EU) is Status.FAIL
    assert status("AL-RES-002", inventory, "M", EU) is Status.UNKNOWN
    assert status("AL-RES-002", live(multi), "M", EU) is Status.PASS
    assert status("AL-RES-002", inv(key, region=None), "K", EU) is Status.UNKNOWN


# --- AL-RES-003 ----------------------------------------------------------------------


def _policy(*resources: str) -> ManagedPolicy:
    return ManagedPolicy(
        id="P",
        native_type="AWS::IAM::ManagedPolicy",
        document=doc(allow("bedrock:InvokeModel", list(resources))),
    )


@pytest.mark.parametrize(
    ("resource", "settings", "expected"),
    [
        (
            "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            EU,
            Status.PASS,
        ),
        (
            "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            EU,
            Status.FAIL,
        ),
        (
            f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
            EU,
            Status.UNKNOWN,
        ),
        (
            f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/global.anthropic.claude-sonnet-4-5-20250929-v1:0",
            EU,
            Status.FAIL,
        ),
        (
            "arn:aws:bedrock:::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            EU,
            Status.FAIL,
        ),
        (
            "arn:aws:bedrock:*::foundation-model/anthropic.claude-sonnet-4-5-20250929-v1:0",
            EU,
            Status.UNKNOWN,
        ),
        (
            f"arn:aws:bedrock:ca-central-1:{ACCOUNT}:inference-profile/ca.amazon.nova-lite-v1:0",
            Settings(allowed_regions=frozenset({"ca-central-1", "ca-west-1"})),
            Status.UNKNOWN,
        ),
        (
            f"arn:aws:bedrock:ap-southeast-1:{ACCOUNT}:inference-profile/apac.anthropic.claude-3-haiku-20240307-v1:0",
            Settings(
                allowed_regions=frozenset(GEOGRAPHIES["apac"].destinations or ()) - {"me-central-1"}
            ),
            Status.UNKNOWN,
        ),
    ],
)
def test_policy_model_references(resource: str, settings: Settings, expected: Status) -> None:
    assert status("AL-RES-003", inv(_policy(resource)), "P", settings) is expected


def test_eu_profile_passes_when_zurich_and_london_are_allowed() -> None:
    wide = Settings(allowed_regions=frozenset(GEOGRAPHIES["eu"].destinations or ()))
    profile = f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert status("AL-RES-003", inv(_policy(profile)), "P", wide) is Status.PASS


def test_geography_fallback_outside_the_allowed_regions_is_unknown() -> None:
    # the geography may route to Zurich and London, but this model's own profile may not
    profile = f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0"
    found = verdict("AL-RES-003", inv(_policy(profile)), "P", EU)
    assert found.status is Status.UNKNOWN
    assert "eu-central-2, eu-west-2 per its geography" in found.reason
    assert "per-model destinations are not known to Airlock" in found.reason


@pytest.mark.parametrize(
    ("source", "allowed", "expected"),
    [
        # a cross-Region profile spreads over several regions: one allowed is not enough
        ("eu-central-1", {"eu-central-1", "af-south-1"}, Status.FAIL),
        # data at rest stays in a disallowed source region
        ("eu-west-2", {"eu-central-1", "eu-west-1"}, Status.FAIL),
        ("eu-central-1", {"eu-central-1", "eu-west-1"}, Status.UNKNOWN),
    ],
)
def test_geography_fallback_fails_only_when_provable(
    source: str, allowed: set[str], expected: Status
) -> None:
    profile = f"arn:aws:bedrock:{source}:{ACCOUNT}:inference-profile/eu.amazon.nova-lite-v1:0"
    settings = Settings(allowed_regions=frozenset(allowed))
    assert status("AL-RES-003", inv(_policy(profile)), "P", settings) is expected


@pytest.mark.parametrize(
    ("source", "expected", "words"),
    [
        ("us-west-2", Status.PASS, "destinations are all allowed"),
        ("us-east-2", Status.FAIL, "may process in us-east-2"),
    ],
)
def test_per_model_destinations_decide(source: str, expected: Status, words: str) -> None:
    # the user guide's example: from us-west-2 this profile routes to us-east-1 and us-west-2
    profile = f"arn:aws:bedrock:{source}:{ACCOUNT}:inference-profile/us.anthropic.claude-3-haiku-20240307-v1:0"
    settings = Settings(allowed_regions=frozenset({"us-east-1", "us-west-2"}))
    found = verdict("AL-RES-003", inv(_policy(profile)), "P", settings)
    assert found.status is expected and words in found.evidence["routes"][0]["detail"]


def test_a_model_without_its_own_destinations_falls_back_to_the_geography() -> None:
    profile = f"arn:aws:bedrock:us-west-2:{ACCOUNT}:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0"
    settings = Settings(allowed_regions=frozenset({"us-east-1", "us-west-2"}))
    assert status("AL-RES-003", inv(_policy(profile)), "P", settings) is Status.UNKNOWN


def test_agents_use_their_region_for_bare_model_ids() -> None:
    agent = Agent(
        id="A",
        native_type="AWS::Bedrock::Agent",
        foundation_model="anthropic.claude-3-haiku-20240307-v1:0",
    )
    assert status("AL-RES-003", inv(agent), "A", NG) is Status.PASS
    assert status("AL-RES-003", inv(agent, region=None), "A", NG) is Status.UNKNOWN
    eu_agent = Agent(
        id="E",
        native_type="AWS::Bedrock::Agent",
        foundation_model="eu.anthropic.claude-3-haiku-20240307-v1:0",
    )
    assert status("AL-RES-003", inv(eu_agent), "E", NG) is Status.FAIL
    lost = KnowledgeBase(id="K", native_type="AWS::Bedrock::KnowledgeBase", embedding_model=U)
    assert status("AL-RES-003", inv(lost), "K", NG) is Status.UNKNOWN


def test_application_profiles_follow_their_source() -> None:
    app_arn = f"arn:aws:bedrock:eu-central-1:{ACCOUNT}:application-inference-profile/abc123"
    profile = InferenceProfile(
        id="Profile",
        native_type="AWS::Bedrock::ApplicationInferenceProfile",
        arn=app_arn,
        model_source="arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-pro-v1:0",
    )
    assert status("AL-RES-003", inv(profile, _policy(app_arn)), "P", EU) is Status.PASS
    assert status("AL-RES-003", inv(_policy(app_arn)), "P", EU) is Status.UNKNOWN


def test_guardrail_profiles_and_unspecified_region_grants() -> None:
    guardrail = Guardrail(
        id="G", native_type="AWS::Bedrock::Guardrail", cross_region_profile="us.guardrail.v1:0"
    )
    assert status("AL-RES-003", inv(guardrail), "G", EU) is Status.FAIL
    unspecified = ManagedPolicy(
        id="P",
        native_type="AWS::IAM::ManagedPolicy",
        document=doc(
            allow(
                "bedrock:InvokeModel",
                "arn:aws:bedrock:eu-central-1::foundation-model/x.y",
                Condition={"StringEquals": {"aws:RequestedRegion": "unspecified"}},
            )
        ),
    )
    assert status("AL-RES-003", inv(unspecified), "P", EU) is Status.FAIL


def test_profile_table() -> None:
    assert (
        profile_prefix("eu.anthropic.claude") == "eu" and profile_prefix("anthropic.claude") is None
    )
    assert destinations_of("global", "eu-central-1").regions is None
    assert "me-central-1" in (destinations_of("apac", None).regions or set())
    assert not destinations_of("sa", None).known
    geography = destinations_of("eu", "eu-central-1", "eu.amazon.nova-lite-v1:0")
    assert not geography.per_model and "eu-central-2" in (geography.regions or set())
    own = destinations_of("us", "us-west-2", "us.anthropic.claude-3-haiku-20240307-v1:0")
    assert own.per_model and own.regions == {"us-east-1", "us-west-2"}
    everywhere = destinations_of("global", "eu-central-1")
    assert everywhere.surely_outside(frozenset({"eu-central-1"}))

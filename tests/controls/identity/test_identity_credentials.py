"""AL-IAM-001..003: no static credentials."""

from __future__ import annotations

import pytest
from control_fixtures import U, inv, live, run, status, verdict

from airlock.controls.credentials import credential_name, inspect_environment
from airlock.controls.model import Status
from airlock.inventory.compute import (
    ContainerDefinition,
    EcsTaskDefinition,
    Instance,
    LambdaFunction,
)
from airlock.inventory.identity import AccessKey, ServiceSpecificCredential, User
from airlock.inventory.model import CoverageGap

USER = User(id="Ci", native_type="AWS::IAM::User", name="ci")
FAKE_KEY = "AKIA" + "ABCDEFGHIJKLMNOP"


# --- AL-IAM-001 ----------------------------------------------------------------------


def test_access_keys_fail_whatever_their_status() -> None:
    active = AccessKey(id="K1", native_type="AWS::IAM::AccessKey", user="Ci")
    inactive = AccessKey(id="K2", native_type="AWS::IAM::AccessKey", user="Ci", status="Inactive")
    inventory = inv(USER, active, inactive)
    assert status("AL-IAM-001", inventory, "K1") is Status.FAIL
    found = verdict("AL-IAM-001", inventory, "K2")
    assert found.status is Status.FAIL and "Inactive" in found.reason


def test_no_keys_passes_and_a_coverage_gap_is_unknown() -> None:
    assert status("AL-IAM-001", inv(USER)) is Status.PASS
    assert "the account" in verdict("AL-IAM-001", live(USER)).reason
    gap = CoverageGap("iam", "AccessDenied on iam:ListAccessKeys")
    assert status("AL-IAM-001", live(USER, gaps=[gap])) is Status.UNKNOWN


def test_codecommit_credentials_count_bedrock_keys_are_left_to_iam_003() -> None:
    git = ServiceSpecificCredential(
        id="Git",
        native_type="AWS::IAM::ServiceSpecificCredential",
        user="Ci",
        service_name="codecommit.amazonaws.com",
    )
    bedrock = ServiceSpecificCredential(
        id="Br",
        native_type="AWS::IAM::ServiceSpecificCredential",
        user="Ci",
        service_name="bedrock.amazonaws.com",
    )
    verdicts = {v.subject.id: v.status for v in run("AL-IAM-001", inv(git, bedrock))}
    assert verdicts == {"Git": Status.FAIL}


# --- AL-IAM-002 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("AWS_SECRET_ACCESS_KEY", True),
        ("AWS_ACCESS_KEY_ID", True),
        ("BEDROCK_API_KEY", True),
        ("OpenAiApiKey", True),
        ("DB_PASSWORD", True),
        ("GITHUB_TOKEN", True),
        ("DB_PASSWORD_SECRET_ARN", False),
        ("SECRET_NAME", False),
        ("MAX_TOKENS", False),
        ("MAX_TOKEN", False),
        ("TOKEN_ENDPOINT", False),
        ("KMS_KEY_ID", False),
        ("MODEL_ID", False),
    ],
)
def test_credential_names(name: str, expected: bool) -> None:
    assert credential_name(name) is expected


def test_values_are_never_shown() -> None:
    hits = inspect_environment(
        {"CONFIG": f"id={FAKE_KEY}", "DB_PASSWORD": "hunter2-but-longer", "EMPTY_TOKEN": ""}
    )
    shown = [h.shown() for h in hits]
    assert [h["variable"] for h in shown] == ["CONFIG", "DB_PASSWORD"]
    assert FAKE_KEY not in str(shown) and "hunter2" not in str(shown)
    assert shown[0]["value"].startswith("AKIA…")


def test_lambda_environment() -> None:
    clean = LambdaFunction(
        id="Clean",
        native_type="AWS::Lambda::Function",
        environment={"MODEL_ID": "anthropic.claude", "SECRET_ARN": "arn:aws:secretsmanager:x"},
    )
    leaky = LambdaFunction(
        id="Leaky",
        native_type="AWS::Lambda::Function",
        environment={"BEDROCK_API_KEY": "ABSK" + "Q" * 40},
    )
    resolved = LambdaFunction(
        id="Dyn",
        native_type="AWS::Lambda::Function",
        environment={"DB": "{{resolve:secretsmanager:db:SecretString:password}}"},
    )
    unsure = LambdaFunction(
        id="Unsure", native_type="AWS::Lambda::Function", environment={"API_KEY": U}
    )
    inventory = inv(clean, leaky, resolved, unsure)
    assert status("AL-IAM-002", inventory, "Clean") is Status.PASS
    failed = verdict("AL-IAM-002", inventory, "Leaky")
    assert failed.status is Status.FAIL and "QQQQ" not in str(failed.evidence)
    assert status("AL-IAM-002", inventory, "Dyn") is Status.FAIL
    assert status("AL-IAM-002", inventory, "Unsure") is Status.UNKNOWN


def test_ecs_environment_and_instance_user_data() -> None:
    task = EcsTaskDefinition(
        id="Task",
        native_type="AWS::ECS::TaskDefinition",
        containers=(
            ContainerDefinition("app", {"AWS_SECRET_ACCESS_KEY": "x" * 40}),
            ContainerDefinition("side", secrets=("DB_PASSWORD",)),
        ),
    )
    box = Instance(
        id="Box", native_type="AWS::EC2::Instance", user_data_secrets=("OPENAI_API_KEY",)
    )
    found = verdict("AL-IAM-002", inv(task, box), "Task")
    assert (
        found.status is Status.FAIL
        and found.evidence["variables"][0]["variable"] == "app/AWS_SECRET_ACCESS_KEY"
    )
    assert status("AL-IAM-002", inv(task, box), "Box") is Status.FAIL


# --- AL-IAM-003 ----------------------------------------------------------------------


def test_bedrock_api_keys() -> None:
    key = ServiceSpecificCredential(
        id="Br",
        native_type="AWS::IAM::ServiceSpecificCredential",
        user="Ci",
        service_name="bedrock.amazonaws.com",
    )
    lost = ServiceSpecificCredential(
        id="Lost", native_type="AWS::IAM::ServiceSpecificCredential", user="Ci", service_name=U
    )
    assert status("AL-IAM-003", inv(key), "Br") is Status.FAIL
    assert status("AL-IAM-003", inv(lost), "Lost") is Status.UNKNOWN
    assert status("AL-IAM-003", inv(USER)) is Status.PASS

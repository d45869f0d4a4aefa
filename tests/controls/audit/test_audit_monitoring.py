"""AL-AUD-010..012: alarms and required guardrails."""

from __future__ import annotations

from control_fixtures import (
    LAMBDA_TRUST,
    MODEL,
    U,
    allow,
    deny,
    doc,
    inv,
    live,
    status,
    trust,
    verdict,
)

from airlock.controls.model import Status
from airlock.inventory.audit import Alarm, MetricFilter, WatchedMetric
from airlock.inventory.bedrock import Agent
from airlock.inventory.identity import Role
from airlock.inventory.model import NamedPolicy


def alarm(namespace: object, metric: object, *more: WatchedMetric) -> Alarm:
    return Alarm(
        id="Alarm",
        native_type="AWS::CloudWatch::Alarm",
        metrics=(WatchedMetric(namespace, metric), *more),  # type: ignore[arg-type]
    )


def test_guardrail_alarms() -> None:
    assert (
        status("AL-AUD-010", inv(alarm("AWS/Bedrock/Guardrails", "InvocationsIntervened")))
        is Status.PASS
    )
    metric_filter = MetricFilter(
        id="F",
        native_type="AWS::Logs::MetricFilter",
        log_group="g",
        pattern='{ $.guardrailAction = "INTERVENED" }',
        metric_name="Blocked",
        metric_namespace="App",
    )
    assert status("AL-AUD-010", inv(metric_filter, alarm("App", "Blocked"))) is Status.PASS
    assert status("AL-AUD-010", inv(alarm(U, "InvocationsIntervened"))) is Status.UNKNOWN
    assert status("AL-AUD-010", inv(alarm("AWS/Bedrock", "Invocations"))) is Status.UNKNOWN
    assert status("AL-AUD-010", live(alarm("AWS/Bedrock", "Invocations"))) is Status.FAIL
    # metric math: the intervention metric is one of several, each with its own namespace
    math = alarm(
        "AWS/EC2",
        "CPUUtilization",
        WatchedMetric("AWS/Bedrock/Guardrails", "InvocationsIntervened"),
    )
    assert status("AL-AUD-010", live(math)) is Status.PASS
    wrong_namespace = alarm(
        "AWS/EC2", "CPUUtilization", WatchedMetric("AWS/EC2", "InvocationsIntervened")
    )
    assert status("AL-AUD-010", live(wrong_namespace)) is Status.FAIL


def test_anomaly_alarms() -> None:
    assert status("AL-AUD-011", inv(alarm("AWS/Bedrock", "InvocationThrottles"))) is Status.PASS
    assert status("AL-AUD-011", inv(alarm("AWS/EC2", "CPUUtilization"))) is Status.UNKNOWN
    assert status("AL-AUD-011", live(alarm("AWS/EC2", "CPUUtilization"))) is Status.FAIL
    assert status("AL-AUD-011", live(alarm("AWS/Bedrock", U))) is Status.UNKNOWN


def _role(*statements: dict[str, object], trust_policy: object = LAMBDA_TRUST) -> Role:
    return Role(
        id="App",
        native_type="AWS::IAM::Role",
        trust_policy=trust_policy,
        inline_policies=(NamedPolicy("app", doc(*statements)),),
    )  # type: ignore[arg-type]


GUARDED = {
    "StringEquals": {
        "bedrock:GuardrailIdentifier": "arn:aws:bedrock:eu-central-1:111122223333:guardrail/abc:1"
    }
}


def test_guardrails_required() -> None:
    assert (
        status(
            "AL-AUD-012", inv(_role(allow("bedrock:InvokeModel", MODEL, Condition=GUARDED))), "App"
        )
        is Status.PASS
    )
    assert (
        status("AL-AUD-012", inv(_role(allow("bedrock:InvokeModel", MODEL))), "App") is Status.FAIL
    )
    null_deny = deny(
        "bedrock:InvokeModel*", Condition={"Null": {"bedrock:GuardrailIdentifier": "true"}}
    )
    assert (
        status("AL-AUD-012", inv(_role(allow("bedrock:InvokeModel", MODEL), null_deny)), "App")
        is Status.PASS
    )
    # The only model granted is in eu-central-1, and a request for it names that region, so
    # a Deny limited to eu-central-1 covers every invocation the role can make.
    region_deny = deny(
        "bedrock:InvokeModel*",
        Condition={
            "Null": {"bedrock:GuardrailIdentifier": "true"},
            "StringEquals": {"aws:RequestedRegion": "eu-central-1"},
        },
    )
    assert (
        status("AL-AUD-012", inv(_role(allow("bedrock:InvokeModel", MODEL), region_deny)), "App")
        is Status.PASS
    )
    anywhere = _role(allow("bedrock:InvokeModel", "*"), region_deny)
    found = verdict("AL-AUD-012", inv(anywhere), "App")
    assert found.status is Status.FAIL
    assert found.evidence["counterexample"]["bedrock:GuardrailIdentifier"] == "absent"
    assert found.evidence["counterexample"]["aws:RequestedRegion"] != "eu-central-1"
    lost = deny("bedrock:InvokeModel*", Condition={"Null": {"bedrock:GuardrailIdentifier": U}})
    assert (
        status("AL-AUD-012", inv(_role(allow("bedrock:InvokeModel", MODEL), lost)), "App")
        is Status.UNKNOWN
    )
    agent_role = _role(
        allow("bedrock:InvokeModel", MODEL),
        trust_policy=trust({"Service": "bedrock.amazonaws.com"}),
    )
    assert status("AL-AUD-012", inv(agent_role), "App") is Status.NOT_APPLICABLE


def test_agents_need_a_guardrail() -> None:
    assert (
        status(
            "AL-AUD-012", inv(Agent(id="A", native_type="AWS::Bedrock::Agent", guardrail="G")), "A"
        )
        is Status.PASS
    )
    assert (
        status(
            "AL-AUD-012", inv(Agent(id="A", native_type="AWS::Bedrock::Agent", guardrail=U)), "A"
        )
        is Status.PASS
    )
    assert (
        status("AL-AUD-012", inv(Agent(id="A", native_type="AWS::Bedrock::Agent")), "A")
        is Status.FAIL
    )
    assert status("AL-AUD-012", inv()) is Status.NOT_APPLICABLE


def test_service_roles_are_not_asked_about_guardrails() -> None:
    """A role only an AWS service assumes (here S3 replication) does not invoke models for a
    workload; the reason names the service instead of assuming an agent or flow."""
    service = _role(
        allow("bedrock:InvokeModel", MODEL),
        trust_policy=trust({"Service": "s3.amazonaws.com"}),
    )
    found = verdict("AL-AUD-012", inv(service), "App")
    assert found.status is Status.NOT_APPLICABLE
    assert "s3.amazonaws.com" in found.reason

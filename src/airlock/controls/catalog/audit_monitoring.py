"""Audit layer, what raises a signal: alarms on guardrail interventions and on invocation
anomalies, and guardrails required on every invocation.

Alarms often live in a separate monitoring stack, so a template without them is UNKNOWN; a
live scan without them is FAIL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from airlock.controls.coverage import absence_is_proof
from airlock.controls.invocation import bedrock_callers, invoke_without_guardrail
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ScanContext,
    Severity,
    Verdict,
    failed,
    not_applicable,
    passed,
    unknown,
)
from airlock.controls.principals import PrincipalClass, classify, trust_of
from airlock.controls.verdicts import from_judgement
from airlock.inventory.audit import Alarm, MetricFilter
from airlock.inventory.bedrock import Agent
from airlock.inventory.identity import Role
from airlock.inventory.model import Unresolved
from airlock.obligations.model import Topic

_ALARM_SCOPES = ("cloudwatch", "AWS::CloudWatch::Alarm", "aws_cloudwatch_metric_alarm", "Alarm")
GUARDRAIL_NAMESPACES = frozenset({"AWS/Bedrock/Guardrails", "AWS/Bedrock"})
INTERVENTION_METRIC = "InvocationsIntervened"
#: Bedrock runtime metrics that reveal unusual use
ANOMALY_METRICS = frozenset(
    {
        "Invocations", "InvocationClientErrors", "InvocationServerErrors", "InvocationThrottles",
        "InputTokenCount", "OutputTokenCount", "InvocationLatency",
    }
)  # fmt: skip


def _watches(alarm: Alarm, wanted: Callable[[str, str], bool]) -> bool | None:
    """Whether the alarm reads a metric ``wanted(namespace, name)`` accepts; None when it
    does not as far as can be seen but some namespace or name is unresolved."""
    lost = False
    for metric in alarm.metrics:
        if isinstance(metric.namespace, str) and isinstance(metric.name, str):
            if wanted(metric.namespace, metric.name):
                return True
        elif isinstance(metric.namespace, Unresolved) or isinstance(metric.name, Unresolved):
            lost = True
    return None if lost else False


def _absent(ctx: ScanContext, what: str) -> Verdict:
    if absence_is_proof(ctx.inventory, *_ALARM_SCOPES):
        return failed(ctx.account_ref(), f"No CloudWatch alarm watches {what}.")
    return unknown(
        ctx.account_ref(),
        f"No alarm in this inventory watches {what}; it may be defined in a monitoring stack.",
    )


# --- AL-AUD-010 ------------------------------------------------------------------------


def _guardrail_alarms(ctx: ScanContext) -> Iterator[Verdict]:
    found: list[str] = []
    doubtful: list[str] = []
    filters = {
        (f.metric_namespace, f.metric_name): f.id
        for f in ctx.inventory.of(MetricFilter)
        if isinstance(f.pattern, str) and "intervened" in f.pattern.lower()
    }
    for alarm in ctx.inventory.of(Alarm):
        watches = _watches(
            alarm,
            lambda namespace, name: (
                (namespace in GUARDRAIL_NAMESPACES and name == INTERVENTION_METRIC)
                or (namespace, name) in filters
            ),
        )
        if watches:
            found.append(alarm.id)
        elif watches is None:
            doubtful.append(alarm.id)
    if found:
        yield passed(
            ctx.account_ref(), f"Alarm {found[0]} fires on guardrail interventions.", alarms=found
        )
    elif doubtful:
        yield unknown(
            ctx.account_ref(),
            "Some alarms watch unresolved metrics that may be guardrail interventions.",
            alarms=doubtful,
        )
    else:
        yield _absent(ctx, "guardrail interventions (AWS/Bedrock/Guardrails InvocationsIntervened)")


# --- AL-AUD-011 ------------------------------------------------------------------------


def _anomaly_alarms(ctx: ScanContext) -> Iterator[Verdict]:
    found: list[str] = []
    doubtful: list[str] = []
    for alarm in ctx.inventory.of(Alarm):
        watches = _watches(
            alarm, lambda namespace, name: namespace == "AWS/Bedrock" and name in ANOMALY_METRICS
        )
        if watches:
            found.append(alarm.id)
        elif watches is None:
            doubtful.append(alarm.id)
    if found:
        yield passed(
            ctx.account_ref(), f"Alarm {found[0]} watches Bedrock invocation metrics.", alarms=found
        )
    elif doubtful:
        yield unknown(
            ctx.account_ref(),
            "Some alarms watch unresolved metrics that may be Bedrock invocation metrics.",
            alarms=doubtful,
        )
    else:
        yield _absent(ctx, "Bedrock invocation volume, errors, throttles or token counts")


# --- AL-AUD-012 ------------------------------------------------------------------------


def _guardrails_required(ctx: ScanContext) -> Iterator[Verdict]:
    judged = False
    for agent in ctx.inventory.of(Agent):
        judged = True
        if agent.guardrail is None:
            yield failed(
                agent, f"Agent {agent.id} has no guardrail, so its model calls are not filtered."
            )
        else:
            yield passed(
                agent,
                f"Agent {agent.id} applies a guardrail to its model calls.",
                guardrail=agent.guardrail,
            )
    for principal in bedrock_callers(ctx):
        judged = True
        if classify(ctx, principal) is PrincipalClass.SERVICE:
            services = (
                ", ".join(trust_of(ctx, principal).services) if isinstance(principal, Role) else ""
            )
            yield not_applicable(
                principal,
                f"Role {principal.id} is assumed by an AWS service ({services or 'a service principal'}), not by a workload; when a Bedrock agent or flow uses it, that resource applies its own guardrail.",
            )
            continue
        yield from_judgement(principal, invoke_without_guardrail(ctx, principal))
    if not judged:
        yield not_applicable(
            ctx.account_ref(), "No agent or principal in this inventory invokes models."
        )


_ctl = ControlFactory(Layer.AUDIT, (Topic.MONITORING, Topic.INCIDENT_RESPONSE))


CONTROLS: tuple[Control, ...] = (
    _ctl(
        10,
        "Guardrail interventions raise alarms",
        Severity.MEDIUM,
        "A spike of blocked prompts is often the first sign of prompt injection or data "
        "exfiltration attempts; without an alarm nobody looks.",
        "Create a CloudWatch alarm on AWS/Bedrock/Guardrails InvocationsIntervened (per "
        "guardrail) that notifies the security team.",
        _guardrail_alarms,
    ),
    _ctl(
        11,
        "Bedrock invocation anomalies raise alarms",
        Severity.LOW,
        "A leaked credential or runaway workload shows up as unusual invocation volume, errors "
        "or token counts.",
        "Create CloudWatch alarms (static or anomaly-detection) on AWS/Bedrock Invocations, "
        "InvocationClientErrors and token counts.",
        _anomaly_alarms,
    ),
    _ctl(
        12,
        "Guardrails are required on invocation",
        Severity.MEDIUM,
        "A guardrail applied only by well-behaved clients is optional; the bedrock:"
        "GuardrailIdentifier condition makes the model refuse calls that do not name it.",
        "Add a bedrock:GuardrailIdentifier condition to InvokeModel grants (or deny invocation "
        "when it is absent), and associate a guardrail with every agent.",
        _guardrails_required,
        topics=(Topic.ACCESS_CONTROL, Topic.MONITORING),
    ),
)

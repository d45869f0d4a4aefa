"""Audit layer, what is recorded: trails (model calls, data events, validation, regions,
logging) and model invocation logging.

Absent records: a live scan proves there is no trail or logging configuration. A template or
plan describes one stack, and the account may have an organization trail or a logging
configuration set elsewhere, so their absence there is UNKNOWN with that reason.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from airlock.controls.coverage import absence_is_proof
from airlock.controls.invocation import bedrock_callers
from airlock.controls.judgement import Answer
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
from airlock.controls.trail_selectors import bedrock_data_events, logs_model_calls
from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import Agent, Flow, Guardrail, InvocationLogging, KnowledgeBase
from airlock.inventory.model import Unresolved
from airlock.obligations.model import Topic

_TRAIL_SCOPES = ("cloudtrail", "AWS::CloudTrail::Trail", "aws_cloudtrail", "Trail")
_LOGGING_SCOPES = (
    "bedrock",
    "InvocationLogging",
    "aws_bedrock_model_invocation_logging_configuration",
)

#: data-event resource types required when the inventory has resources of these kinds
DATA_EVENT_TYPES: tuple[tuple[type, str], ...] = (
    (Agent, "AWS::Bedrock::AgentAlias"),
    (KnowledgeBase, "AWS::Bedrock::KnowledgeBase"),
    (Flow, "AWS::Bedrock::FlowAlias"),
    (Guardrail, "AWS::Bedrock::Guardrail"),
)


def _no_trail(ctx: ScanContext) -> Verdict:
    if absence_is_proof(ctx.inventory, *_TRAIL_SCOPES):
        return failed(
            ctx.account_ref(), "The account has no CloudTrail trail, so no model call is recorded."
        )
    return unknown(
        ctx.account_ref(), "No trail in this template; an organization trail may cover the account."
    )


def _active(trails: list[Trail]) -> list[Trail]:
    return [t for t in trails if t.logging is not False]


# --- AL-AUD-001 ------------------------------------------------------------------------


def _model_calls(ctx: ScanContext) -> Iterator[Verdict]:
    trails = ctx.inventory.of(Trail)
    if not trails:
        yield _no_trail(ctx)
        return
    judged = {t.id: logs_model_calls(t) for t in _active(trails)}
    shown = {tid: j.reason for tid, j in judged.items()}
    stopped = [t.id for t in trails if t.logging is False]
    covering = [tid for tid, j in judged.items() if j.answer is Answer.YES]
    if covering:
        yield passed(
            ctx.account_ref(),
            f"Trail {covering[0]} records model calls (read management events).",
            trails=shown,
        )
    elif any(j.answer is Answer.UNKNOWN for j in judged.values()):
        yield unknown(
            ctx.account_ref(),
            "Whether a trail records model calls cannot be read from its selectors.",
            trails=shown,
        )
    else:
        first = next(iter(judged.values()), None)
        reason = (
            first.reason if first is not None else f"Every trail is stopped ({', '.join(stopped)})."
        )
        yield failed(ctx.account_ref(), reason, trails=shown, stopped=stopped)


# --- AL-AUD-002 ------------------------------------------------------------------------


def required_data_types(ctx: ScanContext) -> list[str]:
    """AWS::Bedrock::Model when something may invoke models (a principal with InvokeModel can
    also start asynchronous and bidirectional-stream invocations, which are data events), plus
    the type of every kind of Bedrock resource in the inventory."""
    needed: list[str] = []
    if bedrock_callers(ctx) or bool(ctx.inventory.of(InvocationLogging)):
        needed.append("AWS::Bedrock::Model")
    for kind, name in DATA_EVENT_TYPES:
        if ctx.inventory.of(kind):
            needed.append(name)
    return needed


def _data_events(ctx: ScanContext) -> Iterator[Verdict]:
    trails = ctx.inventory.of(Trail)
    if not trails:
        yield _no_trail(ctx)
        return
    needed = required_data_types(ctx)
    if not needed:
        yield not_applicable(
            ctx.account_ref(),
            "Nothing in this inventory calls Bedrock or defines a Bedrock resource.",
        )
        return
    coverage = [bedrock_data_events(t) for t in _active(trails)]
    missing = [n for n in needed if not any(c.covers(n) for c in coverage)]
    partial = {n: list(c.partial[n]) for n in missing for c in coverage if n in c.partial}
    doubts = [d for c in coverage for d in c.doubts]
    evidence = {"required": needed, "missing": missing, "filtered": partial}
    if not missing:
        yield passed(
            ctx.account_ref(), "A trail records every required Bedrock data-event type.", **evidence
        )
    elif partial or doubts:
        yield unknown(
            ctx.account_ref(),
            f"Bedrock data events for {', '.join(missing)} are logged only for some resources."
            if partial
            else f"Bedrock data events for {', '.join(missing)} cannot be confirmed: {doubts[0]}.",
            doubts=doubts,
            **evidence,
        )
    else:
        yield failed(
            ctx.account_ref(),
            f"No trail records Bedrock data events for {', '.join(missing)}, so those calls ({_calls(missing)}) go unrecorded.",
            **evidence,
        )


_CALLS = {
    "AWS::Bedrock::Model": "asynchronous and bidirectional-stream invocations",
    "AWS::Bedrock::AgentAlias": "InvokeAgent",
    "AWS::Bedrock::KnowledgeBase": "Retrieve, RetrieveAndGenerate",
    "AWS::Bedrock::FlowAlias": "InvokeFlow",
    "AWS::Bedrock::Guardrail": "ApplyGuardrail",
}


def _calls(types: list[str]) -> str:
    return "; ".join(_CALLS.get(t, t) for t in types)


# --- AL-AUD-003..005 per trail ---------------------------------------------------------


def _flag(
    attribute: Callable[[Trail], bool | Unresolved | None],
    *,
    default: bool,
    good: str,
    bad: str,
) -> Callable[[ScanContext], Iterator[Verdict]]:
    def check(ctx: ScanContext) -> Iterator[Verdict]:
        trails = ctx.inventory.of(Trail)
        if not trails:
            if absence_is_proof(ctx.inventory, *_TRAIL_SCOPES):
                yield not_applicable(ctx.account_ref(), "The account has no trail (AL-AUD-001).")
            else:
                yield unknown(
                    ctx.account_ref(),
                    "No trail in this template to check; an organization trail may cover the account.",
                )
            return
        for trail in trails:
            value = attribute(trail)
            if isinstance(value, Unresolved):
                yield unknown(
                    trail, f"The setting of trail {trail.id} is unresolved: {value.reason}."
                )
                continue
            effective = default if value is None else value
            if effective:
                yield passed(trail, good.format(trail=trail.id), value=value)
            else:
                yield failed(trail, bad.format(trail=trail.id), value=value)

    return check


# --- AL-AUD-006 ------------------------------------------------------------------------


def _invocation_logging(ctx: ScanContext) -> Iterator[Verdict]:
    configs = ctx.inventory.of(InvocationLogging)
    # custom resources a source found to configure logging without showing how (a handler
    # that builds the request from flat properties or from its environment)
    hidden = [g for g in ctx.inventory.gaps if g.scope == "InvocationLogging" and g.resource_id]
    if not configs and hidden:
        yield unknown(
            ctx.account_ref(),
            f"{hidden[0].reason[:1].upper()}{hidden[0].reason[1:]}.",
            custom_resources=[g.resource_id for g in hidden],
        )
        return
    if not configs:
        if absence_is_proof(ctx.inventory, *_LOGGING_SCOPES):
            yield failed(
                ctx.account_ref(),
                "Model invocation logging is not configured, so prompts and responses are not recorded.",
            )
        else:
            yield unknown(
                ctx.account_ref(),
                "No model invocation logging configuration in this template; the account may set it outside the template.",
            )
        return
    for config in configs:
        yield _judge_logging(config)


def _judge_logging(config: InvocationLogging) -> Verdict:
    destinations = {"s3_bucket": config.s3_bucket, "log_group": config.log_group}
    if config.s3_bucket is None and config.log_group is None:
        return failed(
            config,
            f"Invocation logging {config.id} has no S3 or CloudWatch Logs destination.",
            **destinations,
        )
    text = config.text_delivery
    if isinstance(text, Unresolved):
        return unknown(
            config,
            f"Whether invocation logging {config.id} records text is unresolved: {text.reason}.",
            **destinations,
        )
    if text is None:
        return unknown(
            config,
            f"Invocation logging {config.id} does not set text delivery, whose default differs between Terraform (true) and the API (false).",
            **destinations,
        )
    if not text:
        return failed(
            config,
            f"Invocation logging {config.id} disables text delivery, so prompts and responses are not recorded.",
            **destinations,
        )
    return passed(
        config,
        f"Invocation logging {config.id} records text to its configured destination.",
        **destinations,
    )


_ctl = ControlFactory(Layer.AUDIT, (Topic.AUDIT_LOGGING, Topic.INCIDENT_RESPONSE))


CONTROLS: tuple[Control, ...] = (
    _ctl(
        1,
        "A trail records model calls",
        Severity.CRITICAL,
        "InvokeModel and Converse are CloudTrail management read events; a trail that logs only "
        "write events or only data events loses every model call, which is the record an "
        "examiner asks for first.",
        "Add an advanced selector with eventCategory = Management (without readOnly = false) "
        "next to the data-event selectors, or log all management events.",
        _model_calls,
    ),
    _ctl(
        2,
        "A trail records Bedrock data events",
        Severity.HIGH,
        "Agent, knowledge-base, flow and guardrail calls and asynchronous invocations are data "
        "events, recorded only when a trail selects their resource types.",
        "Add advanced selectors with eventCategory = Data and resources.type = "
        "AWS::Bedrock::Model, AgentAlias, KnowledgeBase, FlowAlias and Guardrail (one type per "
        "selector).",
        _data_events,
    ),
    _ctl(
        3,
        "Trails validate log files",
        Severity.MEDIUM,
        "Digest files make deletion or modification of log files detectable; without them the "
        "trail cannot be proved complete.",
        "Enable log file validation (EnableLogFileValidation / enable_log_file_validation).",
        _flag(
            lambda t: t.log_file_validation,
            default=False,
            good="Trail {trail} writes digest files for log-file validation.",
            bad="Trail {trail} does not validate log files, so tampering cannot be proved.",
        ),
        "CKV_AWS_36",
    ),
    _ctl(
        4,
        "Trails are multi-region",
        Severity.MEDIUM,
        "A single-region trail misses model calls made in any other region, including calls a "
        "leaked credential makes there.",
        "Set IsMultiRegionTrail / is_multi_region_trail to true.",
        _flag(
            lambda t: t.multi_region,
            default=False,
            good="Trail {trail} records every region.",
            bad="Trail {trail} records one region only.",
        ),
        "CKV_AWS_67",
    ),
    _ctl(
        5,
        "Trails are logging",
        Severity.HIGH,
        "A stopped trail records nothing; stopping it is the first move of an attacker who "
        "wants to act unseen.",
        "Start logging (IsLogging / enable_logging = true) and alarm on cloudtrail:StopLogging.",
        _flag(
            lambda t: t.logging,
            default=True,
            good="Trail {trail} is logging.",
            bad="Trail {trail} is stopped.",
        ),
        "CKV_AWS_251",
    ),
    _ctl(
        6,
        "Model invocation logging records text",
        Severity.HIGH,
        "Only model invocation logs hold the prompts and responses; CloudTrail records who "
        "called which model, not what was asked.",
        "Configure model invocation logging in every region used, with text delivery enabled and "
        "an S3 (or CloudWatch Logs) destination encrypted with a customer-managed key.",
        _invocation_logging,
    ),
)

"""AL-NET-007: endpoint policies restrict Bedrock to named models and S3 to trusted buckets.

An endpoint policy is the most a request through the endpoint can do. With no policy AWS
attaches the full-access default (``Allow * * *``). A useful policy allows only the actions
the workload needs — for ``bedrock-runtime`` the invoke family (InvokeModel, Converse, their
streaming forms, async invoke, ApplyGuardrail, CountTokens) — on named model, inference
profile or guardrail ARNs. For the other Bedrock endpoints only wildcard actions, ``NotAction`` and ``NotResource``
fail: their read and configuration actions often have no resource type, so ``Resource: "*"``
is how they are granted. ``Principal: "*"`` is normal in endpoint policies (the caller's own
IAM policy still applies) and is not judged here.

:func:`judge_endpoint_policy` reads statements at pattern level. It is the seam where the
policy engine (:mod:`airlock.analysis.policy`) will plug in: the same question, "can any
request through this endpoint reach an action or resource outside the allowed set?",
answered by evaluation with a counterexample instead of by shape.

S3 endpoints (gateway or interface) of the workload VPCs are judged too: with the default
policy, or an Allow on every bucket with no resource-perimeter condition
(``aws:ResourceAccount``, ``s3:ResourceAccount``, ``aws:ResourceOrgID``,
``aws:ResourceOrgPaths``), the workload can copy data into a bucket in any account through
the private path.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from airlock.analysis.reachability import endpoint_service, is_bedrock, same_service
from airlock.analysis.reachability.services import is_gateway, is_interface
from airlock.controls.model import (
    Control,
    Layer,
    ScanContext,
    Severity,
    Status,
    Verdict,
    failed,
    not_applicable,
    passed,
    unknown,
)
from airlock.inventory.model import PolicyValue, Unresolved
from airlock.inventory.network import VpcEndpoint
from airlock.obligations.model import Topic

from .network_common import reachability

#: bedrock-runtime actions a workload needs: invocation and its companions
RUNTIME_ACTIONS = frozenset(
    a.lower()
    for a in (
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
        "bedrock:Converse",
        "bedrock:ConverseStream",
        "bedrock:InvokeModelWithBidirectionalStream",
        "bedrock:StartAsyncInvoke",
        "bedrock:GetAsyncInvoke",
        "bedrock:ListAsyncInvokes",
        "bedrock:ApplyGuardrail",
        "bedrock:CountTokens",
    )
)
#: wildcard patterns that stay inside the invoke family ("bedrock:Invoke*", "bedrock:Converse*")
RUNTIME_PREFIXES = ("bedrock:invoke", "bedrock:converse")
_MODEL_ARN = re.compile(
    r"^arn:aws[a-z-]*:bedrock:[^:]*:[^:]*:"
    r"(foundation-model|inference-profile|application-inference-profile|provisioned-model|"
    r"custom-model|imported-model|custom-model-deployment|prompt-router|default-prompt-router|"
    r"async-invoke|guardrail|guardrail-profile|marketplace/model-endpoint)/(?P<id>.+)$",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")
_ANY_BUCKET = frozenset({"*", "arn:aws:s3:::*", "arn:aws:s3:::*/*"})
_PERIMETER_KEYS = frozenset(
    {"aws:resourceaccount", "s3:resourceaccount", "aws:resourceorgid", "aws:resourceorgpaths"}
)


@dataclass(frozen=True)
class PolicyJudgement:
    status: Status
    reason: str
    problems: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()


def _values(raw: object) -> list[object]:
    if raw is None:
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    return [raw]


def _wildcard_prefix(pattern: str) -> str:
    cut = min((i for i, ch in enumerate(pattern) if ch in "*?"), default=len(pattern))
    return pattern[:cut]


def _action_problem(service: str, action: str) -> str | None:
    text = action.strip().lower()
    if text == "*":
        return "Action * (every action)"
    prefix = _wildcard_prefix(text)
    svc, _, name = prefix.partition(":")
    if prefix != text and not name:
        return f"Action {action} (every {svc or 'service'} action)"
    if service == "bedrock-runtime":
        if text in RUNTIME_ACTIONS:
            return None
        if prefix != text and prefix.startswith(RUNTIME_PREFIXES):
            return None
        return f"Action {action} (not an invoke action)"
    return None


def _resource_problem(service: str, resource: str) -> str | None:
    if service != "bedrock-runtime":
        # control-plane reads (ListFoundationModels, GetInferenceProfile...) and logging
        # configuration have no resource type: Resource "*" is how they are granted
        return None
    text = _PLACEHOLDER.sub("x", resource.strip())
    if text == "*":
        return "Resource * (every model)"
    match = _MODEL_ARN.match(text)
    if match is None:
        return f"Resource {resource} (not a model, inference profile or guardrail ARN)"
    if match.group("id").strip("*") in ("", "/"):
        return f"Resource {resource} (every {match.group(1)})"
    return None


def _statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]] | None:
    raw = document.get("Statement")
    items = _values(raw)
    if not items or not all(isinstance(s, Mapping) for s in items):
        return None
    return [s for s in items if isinstance(s, Mapping)]


def judge_endpoint_policy(service: str, policy: PolicyValue) -> PolicyJudgement:
    """Judge the policy of an endpoint for a Bedrock service (``bedrock-runtime``...)."""
    if policy is None:
        return PolicyJudgement(
            Status.FAIL,
            "no endpoint policy: AWS attaches the default "
            "full-access policy (any action on any resource)",
        )
    if isinstance(policy, Unresolved):
        return PolicyJudgement(
            Status.UNKNOWN, f"the endpoint policy is unresolved ({policy.reason})"
        )
    statements = _statements(policy)
    if statements is None:
        return PolicyJudgement(Status.UNKNOWN, "the endpoint policy has no readable Statement")
    problems: list[str] = []
    unknowns: list[str] = []
    allows = 0
    for index, stmt in enumerate(statements):
        effect = stmt.get("Effect")
        if not isinstance(effect, str):
            unknowns.append(f"statement {index}: Effect is unresolved")
            continue
        if effect != "Allow":
            continue
        allows += 1
        where = f"statement {stmt.get('Sid', index)}"
        for key in ("NotAction", "NotResource"):
            if key in stmt:
                problems.append(f"{where}: {key} allows everything not listed")
        for value in _values(stmt.get("Action")):
            if not isinstance(value, str):
                unknowns.append(f"{where}: an action is unresolved")
            elif (issue := _action_problem(service, value)) is not None:
                problems.append(f"{where}: {issue}")
        for value in _values(stmt.get("Resource")):
            if not isinstance(value, str):
                unknowns.append(f"{where}: a resource is unresolved")
            elif (issue := _resource_problem(service, value)) is not None:
                problems.append(f"{where}: {issue}")
    if problems:
        return PolicyJudgement(
            Status.FAIL,
            f"the endpoint policy is too broad: {problems[0]}",
            tuple(problems),
            tuple(unknowns),
        )
    if unknowns:
        return PolicyJudgement(
            Status.UNKNOWN,
            f"cannot read the endpoint policy fully: {unknowns[0]}",
            (),
            tuple(unknowns),
        )
    if not allows:
        return PolicyJudgement(
            Status.FAIL,
            "the endpoint policy has no Allow statement: every "
            "request through the endpoint is denied, so the "
            "workload cannot use it (a Deny-only policy does not "
            "restrict, it blocks)",
        )
    return PolicyJudgement(
        Status.PASS, "the endpoint policy allows only named actions on named resources"
    )


def _has_perimeter(stmt: Mapping[str, Any]) -> bool:
    condition = stmt.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    return any(
        isinstance(block, Mapping) and any(str(k).lower() in _PERIMETER_KEYS for k in block)
        for block in condition.values()
    )


def judge_s3_endpoint_policy(policy: PolicyValue) -> PolicyJudgement:
    """Judge the policy of an S3 endpoint: it must not open every bucket in every account."""
    if policy is None:
        return PolicyJudgement(
            Status.FAIL,
            "no endpoint policy: the full-access default lets "
            "the workload write to any bucket, in any account",
        )
    if isinstance(policy, Unresolved):
        return PolicyJudgement(
            Status.UNKNOWN, f"the endpoint policy is unresolved ({policy.reason})"
        )
    statements = _statements(policy)
    if statements is None:
        return PolicyJudgement(Status.UNKNOWN, "the endpoint policy has no readable Statement")
    if any(_has_perimeter(stmt) for stmt in statements):
        return PolicyJudgement(
            Status.PASS, "the endpoint policy limits buckets to trusted accounts or organizations"
        )
    problems: list[str] = []
    unknowns: list[str] = []
    allows = [s for s in statements if s.get("Effect") == "Allow"]
    for index, stmt in enumerate(allows):
        where = f"statement {stmt.get('Sid', index)}"
        if "NotResource" in stmt:
            problems.append(f"{where}: NotResource allows every bucket not listed")
        for value in _values(stmt.get("Resource")):
            if not isinstance(value, str):
                unknowns.append(f"{where}: a resource is unresolved")
            elif value.strip() in _ANY_BUCKET:
                problems.append(f"{where}: Resource {value} (every bucket, in any account)")
    if problems:
        return PolicyJudgement(
            Status.FAIL,
            f"the endpoint policy opens every bucket: {problems[0]}",
            tuple(problems),
            tuple(unknowns),
        )
    if unknowns:
        return PolicyJudgement(
            Status.UNKNOWN,
            f"cannot read the endpoint policy fully: {unknowns[0]}",
            (),
            tuple(unknowns),
        )
    if not allows:
        return PolicyJudgement(
            Status.FAIL,
            "the endpoint policy has no Allow statement: every "
            "S3 request through the endpoint is denied",
        )
    return PolicyJudgement(Status.PASS, "the endpoint policy names the buckets it allows")


def _judge(endpoint: VpcEndpoint, service: str) -> Verdict:
    if service == "s3":
        judgement = judge_s3_endpoint_policy(endpoint.policy)
    else:
        judgement = judge_endpoint_policy(service, endpoint.policy)
    evidence: dict[str, Any] = {"service": service, "problems": list(judgement.problems)}
    if judgement.unknowns:
        evidence["unknowns"] = list(judgement.unknowns)
    if isinstance(endpoint.policy, Mapping):
        evidence["policy"] = endpoint.policy
    reason = f"{endpoint.id} ({service}): {judgement.reason}"
    if judgement.status is Status.FAIL:
        return failed(endpoint, reason, **evidence)
    if judgement.status is Status.UNKNOWN:
        return unknown(endpoint, reason, **evidence)
    return passed(endpoint, reason, **evidence)


def check_endpoint_policies(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    workload_vpcs = set(r.workload.vpcs)
    verdicts: list[Verdict] = []
    for endpoint in ctx.inventory.of(VpcEndpoint):
        service = endpoint_service(endpoint)
        if isinstance(endpoint.service_name, Unresolved) and not is_gateway(endpoint):
            verdicts.append(
                unknown(
                    endpoint,
                    f"the service of endpoint {endpoint.id} is unresolved, "
                    "so Airlock cannot tell whether it serves Bedrock",
                )
            )
        elif is_bedrock(service) and is_interface(endpoint) and service is not None:
            verdicts.append(_judge(endpoint, service))
        elif same_service(service, "s3") and r.topology.key(endpoint.vpc) in workload_vpcs:
            verdicts.append(_judge(endpoint, "s3"))
    if not verdicts:
        return [
            not_applicable(
                ctx.account_ref(),
                "the inventory has no Bedrock interface endpoint "
                "(AL-NET-004 reports it missing) and no S3 "
                "endpoint in a workload VPC",
            )
        ]
    return verdicts


ENDPOINT_POLICIES = Control(
    id="AL-NET-007",
    title="Endpoint policies restrict Bedrock to named models and S3 to trusted buckets",
    layer=Layer.NETWORK,
    severity=Severity.HIGH,
    rationale=(
        "The endpoint policy is the ceiling on every request through the private path. With "
        "no policy the full-access default applies; with Action * or Resource * any principal "
        "that reaches the endpoint can use any model, including ones outside the approved "
        "set or region. A Deny-only policy allows nothing and breaks the workload. An S3 "
        "endpoint with the default policy lets the workload copy data into any bucket, in any "
        "account, through the private path."
    ),
    remediation=(
        "Give each Bedrock endpoint a policy with Allow statements listing only the needed "
        "actions (bedrock:InvokeModel, bedrock:Converse and their streaming forms on "
        "bedrock-runtime) on the approved foundation-model and inference-profile ARNs. Give "
        "S3 endpoints a policy naming the deployment's buckets, or allowing only buckets of "
        "your accounts (Condition StringEquals aws:ResourceAccount)."
    ),
    topics=(Topic.NETWORK_ISOLATION, Topic.ACCESS_CONTROL),
    check=check_endpoint_policies,
    references=("prowler:vpc_endpoint_connections_trust_boundaries", "datadog:def-000-xv8"),
)

CONTROLS: tuple[Control, ...] = (ENDPOINT_POLICIES,)

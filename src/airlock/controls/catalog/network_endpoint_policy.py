"""AL-NET-007: endpoint policies restrict Bedrock to named models and S3 to trusted buckets.

An endpoint policy is the most a request through the endpoint can do. With no policy AWS
attaches the full-access default (``Allow * * *``). A useful policy allows only the actions
the workload needs — for ``bedrock-runtime`` the invoke family (InvokeModel, Converse, their
streaming forms, async invoke, ApplyGuardrail, CountTokens) — on named model, inference
profile or guardrail ARNs. For the other Bedrock endpoints only actions the policy does not
name (``bedrock:*``, ``*``, ``NotAction``) fail: their read and configuration actions often
have no resource type, so ``Resource: "*"`` is how they are granted. ``Principal: "*"`` is normal in endpoint policies (the caller's own
IAM policy still applies) and is not judged here.

:func:`judge_endpoint_policy` and :func:`judge_s3_endpoint_policy` ask the policy evaluator
(:mod:`airlock.controls.endpoint_policy`): can any request through this endpoint reach an
action or resource outside the allowed set? A FAIL carries the request that got through and
the endpoint statement that let it.

S3 endpoints (gateway or interface) of the workload VPCs are judged too: with the default
policy, or an Allow on buckets the policy does not name without a resource-perimeter condition
(``aws:ResourceAccount``, ``s3:ResourceAccount``, ``aws:ResourceOrgID``,
``aws:ResourceOrgPaths``), the workload can copy data into a bucket of another account
through the private path.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from airlock.analysis.reachability import (
    Reachability,
    endpoint_service,
    is_bedrock,
    same_service,
)
from airlock.analysis.reachability.services import is_gateway, is_interface
from airlock.controls.endpoint_policy import (
    RUNTIME_ACTIONS,
    PolicyJudgement,
    judge_endpoint_policy,
    judge_s3_endpoint_policy,
)
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
from airlock.inventory.model import Unresolved
from airlock.inventory.network import VpcEndpoint
from airlock.obligations.model import Topic

from .network_common import no_workload, reachability

__all__ = [
    "ENDPOINT_POLICIES",
    "RUNTIME_ACTIONS",
    "PolicyJudgement",
    "judge_endpoint_policy",
    "judge_s3_endpoint_policy",
]


Judged = dict[tuple[str, ...], PolicyJudgement]


def _judge(endpoint: VpcEndpoint, service: str, account: str | None, seen: Judged) -> Verdict:
    ident = endpoint.aws_id if isinstance(endpoint.aws_id, str) else endpoint.id
    text = json.dumps(endpoint.policy, sort_keys=True, default=str)
    # endpoints with the same policy get the same answer (unless it names the endpoint)
    key = (service, text, ident if "sourcevpce" in text.lower() else "")
    judgement = seen.get(key)
    if judgement is None:
        if service == "s3":
            judgement = judge_s3_endpoint_policy(endpoint.policy, account=account, endpoint=ident)
        else:
            judgement = judge_endpoint_policy(
                service, endpoint.policy, account=account, endpoint=ident
            )
        seen[key] = judgement
    evidence: dict[str, Any] = {"service": service, "problems": list(judgement.problems)}
    if judgement.unknowns:
        evidence["unknowns"] = list(judgement.unknowns)
    if judgement.proof:
        evidence["proof"] = list(judgement.proof)
    if isinstance(endpoint.policy, Mapping):
        evidence["policy"] = endpoint.policy
    reason = f"{endpoint.id} ({service}): {judgement.reason}"
    if judgement.status is Status.FAIL:
        return failed(endpoint, reason, **evidence)
    if judgement.status is Status.UNKNOWN:
        return unknown(endpoint, reason, **evidence)
    return passed(endpoint, reason, **evidence)


def _serves_workload(r: Reachability, endpoint: VpcEndpoint, workload_vpcs: set[str]) -> bool:
    """Whether workload traffic may use this S3 endpoint: it is in a workload VPC, a workload
    subnet's route table carries its routes, or its VPC is unresolved while some workload
    subnet's VPC is too (a VPC passed in as a parameter)."""
    topo = r.topology
    vpc = topo.key(endpoint.vpc)
    if vpc in workload_vpcs:
        return True
    if vpc is None and r.workload.vpcless:
        return True
    tables = {topo.key(t) for t in endpoint.route_tables} - {None}
    return any(
        table is not None and table.id in tables
        for w in r.workload.subnets
        for table in topo.route_tables_for(w.subnet).tables
    )


def check_endpoint_policies(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    workload_vpcs = set(r.workload.vpcs)
    home = ctx.inventory.source.account
    account = home if isinstance(home, str) else None
    seen: Judged = {}
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
            verdicts.append(_judge(endpoint, service, account, seen))
        elif same_service(service, "s3") and _serves_workload(r, endpoint, workload_vpcs):
            verdicts.append(_judge(endpoint, "s3", account, seen))
    if not verdicts:
        if r.workload.unplaced and not r.workload.subnets:
            # the workload's subnets live elsewhere (imported): so may its endpoints
            return [no_workload(ctx, r, "no endpoint policy of the workload's VPC to judge")]
        return [
            not_applicable(
                ctx.account_ref(),
                "the inventory has no Bedrock interface endpoint and no S3 endpoint in a "
                "workload VPC (AL-NET-004 and AL-NET-005 judge whether they are missing)",
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

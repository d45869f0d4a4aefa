"""A compliant air-gapped deployment to start from, and a runner for one control."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analysis" / "reachability"))

from netbuild import Net, T, egress, route

from airlock.controls.engine import run
from airlock.controls.model import Control, Finding, Settings, Status
from airlock.inventory.dns import FirewallRule
from airlock.inventory.network import EndpointType, SecurityGroupRule

__all__ = ["Net", "T", "compliant", "egress", "findings", "route", "statuses"]

RUNTIME_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": ["bedrock:InvokeModel", "bedrock:Converse"],
            "Resource": [
                "arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-sonnet-4-6",
                "arn:aws:bedrock:eu-central-1:111122223333:inference-profile/eu.anthropic.claude",
            ],
        }
    ],
}


S3_POLICY = {
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:ResourceAccount": "111122223333"}},
        }
    ]
}


def compliant() -> Net:
    """One VPC, two private workload subnets, endpoints only: every network control passes."""
    net = Net()
    net.vpc("Vpc", "10.0.0.0/16")
    for name, cidr in (("PrivateA", "10.0.1.0/24"), ("PrivateB", "10.0.2.0/24")):
        net.subnet(name, "Vpc", cidr, tags={"airlock:workload": "true"})
    net.table("PrivateRt", "Vpc", subnets=["PrivateA", "PrivateB"])
    net.sg(
        "WorkloadSg",
        "Vpc",
        egress("tcp", 443, 443, security_group="EndpointSg"),
        egress("tcp", 443, 443, "10.0.0.0/16"),
        egress("tcp", 443, 443, prefix_list="pl-6ea54007"),
    )
    net.sg(
        "EndpointSg",
        "Vpc",
        ingress=[SecurityGroupRule("tcp", 443, 443, security_group="WorkloadSg")],
    )
    net.endpoint(
        "Runtime",
        "Vpc",
        "bedrock-runtime",
        private_dns_enabled=True,
        subnets=("PrivateA", "PrivateB"),
        security_groups=("EndpointSg",),
        policy=RUNTIME_POLICY,
    )
    net.endpoint(
        "S3", "Vpc", "s3", kind=EndpointType.GATEWAY, route_tables=("PrivateRt",), policy=S3_POLICY
    )
    net.lambda_fn("Fn", ["PrivateA", "PrivateB"], ["WorkloadSg"])
    net.domain_list("Aws", "*.amazonaws.com")
    net.domain_list("All", "*")
    net.rule_group("Dns", FirewallRule(1, "ALLOW", "Aws"), FirewallRule(100, "BLOCK", "All"))
    net.fw_assoc("DnsAssoc", "Vpc", "Dns")
    net.flow_log("FlowLog", "Vpc")
    return net


def findings(control: Control, net: Net, **settings: Any) -> dict[str, Finding]:
    report = run([control], net.inventory(), Settings(**settings))
    for finding in report.findings:
        json.dumps(finding.as_json())  # evidence must serialise
    return {f.resource.id: f for f in report.findings}


def statuses(control: Control, net: Net, **settings: Any) -> dict[str, Status]:
    return {k: f.status for k, f in findings(control, net, **settings).items()}

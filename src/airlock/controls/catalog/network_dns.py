"""AL-NET-009: DNS exfiltration is closed in every workload VPC."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from airlock.analysis.reachability import DECLARED_TAG, Reach
from airlock.controls.model import (
    Control,
    Layer,
    ScanContext,
    Severity,
    Verdict,
    failed,
    passed,
    unknown,
)
from airlock.obligations.model import Topic

from .network_common import no_workload, paths_json, reachability, vpc_subject, vpcless


def check_dns_exfiltration(ctx: ScanContext) -> Iterable[Verdict]:
    r = reachability(ctx)
    verdicts: list[Verdict] = vpcless(r, "DNS exfiltration from its VPC")
    if not r.dns:
        return verdicts or [no_workload(ctx, r, "no workload VPC whose DNS to check")]
    for dns in r.dns:
        subject = vpc_subject(r.topology, dns.vpc_id)
        evidence: dict[str, Any] = {
            "paths": paths_json(dns.paths),
            "firewall_rules": list(dns.rules),
        }
        if dns.warnings:
            evidence["warnings"] = list(dns.warnings)
        if dns.declared is not None:
            evidence["declared"] = dns.declared
            evidence["verified"] = False
        if dns.reach is Reach.OPEN:
            verdicts.append(failed(subject, dns.reason, **evidence))
        elif dns.reach is Reach.UNKNOWN:
            verdicts.append(unknown(subject, dns.reason, **evidence))
        else:
            verdicts.append(passed(subject, dns.reason, **evidence))
    return verdicts


DNS_EXFILTRATION = Control(
    id="AL-NET-009",
    title="DNS exfiltration is closed by a default-block DNS Firewall",
    layer=Layer.NETWORK,
    severity=Severity.HIGH,
    rationale=(
        "The VPC resolver answers public names even in a VPC with no internet gateway, so a "
        "workload can carry data out in the names it looks up. Only a Route 53 Resolver DNS "
        "Firewall rule group that allows AWS service domains and blocks every other domain "
        "closes the channel, and it must not fail open. Resolver rules that forward a domain "
        "to servers outside the boundary are a path of their own."
    ),
    remediation=(
        "Associate a DNS Firewall rule group with each workload VPC: ALLOW a domain list with "
        "amazonaws.com and *.amazonaws.com (and the names your endpoints and private zones "
        "need), then BLOCK a domain list holding '*' at a lower priority; keep FirewallFailOpen "
        "disabled. If an equivalent control exists outside AWS, tag the VPC "
        f"{DECLARED_TAG}=<description> to record it."
    ),
    topics=(Topic.NETWORK_ISOLATION,),
    check=check_dns_exfiltration,
)

CONTROLS: tuple[Control, ...] = (DNS_EXFILTRATION,)

"""The network layer of the control catalog: AL-NET-001 to AL-NET-010.

Every control reads the reachability analysis (:mod:`airlock.analysis.reachability`), run
once per scan through :meth:`ScanContext.analysis`.

* AL-NET-001 no path leaves the boundary from workload subnets and compute
* AL-NET-002 workload compute gets no public IP
* AL-NET-003 every Lambda function runs inside a VPC
* AL-NET-004 workload VPCs have the interface endpoints they need, with private DNS
* AL-NET-005 workload route tables route S3 through a gateway endpoint
* AL-NET-006 interface endpoint security groups admit only 443 from the workload
* AL-NET-007 endpoint policies restrict Bedrock to named models and S3 to trusted buckets
* AL-NET-008 workload security groups send only to endpoints and the boundary's networks
* AL-NET-009 DNS exfiltration is closed by a default-block DNS Firewall
* AL-NET-010 flow logs record all traffic of the workload VPCs
"""

from __future__ import annotations

from airlock.controls.model import Control

from . import (
    network_dns,
    network_egress,
    network_endpoint_policy,
    network_endpoints,
    network_flow_logs,
    network_security_groups,
)

_BY_ID = {
    c.id: c
    for module in (
        network_egress,
        network_endpoints,
        network_security_groups,
        network_endpoint_policy,
        network_dns,
        network_flow_logs,
    )
    for c in module.CONTROLS
}

CONTROLS: tuple[Control, ...] = tuple(_BY_ID[key] for key in sorted(_BY_ID))

"""Network path analysis: can any packet or DNS query leave the boundary?

"Air-gapped" is a property of paths. For every workload subnet and every compute resource
that can call Bedrock, :func:`analyse` follows every egress path through route tables
(longest-prefix match, IPv4 and IPv6, prefix lists, propagated routes), internet, egress-only
and NAT gateways, transit gateways, peering, VPN gateways, gateway endpoints and appliances,
then through network ACLs and security groups, and answers OPEN (with the path, hop by
hop), CLOSED (with the paths that routing offers but a filter stops) or UNKNOWN (with what
could not be seen). It also judges each workload VPC's DNS: the VPC resolver, DNS Firewall,
and forwarding resolver rules.

    from airlock.analysis.reachability import analyse

    result = analyse(inventory, workload_tag="airlock:workload", workload_subnets=frozenset())
    result.workload.subnets          # WorkloadSubnet(subnet, bases, reasons)
    for subject in result.subjects:  # SubjectResult(resource, kind, reach, reason, paths)
        ...
    result.dns                       # DnsResult per workload VPC
"""

from .addresses import PUBLIC, AddressSet, Family
from .analysis import Reachability, analyse
from .dns import DECLARED_TAG, DnsResult
from .evaluate import SubjectResult, summary
from .paths import Hop, HopKind, Path, PathOutcome, Reach
from .services import endpoint_service, is_bedrock, same_service, service_of
from .subjects import SubjectKind
from .topology import Association, Topology
from .workload import Basis, Unplaced, WorkloadSelection, WorkloadSubnet

__all__ = [
    "DECLARED_TAG",
    "PUBLIC",
    "AddressSet",
    "Association",
    "Basis",
    "DnsResult",
    "Family",
    "Hop",
    "HopKind",
    "Path",
    "PathOutcome",
    "Reach",
    "Reachability",
    "SubjectKind",
    "SubjectResult",
    "Topology",
    "Unplaced",
    "WorkloadSelection",
    "WorkloadSubnet",
    "analyse",
    "endpoint_service",
    "is_bedrock",
    "same_service",
    "service_of",
    "summary",
]

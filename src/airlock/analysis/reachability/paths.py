"""Paths as evidence: hop by hop, ready for a diagram.

A :class:`Path` is what a finding shows: the subject, the subnet, the route table, the
route, the target and onwards, each a :class:`Hop` ``{kind, id, detail}``, with an outcome
and one sentence saying why.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from msgspec import Struct


class HopKind(StrEnum):
    SUBJECT = "subject"
    SECURITY_GROUPS = "security-groups"
    SUBNET = "subnet"
    NETWORK_ACL = "network-acl"
    ROUTE_TABLE = "route-table"
    ROUTE = "route"
    INTERNET_GATEWAY = "internet-gateway"
    EGRESS_ONLY_INTERNET_GATEWAY = "egress-only-internet-gateway"
    NAT_GATEWAY = "nat-gateway"
    TRANSIT_GATEWAY = "transit-gateway"
    TRANSIT_GATEWAY_ATTACHMENT = "transit-gateway-attachment"
    TRANSIT_GATEWAY_ROUTE_TABLE = "transit-gateway-route-table"
    TRANSIT_GATEWAY_ROUTE = "transit-gateway-route"
    VPC = "vpc"
    VPC_PEERING = "vpc-peering-connection"
    VPN_GATEWAY = "vpn-gateway"
    GATEWAY_ENDPOINT = "gateway-endpoint"
    MIDDLEBOX = "middlebox"  # GWLB endpoint, appliance instance or ENI
    LAMBDA_SERVICE = "lambda-service-network"
    RESOLVER = "route53-resolver"
    DNS_FIREWALL = "dns-firewall"
    RESOLVER_RULE = "resolver-rule"
    INTERNET = "internet"
    EXTERNAL_NETWORK = "external-network"
    UNSEEN = "unseen"  # beyond the inventory


class Hop(Struct, frozen=True):
    kind: HopKind
    id: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "id": self.id, "detail": self.detail}


class PathOutcome(StrEnum):
    #: packets (or queries) leave the boundary along this path
    OPEN = "open"
    #: routing leads out, but a network ACL, the security groups or the lack of a public IP
    #: stops the traffic
    BLOCKED = "blocked"
    #: routing ends inside the boundary (local, peering, gateway endpoint, blackhole)
    CONTAINED = "contained"
    #: the path reaches something Airlock cannot see or resolve
    UNKNOWN = "unknown"


class Path(Struct, frozen=True):
    outcome: PathOutcome
    hops: tuple[Hop, ...]
    reason: str
    #: an example of traffic that takes the path ("udp/53 to 1.0.0.0")
    example: str | None = None
    #: what could not be resolved along the path
    unknowns: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "outcome": self.outcome.value,
            "reason": self.reason,
            "hops": [hop.as_json() for hop in self.hops],
        }
        if self.example is not None:
            out["example"] = self.example
        if self.unknowns:
            out["unknowns"] = list(self.unknowns)
        return out


class Reach(StrEnum):
    """The answer for a subject: can anything leave?"""

    OPEN = "open"
    CLOSED = "closed"
    UNKNOWN = "unknown"

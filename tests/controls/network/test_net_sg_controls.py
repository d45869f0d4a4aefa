"""AL-NET-006 endpoint security groups, AL-NET-008 workload egress rules."""

from __future__ import annotations

from netcontrols import Net, compliant, egress, findings, statuses

from airlock.controls.catalog.network_security_groups import (
    ENDPOINT_SECURITY_GROUPS,
    WORKLOAD_EGRESS,
)
from airlock.controls.model import Status
from airlock.inventory.model import SourceKind, Unresolved
from airlock.inventory.network import SecurityGroupRule

U = Unresolved


def _ingress(net: Net, *rules: SecurityGroupRule) -> Net:
    net.replace("EndpointSg", ingress=rules)
    return net


def test_endpoint_sg_pass_fail_unknown() -> None:
    assert statuses(ENDPOINT_SECURITY_GROUPS, compliant()) == {"Runtime": Status.PASS}
    net = _ingress(compliant(), SecurityGroupRule("-1", cidr_ipv4="0.0.0.0/0"))
    result = findings(ENDPOINT_SECURITY_GROUPS, net)["Runtime"]
    assert result.status is Status.FAIL
    assert "all protocols" in result.reason and "0.0.0.0/0 (any address)" in result.reason
    net = _ingress(compliant(), SecurityGroupRule("tcp", 0, 65535, cidr_ipv4="10.0.0.0/16"))
    assert "tcp ports 0-65535" in findings(ENDPOINT_SECURITY_GROUPS, net)["Runtime"].reason
    net = _ingress(compliant(), SecurityGroupRule("tcp", 443, 443, cidr_ipv4="10.0.0.0/8"))
    assert "outside every VPC" in findings(ENDPOINT_SECURITY_GROUPS, net)["Runtime"].reason
    net = _ingress(compliant(), SecurityGroupRule("tcp", 443, 443, cidr_ipv4=U("Ref WorkloadCidr")))
    assert statuses(ENDPOINT_SECURITY_GROUPS, net) == {"Runtime": Status.UNKNOWN}
    net = compliant()
    net.replace("Runtime", security_groups=("sg-0elsewhere",))
    assert statuses(ENDPOINT_SECURITY_GROUPS, net) == {"Runtime": Status.UNKNOWN}


def test_endpoint_without_security_group_uses_the_default_group() -> None:
    net = compliant()
    net.replace("Runtime", security_groups=())
    result = findings(ENDPOINT_SECURITY_GROUPS, net)["Runtime"]
    assert result.status is Status.FAIL
    assert "default" in result.reason
    net.sg(
        "DefaultSg",
        "Vpc",
        is_default=True,
        ingress=[SecurityGroupRule("-1", security_group="DefaultSg")],
    )
    assert (
        "every interface that shares the default group"
        in findings(ENDPOINT_SECURITY_GROUPS, net)["Runtime"].reason
    )
    live = compliant()
    live.kind = SourceKind.AWS
    live.replace("Runtime", security_groups=())
    assert statuses(ENDPOINT_SECURITY_GROUPS, live) == {"Runtime": Status.UNKNOWN}


def test_endpoint_sg_admitting_nothing_passes_with_a_note() -> None:
    net = _ingress(compliant())
    result = findings(ENDPOINT_SECURITY_GROUPS, net)["Runtime"]
    assert result.status is Status.PASS
    assert "admits no traffic" in result.reason


def test_workload_egress_pass_fail_unknown() -> None:
    assert statuses(WORKLOAD_EGRESS, compliant()) == {"Fn": Status.PASS}
    net = compliant()
    net.replace("WorkloadSg", egress=(SecurityGroupRule("-1", cidr_ipv4="0.0.0.0/0"),))
    result = findings(WORKLOAD_EGRESS, net)["Fn"]
    assert result.status is Status.FAIL
    assert "0.0.0.0/0 (any address)" in result.reason
    net = compliant()
    net.replace("WorkloadSg", egress=(egress("tcp", 443, 443, U("Ref Cidr")),))
    assert statuses(WORKLOAD_EGRESS, net) == {"Fn": Status.UNKNOWN}


def test_workload_egress_prefix_list_needs_a_gateway_endpoint() -> None:
    net = compliant()
    net.remove("S3")
    assert statuses(WORKLOAD_EGRESS, net) == {"Fn": Status.UNKNOWN}
    net.prefix_list("pl-6ea54007", "52.216.0.0/15")
    assert statuses(WORKLOAD_EGRESS, net) == {"Fn": Status.FAIL}


def test_workload_egress_default_group_and_eks_nodes() -> None:
    net = compliant()
    net.ecs("Svc", ["PrivateA"])
    net.nodegroup("Nodes", ["PrivateA"])
    result = statuses(WORKLOAD_EGRESS, net)
    assert result["Svc"] is Status.FAIL
    assert result["Nodes"] is Status.UNKNOWN
    net.sg("DefaultSg", "Vpc", is_default=True)
    assert statuses(WORKLOAD_EGRESS, net)["Svc"] is Status.PASS


def test_workload_egress_placeholder_rules_never_leave_the_host() -> None:
    """A rule to loopback, link-local or the limited broadcast address only removes the
    default allow-all egress (CDK's allowAllOutbound: false writes the broadcast one)."""
    for rule in (
        SecurityGroupRule("-1", cidr_ipv4="127.0.0.1/32"),
        SecurityGroupRule("icmp", 252, 86, cidr_ipv4="255.255.255.255/32"),
        SecurityGroupRule("udp", 53, 53, cidr_ipv4="169.254.169.253/32"),
        SecurityGroupRule("-1", cidr_ipv6="::1/128"),
    ):
        net = compliant()
        net.replace("WorkloadSg", egress=(rule,))
        assert statuses(WORKLOAD_EGRESS, net) == {"Fn": Status.PASS}, rule
    net = compliant()  # a block reaching past link-local is not a placeholder
    net.replace("WorkloadSg", egress=(SecurityGroupRule("-1", cidr_ipv4="169.254.0.0/15"),))
    assert statuses(WORKLOAD_EGRESS, net) == {"Fn": Status.FAIL}


def test_workload_egress_to_a_customer_managed_list_elsewhere_is_unknown() -> None:
    """Only an AWS-managed id (8 hex digits) may stand for the S3 gateway endpoint's list;
    a customer-managed list (17 hex digits) that is not in the inventory may hold anything."""
    net = compliant()
    net.replace("WorkloadSg", egress=(egress("tcp", 443, 443, prefix_list="pl-0a1b2c3d4e5f60718"),))
    found = findings(WORKLOAD_EGRESS, net)["Fn"]
    assert found.status is Status.UNKNOWN and "pl-0a1b2c3d4e5f60718" in found.reason
    net.replace("WorkloadSg", egress=(egress("tcp", 443, 443, prefix_list="S3"),))
    assert statuses(WORKLOAD_EGRESS, net) == {"Fn": Status.PASS}  # the gateway endpoint's own

"""AL-NET-009 DNS exfiltration, AL-NET-010 flow logs."""

from __future__ import annotations

from netcontrols import compliant, findings, statuses

from airlock.controls.catalog.network_dns import DNS_EXFILTRATION
from airlock.controls.catalog.network_flow_logs import FLOW_LOGS
from airlock.controls.model import Status
from airlock.inventory.model import Unresolved

U = Unresolved


def test_dns_pass_fail_unknown() -> None:
    assert statuses(DNS_EXFILTRATION, compliant()) == {"Vpc": Status.PASS}
    net = compliant()
    net.remove("DnsAssoc")
    result = findings(DNS_EXFILTRATION, net)["Vpc"]
    assert result.status is Status.FAIL
    assert result.as_json()["evidence"]["paths"][0]["hops"][0]["kind"] == "route53-resolver"
    net = compliant()
    net.fw_config("FwConfig", "Vpc", True)
    assert statuses(DNS_EXFILTRATION, net) == {"Vpc": Status.FAIL}
    net = compliant()
    net.replace("DnsAssoc", rule_group=U("Fn::ImportValue RuleGroup"))
    assert statuses(DNS_EXFILTRATION, net) == {"Vpc": Status.UNKNOWN}


def test_dns_forwarding_rule_outside_is_a_fail() -> None:
    net = compliant()
    net.domain_list("Corp", "*.corp.example")
    from airlock.inventory.dns import FirewallRule

    net.replace(
        "Dns",
        rules=(
            FirewallRule(1, "ALLOW", "Aws"),
            FirewallRule(2, "ALLOW", "Corp"),
            FirewallRule(100, "BLOCK", "All"),
        ),
    )
    net.forward_rule("Fwd", "Vpc", "corp.example", "172.20.0.2")
    result = findings(DNS_EXFILTRATION, net)["Vpc"]
    assert result.status is Status.FAIL
    assert "172.20.0.2" in result.reason


def test_flow_logs_pass_fail_unknown() -> None:
    assert statuses(FLOW_LOGS, compliant()) == {"Vpc": Status.PASS}
    net = compliant()
    net.replace("FlowLog", traffic_type="REJECT")
    result = findings(FLOW_LOGS, net)["Vpc"]
    assert result.status is Status.FAIL and "only REJECT" in result.reason
    net = compliant()
    net.remove("FlowLog")
    result = findings(FLOW_LOGS, net)["Vpc"]
    assert result.status is Status.FAIL and "PrivateA, PrivateB" in result.reason
    net.flow_log("A", "PrivateA")
    net.flow_log("B", "PrivateB")
    assert statuses(FLOW_LOGS, net) == {"Vpc": Status.PASS}
    net = compliant()
    net.replace("FlowLog", traffic_type=U("Ref TrafficType"))
    assert statuses(FLOW_LOGS, net) == {"Vpc": Status.UNKNOWN}
    net = compliant()
    net.replace("FlowLog", resources=(U("Fn::ImportValue VpcId"),))
    assert statuses(FLOW_LOGS, net) == {"Vpc": Status.UNKNOWN}


def test_flow_logs_of_a_vpc_outside_the_inventory_are_unknown() -> None:
    # a shared VPC known only by its id: its flow log may be in the stack that owns it
    net = compliant()
    net.remove("Vpc")
    assert statuses(FLOW_LOGS, net) == {"Vpc": Status.PASS}
    net.replace("FlowLog", traffic_type="REJECT")
    assert statuses(FLOW_LOGS, net) == {"Vpc": Status.UNKNOWN}
    net.remove("FlowLog")
    result = findings(FLOW_LOGS, net)["Vpc"]
    assert result.status is Status.UNKNOWN
    assert "VPC Vpc is not in the inventory" in result.reason

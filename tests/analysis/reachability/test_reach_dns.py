"""DNS paths: the VPC resolver, DNS Firewall, forwarding rules."""

from __future__ import annotations

from netbuild import Net, U

from airlock.analysis.reachability import DECLARED_TAG, PathOutcome, Reach, analyse
from airlock.analysis.reachability.dns import attacker_can_register, entry_matches
from airlock.inventory.dns import FirewallRule


def _base(**vpc: object) -> Net:
    net = Net()
    net.vpc("Vpc", **vpc)
    net.subnet("App", "Vpc", tags={"airlock:workload": "yes"})
    return net


def _firewall(net: Net, *rules: FirewallRule, priority: object = 101) -> None:
    net.domain_list("Aws", "amazonaws.com", "*.amazonaws.com")
    net.domain_list("Everything", "*")
    net.rule_group("Group", *rules)
    net.fw_assoc("Assoc", "Vpc", "Group", priority)  # type: ignore[arg-type]


ALLOW_AWS = FirewallRule(1, "ALLOW", "Aws", name="aws")
BLOCK_ALL = FirewallRule(100, "BLOCK", "Everything", name="block-all")


def _dns(net: Net) -> object:
    result = analyse(net.inventory())
    found = result.dns_for("Vpc")
    assert found is not None
    return found


def test_no_firewall_means_dns_exfiltration_is_open() -> None:
    dns = _dns(_base())
    assert dns.reach is Reach.OPEN
    assert "no DNS Firewall rule group is associated with Vpc" in dns.reason
    assert [h.kind.value for h in dns.paths[0].hops] == [
        "route53-resolver",
        "dns-firewall",
        "internet",
    ]


def test_allowlist_then_block_all_closes_it() -> None:
    net = _base()
    _firewall(net, BLOCK_ALL, ALLOW_AWS)
    dns = _dns(net)
    assert dns.reach is Reach.CLOSED
    assert "block-all" in dns.reason
    assert not dns.warnings
    assert dns.rules[0].startswith("Group aws")


def test_block_all_without_aws_allowlist_warns_that_endpoints_break() -> None:
    net = _base()
    _firewall(net, BLOCK_ALL)
    dns = _dns(net)
    assert dns.reach is Reach.CLOSED
    assert "interface endpoint names will not resolve" in dns.warnings[0]


def test_allow_everything_before_the_block_is_open() -> None:
    net = _base()
    net.domain_list("Com", "*.com")
    _firewall(net, FirewallRule(1, "ALLOW", "Com"), BLOCK_ALL)
    dns = _dns(net)
    assert dns.reach is Reach.OPEN


def test_no_block_all_rule_is_open() -> None:
    net = _base()
    net.domain_list("Bad", "evil.example")
    _firewall(net, ALLOW_AWS, FirewallRule(2, "BLOCK", "Bad"))
    assert _dns(net).reach is Reach.OPEN


def test_managed_threat_list_is_not_a_default_block() -> None:
    net = _base()
    net.domain_list("Malware", managed=True)
    _firewall(net, FirewallRule(1, "BLOCK", "Malware"))
    assert _dns(net).reach is Reach.OPEN


def test_alert_rule_does_not_decide() -> None:
    net = _base()
    _firewall(net, FirewallRule(1, "ALERT", "Everything"), BLOCK_ALL)
    assert _dns(net).reach is Reach.CLOSED


def test_fail_open_is_a_path() -> None:
    net = _base()
    _firewall(net, ALLOW_AWS, BLOCK_ALL)
    net.fw_config("Config", "Vpc", True)
    dns = _dns(net)
    assert dns.reach is Reach.OPEN
    assert "fails open" in dns.reason


def test_fail_open_unresolved_is_unknown() -> None:
    net = _base()
    _firewall(net, ALLOW_AWS, BLOCK_ALL)
    net.fw_config("Config", "Vpc", U("Ref FailOpen"))
    assert _dns(net).reach is Reach.UNKNOWN


def test_rule_group_outside_the_inventory_is_unknown() -> None:
    net = _base()
    net.fw_assoc("Assoc", "Vpc", "rslvr-frg-shared")
    dns = _dns(net)
    assert dns.reach is Reach.UNKNOWN
    assert "rule group rslvr-frg-shared of association Assoc is not in the inventory" in dns.reason


def test_unresolved_domain_list_is_unknown() -> None:
    net = _base()
    _firewall(net, ALLOW_AWS, FirewallRule(100, "BLOCK", U("Fn::ImportValue List")))
    assert _dns(net).reach is Reach.UNKNOWN


def test_forwarding_rule_to_an_outside_server_is_a_path() -> None:
    net = _base()
    _firewall(net, ALLOW_AWS, FirewallRule(50, "ALLOW", "Corp"), BLOCK_ALL)
    net.domain_list("Corp", "*.corp.example")
    net.forward_rule("Fwd", "Vpc", "corp.example", "192.168.10.2")
    dns = _dns(net)
    assert dns.reach is Reach.OPEN
    assert "forwards queries for corp.example to 192.168.10.2" in dns.reason


def test_forwarding_rule_blocked_by_the_firewall_is_evidence_only() -> None:
    net = _base()
    _firewall(net, ALLOW_AWS, BLOCK_ALL)
    net.forward_rule("Fwd", "Vpc", "corp.example", "192.168.10.2")
    dns = _dns(net)
    assert dns.reach is Reach.CLOSED
    assert any(p.outcome is PathOutcome.BLOCKED for p in dns.paths)


def test_forwarding_rule_to_a_server_inside_the_inventory_is_contained() -> None:
    net = _base()
    _firewall(net, ALLOW_AWS, FirewallRule(50, "ALLOW", "Corp"), BLOCK_ALL)
    net.domain_list("Corp", "*.corp.example")
    net.forward_rule("Fwd", "Vpc", "corp.example", "10.0.0.53")
    assert _dns(net).reach is Reach.CLOSED


def test_resolver_disabled_or_declared_control() -> None:
    assert _dns(_base(enable_dns_support=False)).reach is Reach.CLOSED
    dns = _dns(_base(tags={DECLARED_TAG: "DHCP options point to an on-premises sinkhole resolver"}))
    assert dns.reach is Reach.CLOSED
    assert dns.declared and "declared by the user" in dns.reason


def test_domain_entry_semantics() -> None:
    assert attacker_can_register("*")
    assert attacker_can_register("*.com")
    assert attacker_can_register("*.com.ng")
    assert not attacker_can_register("*.amazonaws.com")
    # brand top-level domains: only Amazon registers names under .aws and .amazon
    assert not attacker_can_register("*.aws") and not attacker_can_register("*.amazon.")
    assert not attacker_can_register("example.com")
    assert entry_matches("*.amazonaws.com", "bedrock-runtime.eu-central-1.amazonaws.com")
    assert not entry_matches("amazonaws.com", "s3.amazonaws.com")


def test_association_with_unresolved_vpc_may_apply_here() -> None:
    net = _base()
    net.rule_group("Other", ALLOW_AWS)
    net.domain_list("Aws", "*.amazonaws.com")
    net.fw_assoc("Elsewhere", U("Fn::ImportValue VpcId"), "Other")
    dns = _dns(net)
    assert dns.reach is Reach.UNKNOWN
    assert "the VPC of DNS Firewall association Elsewhere is unresolved" in dns.reason


def test_unknown_rule_action_is_unknown() -> None:
    net = _base()
    _firewall(net, ALLOW_AWS, FirewallRule(100, U("Ref Action"), "Everything"))
    assert _dns(net).reach is Reach.UNKNOWN

"""Network split resources folded into what they configure -- live, and deleted by the plan."""

from __future__ import annotations

from pathlib import Path

from airlock.inventory.compute import Instance, NetworkInterface
from airlock.inventory.model import Unresolved
from airlock.inventory.network import (
    InternetGateway,
    NetworkAcl,
    PrefixList,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    TransitGatewayRouteTable,
    Vpc,
    VpcEndpoint,
    VpnGateway,
)

from .plans import Plan, const, ref

POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"bedrock:InvokeModel","Resource":"*"}]}'
DELETE = ("delete",)
NOOP = ("no-op",)


def _existing_vpc(plan: Plan) -> Plan:
    return plan.resource(
        "aws_vpc.main",
        {"id": "vpc-1", "cidr_block": "10.0.0.0/16", "default_route_table_id": "rtb-main",
         "default_security_group_id": "sg-default", "default_network_acl_id": "acl-default"},
        actions=NOOP, expressions={"cidr_block": const("10.0.0.0/16")},
    )  # fmt: skip


def _existing_endpoint(plan: Plan, **values: object) -> Plan:
    base: dict[str, object] = {
        "id": "vpce-1", "vpc_id": "vpc-1", "service_name": "com.amazonaws.eu-central-1.bedrock-runtime",
        "vpc_endpoint_type": "Interface", "subnet_ids": [], "security_group_ids": [], "route_table_ids": [],
    }  # fmt: skip
    return plan.resource("aws_vpc_endpoint.e", {**base, **values}, actions=NOOP,
                         expressions={"vpc_id": ref("aws_vpc.main.id")})  # fmt: skip


def _endpoint(tmp_path: Path, plan: Plan) -> VpcEndpoint:
    found = plan.load(tmp_path).get("aws_vpc_endpoint.e", VpcEndpoint)
    assert found is not None
    return found


def test_endpoint_policy_resource_sets_the_policy(tmp_path: Path) -> None:
    plan = _existing_endpoint(_existing_vpc(Plan()))
    plan.resource("aws_vpc_endpoint_policy.p", {"vpc_endpoint_id": "vpce-1", "policy": POLICY},
                  unknown={"id": True}, expressions={"vpc_endpoint_id": ref("aws_vpc_endpoint.e.id")})  # fmt: skip
    endpoint = _endpoint(tmp_path, plan)
    assert (
        isinstance(endpoint.policy, dict)
        and endpoint.policy["Statement"][0]["Action"] == "bedrock:InvokeModel"
    )
    assert endpoint.configured_by == ("aws_vpc_endpoint_policy.p",)


def test_deleted_endpoint_policy_resets_the_stale_policy(tmp_path: Path) -> None:
    plan = _existing_endpoint(_existing_vpc(Plan()), policy=POLICY)
    plan.resource(
        "aws_vpc_endpoint_policy.p",
        {"id": "vpce-1", "vpc_endpoint_id": "vpce-1", "policy": POLICY},
        actions=DELETE,
    )
    assert _endpoint(tmp_path, plan).policy is None


def test_endpoint_policy_for_an_endpoint_outside_the_plan_is_a_gap(tmp_path: Path) -> None:
    plan = Plan().resource("aws_vpc_endpoint_policy.p", {"vpc_endpoint_id": "vpce-elsewhere", "policy": POLICY},
                           unknown={"id": True}, expressions={"vpc_endpoint_id": const("vpce-elsewhere")})  # fmt: skip
    inventory = plan.load(tmp_path)
    assert len(inventory) == 0
    (gap,) = inventory.gaps
    assert gap.scope == "aws_vpc_endpoint_policy" and gap.resource_id == "aws_vpc_endpoint_policy.p"
    assert "vpce-elsewhere, which is not in this plan" in gap.reason


def test_endpoint_associations_add_and_deleted_ones_remove(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource(
        "aws_subnet.a",
        {"id": "subnet-a", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_subnet.b",
        {"id": "subnet-b", "vpc_id": "vpc-1", "cidr_block": "10.0.2.0/24"},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_security_group.ep",
        {"id": "sg-ep", "vpc_id": "vpc-1", "ingress": [], "egress": []},
        actions=NOOP,
        expressions={},
    )
    _existing_endpoint(plan, subnet_ids=["subnet-a", "subnet-b"], security_group_ids=["sg-ep"])
    plan.resource("aws_vpc_endpoint_subnet_association.a", {"vpc_endpoint_id": "vpce-1", "subnet_id": "subnet-a"},
                  actions=NOOP, expressions={})  # fmt: skip
    plan.resource(
        "aws_vpc_endpoint_subnet_association.b",
        {"vpc_endpoint_id": "vpce-1", "subnet_id": "subnet-b"},
        actions=DELETE,
    )
    plan.resource("aws_vpc_endpoint_security_group_association.ep",
                  {"vpc_endpoint_id": "vpce-1", "security_group_id": "sg-ep"}, actions=DELETE)  # fmt: skip
    endpoint = _endpoint(tmp_path, plan)
    assert endpoint.subnets == ("aws_subnet.a",)
    assert endpoint.security_groups == ()  # now the VPC's default security group
    assert endpoint.configured_by == ("aws_vpc_endpoint_subnet_association.a",)


def test_endpoint_route_table_association(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource(
        "aws_route_table.private",
        {"id": "rtb-p", "vpc_id": "vpc-1", "route": []},
        actions=NOOP,
        expressions={},
    )
    _existing_endpoint(
        plan,
        vpc_endpoint_type="Gateway",
        service_name="com.amazonaws.eu-central-1.s3",
        prefix_list_id="pl-s3",
    )
    plan.resource("aws_vpc_endpoint_route_table_association.p", {"vpc_endpoint_id": "vpce-1", "route_table_id": None},
                  unknown={"id": True, "route_table_id": True},
                  expressions={"vpc_endpoint_id": ref("aws_vpc_endpoint.e.id"),
                               "route_table_id": ref("aws_route_table.private.id")})  # fmt: skip
    inventory = plan.load(tmp_path)
    endpoint = inventory.get("aws_vpc_endpoint.e", VpcEndpoint)
    assert endpoint is not None and endpoint.route_tables == ("aws_route_table.private",)
    table = inventory.get("aws_route_table.private", RouteTable)
    assert table is not None
    gateway_routes = [r for r in table.routes if r.target_kind is RouteTarget.GATEWAY_ENDPOINT]
    assert [(r.target, r.destination_prefix_list) for r in gateway_routes] == [
        ("aws_vpc_endpoint.e", "pl-s3")
    ]


def test_route_table_association_with_an_endpoint_outside_the_plan(tmp_path: Path) -> None:
    # a shared VPC's S3 gateway endpoint, read with data.aws_vpc_endpoint: the association
    # still gives the plan's table a gateway endpoint route (whose prefix list is unknown)
    plan = Plan().resource(
        "aws_route_table.app", {"vpc_id": "vpc-shared", "route": []}, unknown={"id": True}
    )
    plan.resource("aws_vpc_endpoint_route_table_association.s3", {"vpc_endpoint_id": "vpce-shared", "route_table_id": None},
                  unknown={"id": True, "route_table_id": True},
                  expressions={"vpc_endpoint_id": const("vpce-shared"),
                               "route_table_id": ref("aws_route_table.app.id")})  # fmt: skip
    inventory = plan.load(tmp_path)
    table = inventory.get("aws_route_table.app", RouteTable)
    assert table is not None
    (route,) = [r for r in table.routes if r.target_kind is RouteTarget.GATEWAY_ENDPOINT]
    assert route.target == "vpce-shared"
    assert route.origin == "aws_vpc_endpoint_route_table_association.s3"
    assert isinstance(route.destination_prefix_list, Unresolved)
    # the endpoint itself is still not in the plan
    (gap,) = inventory.gaps_for("aws_vpc_endpoint_route_table_association.s3")
    assert "vpce-shared, which is not in this plan" in gap.reason


def _table_with_observed_routes(
    plan: Plan, routes: list[dict[str, str]], declared: bool = False
) -> Plan:
    blank = {"cidr_block": "", "ipv6_cidr_block": "", "destination_prefix_list_id": "", "gateway_id": "",
             "nat_gateway_id": "", "transit_gateway_id": "", "vpc_peering_connection_id": "",
             "egress_only_gateway_id": "", "network_interface_id": "", "vpc_endpoint_id": ""}  # fmt: skip
    expressions = {"vpc_id": ref("aws_vpc.main.id")}
    if declared:
        expressions["route"] = ref("aws_nat_gateway.n.id")
    return plan.resource("aws_route_table.t", {"id": "rtb-t", "vpc_id": "vpc-1", "route": [{**blank, **r} for r in routes]},
                         actions=NOOP, expressions=expressions)  # fmt: skip


def test_route_resource_replaces_the_observed_copy(tmp_path: Path) -> None:
    plan = _table_with_observed_routes(
        _existing_vpc(Plan()), [{"cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1"}]
    )
    plan.resource(
        "aws_nat_gateway.n",
        {"id": "nat-1", "subnet_id": "subnet-pub"},
        actions=NOOP,
        expressions={},
    )
    plan.resource("aws_route.default", {"route_table_id": "rtb-t", "destination_cidr_block": "0.0.0.0/0", "nat_gateway_id": "nat-1"},
                  actions=NOOP, expressions={})  # fmt: skip
    table = plan.load(tmp_path).get("aws_route_table.t", RouteTable)
    assert table is not None
    assert [(r.target_kind, r.target, r.origin) for r in table.routes] == [
        (RouteTarget.LOCAL, "local", None),
        (RouteTarget.NAT_GATEWAY, "aws_nat_gateway.n", "aws_route.default"),
    ]


def test_deleted_route_removes_the_observed_copy(tmp_path: Path) -> None:
    plan = _table_with_observed_routes(
        _existing_vpc(Plan()),
        [
            {"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"},
            {"cidr_block": "192.168.0.0/16", "vpc_peering_connection_id": "pcx-1"},
        ],
    )
    plan.resource("aws_route.internet", {"route_table_id": "rtb-t", "destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"},
                  actions=DELETE)  # fmt: skip
    table = plan.load(tmp_path).get("aws_route_table.t", RouteTable)
    assert table is not None
    assert [(r.target_kind, r.destination_cidr) for r in table.routes] == [
        (RouteTarget.LOCAL, "10.0.0.0/16"),
        (RouteTarget.VPC_PEERING, "192.168.0.0/16"),  # out-of-band: still there
    ]


def test_declared_inline_routes_are_enforced(tmp_path: Path) -> None:
    plan = _table_with_observed_routes(
        _existing_vpc(Plan()), [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}], declared=True
    )
    plan.resource("aws_route.internet", {"route_table_id": "rtb-t", "destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"},
                  actions=DELETE)  # fmt: skip
    table = plan.load(tmp_path).get("aws_route_table.t", RouteTable)
    assert table is not None
    assert [r.target_kind for r in table.routes] == [
        RouteTarget.LOCAL,
        RouteTarget.INTERNET_GATEWAY,
    ]


def test_route_targets_are_classified(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource("aws_internet_gateway.igw", {}, unknown={"id": True}, expressions={})
    plan.resource("aws_vpn_gateway.vgw", {}, unknown={"id": True}, expressions={})
    plan.resource("aws_route_table.t", {}, unknown={"id": True, "route": True, "vpc_id": True},
                  expressions={"vpc_id": ref("aws_vpc.main.id")})  # fmt: skip
    targets: dict[str, tuple[dict[str, object], dict[str, object]]] = {
        "igw": ({"gateway_id": None}, {"gateway_id": ref("aws_internet_gateway.igw.id")}),
        "vgw": ({"gateway_id": None}, {"gateway_id": ref("aws_vpn_gateway.vgw.id")}),
        "eigw": ({"egress_only_gateway_id": "eigw-1"}, {}),
        "tgw": ({"transit_gateway_id": "tgw-1"}, {}),
        "pcx": ({"vpc_peering_connection_id": "pcx-1"}, {}),
        "literal_igw": ({"gateway_id": "igw-9"}, {}),
        "eni": ({"network_interface_id": "eni-1"}, {}),
    }
    for i, (name, (values, expressions)) in enumerate(targets.items()):
        unknown = {
            "id": True,
            "route_table_id": True,
            **{k: True for k, v in values.items() if v is None},
        }
        plan.resource(f"aws_route.{name}", {"destination_cidr_block": f"10.{100 + i}.0.0/16", **values},
                      unknown=unknown, expressions={"route_table_id": ref("aws_route_table.t.id"), **expressions})  # fmt: skip
    table = plan.load(tmp_path).get("aws_route_table.t", RouteTable)
    assert table is not None
    kinds = {r.origin: (r.target_kind, r.target) for r in table.routes if r.origin}
    assert kinds == {
        "aws_route.igw": (RouteTarget.INTERNET_GATEWAY, "aws_internet_gateway.igw"),
        "aws_route.vgw": (RouteTarget.VPN_GATEWAY, "aws_vpn_gateway.vgw"),
        "aws_route.eigw": (RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY, "eigw-1"),
        "aws_route.tgw": (RouteTarget.TRANSIT_GATEWAY, "tgw-1"),
        "aws_route.pcx": (RouteTarget.VPC_PEERING, "pcx-1"),
        "aws_route.literal_igw": (RouteTarget.INTERNET_GATEWAY, "igw-9"),
        "aws_route.eni": (RouteTarget.NETWORK_INTERFACE, "eni-1"),
    }


def test_route_table_associations_subnet_gateway_and_unresolved(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource(
        "aws_subnet.s",
        {"id": "subnet-s", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_internet_gateway.igw", {"id": "igw-1", "vpc_id": "vpc-1"}, actions=NOOP, expressions={}
    )
    plan.resource(
        "aws_route_table.t",
        {"id": "rtb-t", "vpc_id": "vpc-1", "route": []},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_route_table_association.s",
        {"route_table_id": "rtb-t", "subnet_id": "subnet-s"},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_route_table_association.edge",
        {"route_table_id": "rtb-t", "gateway_id": "igw-1"},
        actions=NOOP,
        expressions={},
    )
    plan.resource("aws_route_table_association.later", {"route_table_id": "rtb-t"},
                  unknown={"id": True, "subnet_id": True}, expressions={"subnet_id": ref("local.subnet")})  # fmt: skip
    table = plan.load(tmp_path).get("aws_route_table.t", RouteTable)
    assert table is not None
    assert table.subnets[0] == "aws_subnet.s"
    assert isinstance(table.subnets[1], Unresolved)
    assert table.gateways == ("aws_internet_gateway.igw",)


def test_deleted_main_association_brings_back_the_original_main_table(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource(
        "aws_route_table.t",
        {"id": "rtb-t", "vpc_id": "vpc-1", "route": []},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_main_route_table_association.m",
        {"vpc_id": "vpc-1", "route_table_id": "rtb-t"},
        actions=DELETE,
    )
    inventory = plan.load(tmp_path)
    table = inventory.get("aws_route_table.t", RouteTable)
    main = inventory.get("aws_vpc.main#main", RouteTable)
    assert table is not None and not table.is_main
    assert main is not None and main.is_main


def test_vpn_propagation_and_gateway_attachments(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource("aws_vpn_gateway.v", {"id": "vgw-1"}, actions=NOOP, expressions={})
    plan.resource(
        "aws_internet_gateway.i", {"id": "igw-1", "vpc_id": "vpc-1"}, actions=NOOP, expressions={}
    )
    plan.resource("aws_route_table.t", {"id": "rtb-t", "vpc_id": "vpc-1", "route": [], "propagating_vgws": ["vgw-1"]},
                  actions=NOOP, expressions={})  # fmt: skip
    plan.resource(
        "aws_vpn_gateway_attachment.v",
        {"vpn_gateway_id": "vgw-1", "vpc_id": "vpc-1"},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_internet_gateway_attachment.i",
        {"internet_gateway_id": "igw-1", "vpc_id": "vpc-1"},
        actions=DELETE,
    )
    plan.resource(
        "aws_vpn_gateway_route_propagation.p",
        {"vpn_gateway_id": "vgw-1", "route_table_id": "rtb-t"},
        actions=DELETE,
    )
    inventory = plan.load(tmp_path)
    vgw = inventory.get("aws_vpn_gateway.v", VpnGateway)
    igw = inventory.get("aws_internet_gateway.i", InternetGateway)
    table = inventory.get("aws_route_table.t", RouteTable)
    assert vgw is not None and vgw.vpcs == ("aws_vpc.main",)
    assert igw is not None and igw.vpcs == ()  # the attachment is deleted; the stale vpc_id goes
    assert table is not None and table.propagating_gateways == ()


def test_transit_gateway_routes_and_links(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_ec2_transit_gateway.t",
        {"default_route_table_association": "disable"},
        unknown={"id": True},
        expressions={},
    )
    plan.resource("aws_ec2_transit_gateway_route_table.rt", {}, unknown={"id": True, "transit_gateway_id": True},
                  expressions={"transit_gateway_id": ref("aws_ec2_transit_gateway.t.id")})  # fmt: skip
    plan.resource("aws_ec2_transit_gateway_vpc_attachment.a", {}, unknown={"id": True, "transit_gateway_id": True},
                  expressions={"transit_gateway_id": ref("aws_ec2_transit_gateway.t.id")})  # fmt: skip
    link = {"transit_gateway_attachment_id": ref("aws_ec2_transit_gateway_vpc_attachment.a.id"),
            "transit_gateway_route_table_id": ref("aws_ec2_transit_gateway_route_table.rt.id")}  # fmt: skip
    unknown = {
        "id": True,
        "transit_gateway_attachment_id": True,
        "transit_gateway_route_table_id": True,
    }
    plan.resource("aws_ec2_transit_gateway_route.r", {"destination_cidr_block": "0.0.0.0/0", "blackhole": False},
                  unknown=unknown, expressions=link)  # fmt: skip
    plan.resource(
        "aws_ec2_transit_gateway_route_table_association.a", {}, unknown=unknown, expressions=link
    )
    plan.resource(
        "aws_ec2_transit_gateway_route_table_propagation.a", {}, unknown=unknown, expressions=link
    )
    table = plan.load(tmp_path).get(
        "aws_ec2_transit_gateway_route_table.rt", TransitGatewayRouteTable
    )
    assert table is not None
    assert table.transit_gateway == "aws_ec2_transit_gateway.t"
    assert [(r.destination_cidr, r.attachment) for r in table.routes] == [
        ("0.0.0.0/0", "aws_ec2_transit_gateway_vpc_attachment.a")
    ]
    assert table.associations == table.propagations == ("aws_ec2_transit_gateway_vpc_attachment.a",)


def _group(plan: Plan, egress: list[dict[str, object]], declared: bool = False) -> Plan:
    expressions = {"egress": const(egress)} if declared else {}
    return plan.resource("aws_security_group.g", {"id": "sg-g", "vpc_id": "vpc-1", "name": "g", "ingress": [], "egress": egress},
                         actions=NOOP, expressions=expressions)  # fmt: skip


RULE = {"cidr_blocks": ["0.0.0.0/0"], "ipv6_cidr_blocks": [], "prefix_list_ids": [], "security_groups": [],
        "self": False, "protocol": "-1", "from_port": 0, "to_port": 0, "description": ""}  # fmt: skip


def test_new_security_group_without_egress_has_none(tmp_path: Path) -> None:
    plan = Plan().resource("aws_security_group.g", {"name": "g"}, unknown={"id": True, "ingress": True, "egress": True},
                           expressions={"name": const("g")})  # fmt: skip
    group = plan.load(tmp_path).get("aws_security_group.g", SecurityGroup)
    assert group is not None and group.egress == () and group.ingress == ()


def test_declared_but_unknown_inline_rules_are_unresolved(tmp_path: Path) -> None:
    plan = Plan().resource("aws_security_group.g", {"name": "g"}, unknown={"id": True, "egress": True},
                           expressions={"egress": ref("aws_security_group.other.id")})  # fmt: skip
    group = plan.load(tmp_path).get("aws_security_group.g", SecurityGroup)
    assert (
        group is not None
        and len(group.egress) == 1
        and isinstance(group.egress[0].protocol, Unresolved)
    )


def test_inline_rules_one_per_source_and_self(tmp_path: Path) -> None:
    rule = {**RULE, "protocol": "6", "from_port": 443, "to_port": 443, "cidr_blocks": ["10.0.0.0/8", "172.16.0.0/12"],
            "ipv6_cidr_blocks": ["::/0"], "prefix_list_ids": ["pl-1"], "security_groups": ["sg-other"], "self": True}  # fmt: skip
    plan = _group(Plan(), [rule], declared=True)
    group = plan.load(tmp_path).get("aws_security_group.g", SecurityGroup)
    assert group is not None
    found = {
        (r.protocol, r.from_port, r.cidr_ipv4, r.cidr_ipv6, r.prefix_list, r.security_group)
        for r in group.egress
    }
    assert found == {
        ("tcp", 443, "10.0.0.0/8", None, None, None),
        ("tcp", 443, "172.16.0.0/12", None, None, None),
        ("tcp", 443, None, "::/0", None, None),
        ("tcp", 443, None, None, "pl-1", None),
        ("tcp", 443, None, None, None, "sg-other"),
        ("tcp", 443, None, None, None, "aws_security_group.g"),
    }


def test_rule_resources_add_and_deleted_ones_remove(tmp_path: Path) -> None:
    https = {
        **RULE,
        "cidr_blocks": [],
        "security_groups": ["sg-g"],
        "protocol": "tcp",
        "from_port": 443,
        "to_port": 443,
    }
    plan = _group(_existing_vpc(Plan()), [RULE, https])
    plan.resource("aws_security_group_rule.all_out", {"type": "egress", "security_group_id": "sg-g", "protocol": "-1",
                  "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}, actions=DELETE)  # fmt: skip
    plan.resource("aws_security_group_rule.self_https", {"type": "egress", "security_group_id": "sg-g", "protocol": "tcp",
                  "from_port": 443, "to_port": 443, "self": True}, actions=NOOP, expressions={})  # fmt: skip
    plan.resource("aws_vpc_security_group_ingress_rule.in", {"security_group_id": "sg-g", "ip_protocol": "tcp",
                  "from_port": 443, "to_port": 443, "cidr_ipv4": "10.0.0.0/16"}, unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_vpc_security_group_egress_rule.gone", {"security_group_id": "sg-g", "ip_protocol": "-1",
                  "cidr_ipv4": "0.0.0.0/0"}, actions=DELETE)  # fmt: skip
    group = plan.load(tmp_path).get("aws_security_group.g", SecurityGroup)
    assert group is not None
    assert [(r.protocol, r.security_group, r.origin) for r in group.egress] == [
        ("tcp", "aws_security_group.g", "aws_security_group_rule.self_https")
    ]
    assert [(r.cidr_ipv4, r.origin) for r in group.ingress] == [
        ("10.0.0.0/16", "aws_vpc_security_group_ingress_rule.in")
    ]
    assert set(group.configured_by) == {
        "aws_security_group_rule.self_https",
        "aws_vpc_security_group_ingress_rule.in",
    }


def test_declared_inline_rules_survive_a_deleted_rule_resource(tmp_path: Path) -> None:
    plan = _group(Plan(), [RULE], declared=True)
    plan.resource("aws_security_group_rule.all_out", {"type": "egress", "security_group_id": "sg-g", "protocol": "-1",
                  "from_port": 0, "to_port": 0, "cidr_blocks": ["0.0.0.0/0"]}, actions=DELETE)  # fmt: skip
    group = plan.load(tmp_path).get("aws_security_group.g", SecurityGroup)
    assert group is not None and [r.cidr_ipv4 for r in group.egress] == ["0.0.0.0/0"]


def test_network_acl_rules_and_associations(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource(
        "aws_subnet.a",
        {"id": "subnet-a", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"},
        actions=NOOP,
        expressions={},
    )
    plan.resource(
        "aws_subnet.b",
        {"id": "subnet-b", "vpc_id": "vpc-1", "cidr_block": "10.0.2.0/24"},
        actions=NOOP,
        expressions={},
    )
    entry = {"rule_no": 100, "action": "allow", "protocol": "-1", "cidr_block": "0.0.0.0/0", "ipv6_cidr_block": "",
             "from_port": 0, "to_port": 0, "icmp_code": 0, "icmp_type": 0}  # fmt: skip
    plan.resource("aws_network_acl.n", {"id": "acl-n", "vpc_id": "vpc-1", "subnet_ids": ["subnet-a", "subnet-b"],
                  "ingress": [entry], "egress": [entry]}, actions=NOOP, expressions={})  # fmt: skip
    plan.resource("aws_network_acl_rule.out", {"network_acl_id": "acl-n", "rule_number": 100, "egress": True,
                  "protocol": "-1", "rule_action": "allow", "cidr_block": "0.0.0.0/0"}, actions=DELETE)  # fmt: skip
    plan.resource("aws_network_acl_rule.deny", {"network_acl_id": "acl-n", "rule_number": 90, "egress": True,
                  "protocol": "tcp", "rule_action": "deny", "cidr_block": "0.0.0.0/0", "from_port": 443, "to_port": 443},
                  unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource(
        "aws_network_acl_association.b",
        {"network_acl_id": "acl-n", "subnet_id": "subnet-b"},
        actions=DELETE,
    )
    acl = plan.load(tmp_path).get("aws_network_acl.n", NetworkAcl)
    assert acl is not None
    assert acl.subnets == ("aws_subnet.a",)
    assert [(e.rule_number, e.egress, e.allow, e.protocol) for e in acl.entries] == [
        (100, False, True, "-1"),
        (90, True, False, "tcp"),
    ]


def test_adopted_default_network_acl_and_security_group(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource("aws_default_network_acl.d", {"default_network_acl_id": "acl-default", "ingress": [], "egress": []},
                  unknown={"id": True}, expressions={"default_network_acl_id": ref("aws_vpc.main.default_network_acl_id")})  # fmt: skip
    plan.resource("aws_default_security_group.d", {"vpc_id": "vpc-1", "ingress": [], "egress": []},
                  unknown={"id": True}, expressions={"vpc_id": ref("aws_vpc.main.id")})  # fmt: skip
    inventory = plan.load(tmp_path)
    acl = inventory.get("aws_default_network_acl.d", NetworkAcl)
    assert acl is not None and acl.is_default and acl.entries == () and acl.vpc == "aws_vpc.main"
    assert inventory.get("aws_vpc.main#default-network-acl", NetworkAcl) is None
    assert inventory.get("aws_vpc.main#default-security-group", SecurityGroup) is None


def test_deleted_default_adopters_are_only_forgotten(tmp_path: Path) -> None:
    """Terraform cannot delete a default security group: it forgets it, rules and all."""
    plan = _existing_vpc(Plan())
    plan.resource("aws_default_security_group.d", {"id": "sg-default", "vpc_id": "vpc-1", "ingress": [], "egress": [RULE]},
                  actions=DELETE)  # fmt: skip
    inventory = plan.load(tmp_path)
    group = inventory.get("aws_default_security_group.d", SecurityGroup)
    assert group is not None and [r.cidr_ipv4 for r in group.egress] == ["0.0.0.0/0"]


def test_vpc_cidr_associations_prefix_list_entries(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource("aws_vpc_ipv4_cidr_block_association.extra", {"vpc_id": "vpc-1", "cidr_block": "100.64.0.0/16"},
                  unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource("aws_ec2_managed_prefix_list.pl", {"id": "pl-1", "name": "corp", "entry": [{"cidr": "10.1.0.0/16"}, {"cidr": "10.2.0.0/16"}]},
                  actions=NOOP, expressions={})  # fmt: skip
    plan.resource(
        "aws_ec2_managed_prefix_list_entry.gone",
        {"prefix_list_id": "pl-1", "cidr": "10.2.0.0/16"},
        actions=DELETE,
    )
    plan.resource("aws_ec2_managed_prefix_list_entry.new", {"prefix_list_id": "pl-1", "cidr": "10.3.0.0/16"},
                  unknown={"id": True}, expressions={})  # fmt: skip
    inventory = plan.load(tmp_path)
    vpc = inventory.get("aws_vpc.main", Vpc)
    assert vpc is not None and vpc.cidr_blocks == ("10.0.0.0/16", "100.64.0.0/16")
    main = inventory.get("aws_vpc.main#main", RouteTable)
    assert main is not None and [r.destination_cidr for r in main.routes] == [
        "10.0.0.0/16",
        "100.64.0.0/16",
    ]
    prefix_list = inventory.get("aws_ec2_managed_prefix_list.pl", PrefixList)
    assert prefix_list is not None and prefix_list.entries == ("10.1.0.0/16", "10.3.0.0/16")


def test_eni_security_group_attachment_and_elastic_ips(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_network_interface.n",
        {"id": "eni-1", "subnet_id": "subnet-x", "security_groups": []},
        actions=NOOP,
        expressions={},
    )
    plan.resource("aws_network_interface_sg_attachment.a", {"network_interface_id": "eni-1", "security_group_id": "sg-x"},
                  unknown={"id": True}, expressions={})  # fmt: skip
    plan.resource(
        "aws_instance.i",
        {"id": "i-1", "subnet_id": "subnet-x", "public_ip": ""},
        actions=NOOP,
        expressions={},
    )
    plan.resource("aws_eip.ip", {"domain": "vpc"}, unknown={"id": True, "public_ip": True, "instance": True},
                  expressions={"instance": ref("aws_instance.i.id")})  # fmt: skip
    plan.resource("aws_eip_association.eni", {"network_interface_id": "eni-1", "public_ip": "203.0.113.7"},
                  unknown={"id": True}, expressions={})  # fmt: skip
    inventory = plan.load(tmp_path)
    eni = inventory.get("aws_network_interface.n", NetworkInterface)
    assert eni is not None and eni.security_groups == ("sg-x",) and eni.public_ip == "203.0.113.7"
    instance = inventory.get("aws_instance.i", Instance)
    assert instance is not None and isinstance(instance.public_ip, Unresolved)
    assert instance.configured_by == ("aws_eip.ip",)


def test_policy_declared_on_both_forms_is_unresolved(tmp_path: Path) -> None:
    other = POLICY.replace("bedrock:InvokeModel", "bedrock:*")
    plan = _existing_vpc(Plan())
    plan.resource("aws_vpc_endpoint.e", {"id": "vpce-1", "vpc_id": "vpc-1", "service_name": "s", "vpc_endpoint_type": "Interface",
                  "policy": POLICY}, actions=NOOP, expressions={"policy": const(POLICY)})  # fmt: skip
    plan.resource(
        "aws_vpc_endpoint_policy.p",
        {"vpc_endpoint_id": "vpce-1", "policy": other},
        unknown={"id": True},
        expressions={},
    )
    endpoint = _endpoint(tmp_path, plan)
    assert (
        isinstance(endpoint.policy, Unresolved)
        and "declares its own policy" in endpoint.policy.reason
    )

    same = _existing_vpc(Plan())
    same.resource("aws_vpc_endpoint.e", {"id": "vpce-1", "vpc_id": "vpc-1", "service_name": "s", "vpc_endpoint_type": "Interface",
                  "policy": POLICY}, actions=NOOP, expressions={"policy": const(POLICY)})  # fmt: skip
    same.resource(
        "aws_vpc_endpoint_policy.p",
        {"vpc_endpoint_id": "vpce-1", "policy": POLICY},
        unknown={"id": True},
        expressions={},
    )
    assert isinstance(_endpoint(tmp_path, same).policy, dict)  # both say the same thing


def test_unplaceable_association_leaves_a_gap_on_the_subnet(tmp_path: Path) -> None:
    plan = _existing_vpc(Plan())
    plan.resource(
        "aws_subnet.s",
        {"id": "subnet-s", "vpc_id": "vpc-1", "cidr_block": "10.0.1.0/24"},
        actions=NOOP,
        expressions={},
    )
    plan.resource("aws_route_table_association.s", {"subnet_id": "subnet-s"}, unknown={"id": True, "route_table_id": True},
                  expressions={"route_table_id": ref("local.table")})  # fmt: skip
    plan.resource("aws_network_acl_association.s", {"subnet_id": "subnet-s", "network_acl_id": "acl-elsewhere"},
                  unknown={"id": True}, expressions={})  # fmt: skip
    inventory = plan.load(tmp_path)
    on_subnet = inventory.gaps_for("aws_subnet.s")
    assert {g.scope for g in on_subnet} == {
        "aws_route_table_association",
        "aws_network_acl_association",
    }
    assert len(inventory.gaps_for("aws_route_table_association.s")) == 1


def test_elastic_ip_of_a_nat_gateway_is_not_an_attachment(tmp_path: Path) -> None:
    """``aws_eip.network_interface`` computed by AWS (the NAT gateway's ENI) is no join."""
    plan = Plan().resource("aws_eip.nat", {"domain": "vpc", "network_interface": "eni-0nat", "public_ip": "198.51.100.4"},
                           actions=NOOP, expressions={"domain": const("vpc")})  # fmt: skip
    assert plan.load(tmp_path).gaps == []

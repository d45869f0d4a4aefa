"""The topologies of issue 4, built as inventory objects."""

from __future__ import annotations

from netbuild import ALL_EGRESS, ALL_EGRESS_V6, Net, T, U, acl_rule, hops, kinds, route

from airlock.analysis.reachability import PathOutcome, Reach, analyse
from airlock.inventory.model import SourceKind


def test_single_private_vpc_is_closed() -> None:
    net = Net()
    subnet = net.private_vpc()
    net.lambda_fn("Fn", [subnet.id], ["Sg"])
    net.sg("Sg", "Vpc", ALL_EGRESS)
    result = analyse(net.inventory())
    assert result.subject("VpcPrivate").reach is Reach.CLOSED
    assert result.subject("Fn").reach is Reach.CLOSED
    assert "no route out" in result.subject("Fn").reason


def test_nat_reached_through_a_public_subnet_is_open_with_every_hop() -> None:
    net = Net()
    private = net.nat_vpc()
    net.lambda_fn("Fn", [private.id], ["Sg"])
    net.sg("Sg", "Vpc", ALL_EGRESS)
    result = analyse(net.inventory())
    subnet = result.subject("VpcPrivate")
    assert subnet.reach is Reach.OPEN
    path = subnet.open_paths[0]
    assert hops(path) == [
        ("subnet", "VpcPrivate"),
        ("network-acl", "default network ACL (allows all)"),
        ("route-table", "VpcPrivateRt"),
        ("route", "VpcPrivateRt[0.0.0.0/0]"),
        ("nat-gateway", "VpcNat"),
        ("subnet", "VpcPublic"),
        ("route-table", "VpcPublicRt"),
        ("route", "VpcPublicRt[0.0.0.0/0]"),
        ("internet-gateway", "VpcIgw"),
        ("internet", "internet"),
    ]
    assert path.example is not None and path.example.endswith("to 1.0.0.0")
    fn = result.subject("Fn")
    assert fn.reach is Reach.OPEN
    assert kinds(fn.open_paths[0])[:3] == ["subject", "security-groups", "subnet"]
    as_json = path.as_json()
    assert as_json["hops"][4] == {
        "kind": "nat-gateway",
        "id": "VpcNat",
        "detail": "public NAT gateway",
    }


def test_public_subnet_open_for_subnet_but_not_for_lambda_without_public_ip() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])
    net.lambda_fn("Fn", ["Public"], ["Sg"])
    net.instance("WithIp", "Public", ["Sg"], associate_public_ip=True)
    net.instance("NoIp", "Public", ["Sg"])
    net.sg("Sg", "Vpc", ALL_EGRESS)
    result = analyse(net.inventory())
    assert result.subject("Public").reach is Reach.OPEN
    assert result.subject("WithIp").reach is Reach.OPEN
    fn = result.subject("Fn")
    assert fn.reach is Reach.CLOSED
    assert fn.paths[0].outcome is PathOutcome.BLOCKED
    assert "only carries traffic from public IPs" in fn.paths[0].reason
    assert result.subject("NoIp").reach is Reach.CLOSED


def test_ipv6_egress_only_gateway() -> None:
    net = Net()
    net.vpc("Vpc", ipv6=["2600:1f18:1::/56"])
    net.subnet("Dual", "Vpc", "10.0.1.0/24", ipv6_cidr_block="2600:1f18:1:1::/64")
    net.subnet("V4only", "Vpc", "10.0.2.0/24")
    net.eigw("Eigw", "Vpc")
    net.table(
        "Rt",
        "Vpc",
        route("::/0", T.EGRESS_ONLY_INTERNET_GATEWAY, "Eigw"),
        subnets=["Dual", "V4only"],
    )
    net.ecs("Svc", ["Dual"], ["Sg"])
    net.sg("Sg", "Vpc", ALL_EGRESS, ALL_EGRESS_V6)
    net.sg("V4Sg", "Vpc", ALL_EGRESS)
    net.ecs("V4Svc", ["Dual"], ["V4Sg"])
    result = analyse(net.inventory(), workload_subnets=frozenset({"V4only"}))
    dual = result.subject("Dual")
    assert dual.reach is Reach.OPEN
    assert ("egress-only-internet-gateway", "Eigw") in hops(dual.open_paths[0])
    assert dual.open_paths[0].example.endswith("to 2000::")
    assert result.subject("Svc").reach is Reach.OPEN
    # a security group with only IPv4 rules stops IPv6
    assert result.subject("V4Svc").reach is Reach.CLOSED
    # no IPv6 CIDR on the subnet: nothing can use the IPv6 route
    v4 = result.subject("V4only")
    assert v4.reach is Reach.CLOSED
    assert "no IPv6 address" in v4.paths[0].reason


def _hub_and_spoke(net: Net, egress_nat: bool = True) -> None:
    net.vpc("Spoke", "10.1.0.0/16")
    net.subnet("SpokeApp", "Spoke", "10.1.1.0/24")
    net.subnet("SpokeTgw", "Spoke", "10.1.9.0/28")
    net.table(
        "SpokeRt",
        "Spoke",
        route("0.0.0.0/0", T.TRANSIT_GATEWAY, "Tgw"),
        subnets=["SpokeApp", "SpokeTgw"],
    )
    net.vpc("Inspect", "10.100.0.0/16")
    net.subnet("InspectTgw", "Inspect", "10.100.0.0/28")
    net.subnet("InspectFw", "Inspect", "10.100.1.0/28")
    net.subnet("InspectPublic", "Inspect", "10.100.2.0/24")
    net.tgw("Tgw", default_route_table_association=False, default_route_table_propagation=False)
    net.attachment("SpokeAtt", "Tgw", "Spoke", ["SpokeTgw"])
    net.attachment("InspectAtt", "Tgw", "Inspect", ["InspectTgw"])
    from airlock.inventory.network import TransitGatewayRoute

    net.tgw_table(
        "SpokeTgwRt",
        "Tgw",
        TransitGatewayRoute("0.0.0.0/0", "InspectAtt"),
        associations=["SpokeAtt"],
    )
    net.tgw_table("InspectTgwRt", "Tgw", associations=["InspectAtt"], propagations=["SpokeAtt"])
    net.endpoint(
        "Firewall",
        "Inspect",
        "com.amazonaws.vpce.eu-central-1.vpce-svc-0fw",
        kind="GatewayLoadBalancer",
        subnets=("InspectFw",),
    )
    net.table(
        "InspectTgwSubRt",
        "Inspect",
        route("0.0.0.0/0", T.VPC_ENDPOINT, "Firewall"),
        subnets=["InspectTgw"],
    )
    if egress_nat:
        net.igw("InspectIgw", "Inspect")
        net.nat("InspectNat", "InspectPublic")
        net.table(
            "InspectFwRt",
            "Inspect",
            route("0.0.0.0/0", T.NAT_GATEWAY, "InspectNat"),
            route("10.0.0.0/8", T.TRANSIT_GATEWAY, "Tgw"),
            subnets=["InspectFw"],
        )
        net.table(
            "InspectPublicRt",
            "Inspect",
            route("0.0.0.0/0", T.INTERNET_GATEWAY, "InspectIgw"),
            route("10.0.0.0/8", T.TRANSIT_GATEWAY, "Tgw"),
            subnets=["InspectPublic"],
        )
    else:
        net.table(
            "InspectFwRt",
            "Inspect",
            route("10.0.0.0/8", T.TRANSIT_GATEWAY, "Tgw"),
            subnets=["InspectFw"],
        )
    net.lambda_fn("Fn", ["SpokeApp"], ["Sg"])
    net.sg("Sg", "Spoke", ALL_EGRESS)


def test_hub_and_spoke_transit_gateway_to_an_inspection_vpc_with_nat_leads_out() -> None:
    net = Net()
    _hub_and_spoke(net)
    result = analyse(net.inventory(), workload_subnets=frozenset({"SpokeApp"}))
    fn = result.subject("Fn")
    assert fn.reach is Reach.OPEN
    path_kinds = kinds(fn.open_paths[0])
    assert path_kinds.index("transit-gateway") < path_kinds.index("middlebox")
    assert path_kinds.index("middlebox") < path_kinds.index("nat-gateway")
    assert path_kinds[-2:] == ["internet-gateway", "internet"]
    assert ("transit-gateway-route-table", "SpokeTgwRt") in hops(fn.open_paths[0])


def test_hub_and_spoke_without_egress_is_closed() -> None:
    net = Net()
    _hub_and_spoke(net, egress_nat=False)
    result = analyse(net.inventory(), workload_subnets=frozenset({"SpokeApp"}))
    assert result.subject("SpokeApp").reach is Reach.CLOSED
    assert result.subject("Fn").reach is Reach.CLOSED


def test_transit_gateway_not_in_inventory_is_unknown() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("App", "Vpc")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.TRANSIT_GATEWAY, "tgw-0shared"), subnets=["App"])
    result = analyse(net.inventory(), workload_subnets=frozenset({"App"}))
    app = result.subject("App")
    assert app.reach is Reach.UNKNOWN
    assert "transit gateway tgw-0shared is not in the inventory" in app.reason


def test_implicit_default_transit_gateway_route_table_propagates_to_an_egress_vpc() -> None:
    net = Net()
    net.vpc("Spoke", "10.1.0.0/16")
    net.subnet("App", "Spoke", "10.1.1.0/24")
    net.table("SpokeRt", "Spoke", route("0.0.0.0/0", T.TRANSIT_GATEWAY, "Tgw"), subnets=["App"])
    net.tgw("Tgw")
    net.attachment("SpokeAtt", "Tgw", "Spoke", ["App"])
    net.attachment("OnPrem", "Tgw", None, kind="vpn")
    result = analyse(net.inventory(), workload_subnets=frozenset({"App"}))
    app = result.subject("App")
    # the VPN attachment propagates routes Airlock cannot know
    assert app.reach is Reach.UNKNOWN
    assert any("routes learned from vpn attachment OnPrem" in u for u in app.unknowns)


def test_peering_to_a_vpc_that_has_a_nat_does_not_lead_out() -> None:
    net = Net()
    net.vpc("Vpc", "10.0.0.0/16")
    net.subnet("App", "Vpc", "10.0.1.0/24")
    net.pcx("Pcx", "Vpc", "PeerVpc")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.VPC_PEERING, "Pcx"), subnets=["App"])
    net.nat_vpc("PeerVpc", "10.9.0.0/16")
    net.lambda_fn("Fn", ["App"], ["Sg"])
    net.sg("Sg", "Vpc", ALL_EGRESS)
    result = analyse(net.inventory())
    fn = result.subject("Fn")
    assert fn.reach is Reach.CLOSED
    contained = [p for p in fn.paths if p.outcome is PathOutcome.CONTAINED]
    assert contained and "peering is not transitive" in contained[0].reason
    assert ("vpc", "PeerVpc") in hops(contained[0])


def test_peering_to_a_vpc_outside_the_inventory_is_unknown() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("App", "Vpc")
    net.pcx("Pcx", "Vpc", "vpc-0other", peer_account="222233334444")
    net.table("Rt", "Vpc", route("10.50.0.0/16", T.VPC_PEERING, "Pcx"), subnets=["App"])
    result = analyse(net.inventory(), workload_subnets=frozenset({"App"}))
    app = result.subject("App")
    assert app.reach is Reach.UNKNOWN
    assert "peer VPC vpc-0other is not in the inventory (account 222233334444)" in app.reason


def test_more_specific_routes_override_the_default_route() -> None:
    net = Net()
    private = net.nat_vpc()
    rt = next(r for r in net.resources if r.id == "VpcPrivateRt")
    net.resources.remove(rt)
    net.table(
        "VpcPrivateRt",
        "Vpc",
        route("0.0.0.0/0", T.NAT_GATEWAY, "VpcNat"),
        route("0.0.0.0/1", T.GATEWAY_ENDPOINT, "S3"),
        route("128.0.0.0/1", T.GATEWAY_ENDPOINT, "S3"),
        subnets=[private.id],
    )
    result = analyse(net.inventory(), workload_subnets=frozenset({private.id}))
    assert result.subject(private.id).reach is Reach.CLOSED


def test_a_split_route_to_a_nat_still_leaks() -> None:
    net = Net()
    private = net.nat_vpc()
    rt = next(r for r in net.resources if r.id == "VpcPrivateRt")
    net.resources.remove(rt)
    net.table(
        "VpcPrivateRt",
        "Vpc",
        route("0.0.0.0/0", T.GATEWAY_ENDPOINT, "S3"),
        route("128.0.0.0/1", T.NAT_GATEWAY, "VpcNat"),
        subnets=[private.id],
    )
    result = analyse(net.inventory(), workload_subnets=frozenset({private.id}))
    subject = result.subject(private.id)
    assert subject.reach is Reach.OPEN
    assert subject.open_paths[0].example.endswith("to 128.0.0.0")


def test_nacl_deny_closes_the_path_and_names_the_rule() -> None:
    net = Net()
    private = net.nat_vpc()
    net.nacl("Acl", "Vpc", [private.id], acl_rule(90, False), acl_rule(100, True, "10.0.0.0/8"))
    result = analyse(net.inventory(), workload_subnets=frozenset({private.id}))
    subject = result.subject(private.id)
    assert subject.reach is Reach.CLOSED
    blocked = subject.paths[0]
    assert blocked.outcome is PathOutcome.BLOCKED
    assert "network ACL Acl: rule 90 denies" in blocked.reason
    assert "routing from VpcPrivate leads out, but blocked" in subject.reason


def test_nacl_that_denies_only_dns_leaves_other_traffic_open() -> None:
    net = Net()
    private = net.nat_vpc()
    net.nacl(
        "Acl",
        "Vpc",
        [private.id],
        acl_rule(90, False, protocol="17", ports=(53, 53)),
        acl_rule(100, True),
    )
    result = analyse(net.inventory(), workload_subnets=frozenset({private.id}))
    assert result.subject(private.id).reach is Reach.OPEN


def test_nacl_on_the_nat_subnet_applies_too() -> None:
    net = Net()
    private = net.nat_vpc()
    net.nacl(
        "PublicAcl",
        "Vpc",
        ["VpcPublic"],
        acl_rule(100, True, "10.0.0.0/8"),
        acl_rule(100, True, egress=False),
    )
    result = analyse(net.inventory(), workload_subnets=frozenset({private.id}))
    subject = result.subject(private.id)
    assert subject.reach is Reach.CLOSED
    assert "network ACL PublicAcl" in subject.paths[0].reason


def test_lambda_outside_a_vpc_always_has_egress() -> None:
    net = Net()
    net.lambda_fn("Fn")
    net.lambda_fn("Maybe", in_vpc=U("!If condition"))
    result = analyse(net.inventory())
    fn = result.subject("Fn")
    assert fn.reach is Reach.OPEN
    assert kinds(fn.paths[0]) == ["subject", "lambda-service-network", "internet"]
    assert result.subject("Maybe").reach is Reach.UNKNOWN


def test_vpn_gateway_route_is_an_egress_path() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("App", "Vpc")
    net.vgw("Vgw", "Vpc")
    net.table("Rt", "Vpc", route("192.168.0.0/16", T.VPN_GATEWAY, "Vgw"), subnets=["App"])
    result = analyse(net.inventory(), workload_subnets=frozenset({"App"}))
    app = result.subject("App")
    assert app.reach is Reach.OPEN
    assert kinds(app.open_paths[0])[-2:] == ["vpn-gateway", "external-network"]


def test_route_propagation_from_a_vpn_gateway_is_unknown() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("App", "Vpc")
    net.vgw("Vgw", "Vpc")
    net.table("Rt", "Vpc", subnets=["App"], propagating_gateways=("Vgw",))
    result = analyse(net.inventory(), workload_subnets=frozenset({"App"}))
    assert result.subject("App").reach is Reach.UNKNOWN


def test_live_inventory_with_explicit_propagated_routes_is_exact() -> None:
    net = Net(SourceKind.AWS)
    net.vpc("vpc-1")
    net.subnet("subnet-1", "vpc-1")
    net.vgw("vgw-1", "vpc-1")
    net.table(
        "rtb-1",
        "vpc-1",
        route("172.16.0.0/12", T.VPN_GATEWAY, "vgw-1", propagated=True),
        subnets=["subnet-1"],
        propagating_gateways=("vgw-1",),
    )
    result = analyse(net.inventory(), workload_subnets=frozenset({"subnet-1"}))
    assert result.subject("subnet-1").reach is Reach.OPEN


def test_subjects_placed_alike_share_a_judgment_but_keep_their_own_names() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("A", "Vpc", "10.0.1.0/24")
    net.subnet("B", "Vpc", "10.0.2.0/24")
    net.igw("Igw", "Vpc")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["A", "B"])
    net.sg("Sg", "Vpc", ALL_EGRESS)
    net.instance("One", "A", ["Sg"], associate_public_ip=True)
    net.instance("Two", "B", ["Sg"], associate_public_ip=True)
    net.instance("Three", "B", ["Sg"])
    result = analyse(net.inventory())
    one, two, three = (result.subject(n) for n in ("One", "Two", "Three"))
    assert one.reach is two.reach is Reach.OPEN
    assert "traffic from One" in one.reason and "traffic from Two" in two.reason
    assert hops(one.open_paths[0])[0] == ("subject", "One")
    assert hops(one.open_paths[0])[2] == ("subnet", "A")
    assert hops(two.open_paths[0])[2] == ("subnet", "B")
    assert three.reach is Reach.CLOSED
    assert "Three has none" in three.paths[0].reason

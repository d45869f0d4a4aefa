"""Unresolved values on a path give UNKNOWN with the reason; never PASS, never a false FAIL."""

from __future__ import annotations

from netbuild import ALL_EGRESS, Net, T, U, egress, route

from airlock.analysis.reachability import PathOutcome, Reach, analyse
from airlock.inventory.network import Route

W = "App"


def _vpc(net: Net, *routes: Route, **table: object) -> None:
    net.vpc("Vpc")
    net.subnet(W, "Vpc", "10.0.1.0/24")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("Nat", "Public")
    net.table("PublicRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])
    net.table("Rt", "Vpc", *routes, subnets=[W], **table)  # type: ignore[arg-type]


def _reach(net: Net, subject: str = W) -> tuple[Reach, str]:
    result = analyse(net.inventory(), workload_subnets=frozenset({W}))
    found = result.subject(subject)
    assert found is not None
    return found.reach, found.reason


def test_unresolved_route_target_is_unknown() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, U("Fn::ImportValue NatId")))
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "NAT gateway is unresolved (Fn::ImportValue NatId)" in reason


def test_unknown_route_target_kind_is_unknown() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.UNKNOWN, "something"))
    assert _reach(net)[0] is Reach.UNKNOWN


def test_internet_gateway_with_unresolved_id_is_still_an_exit() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.INTERNET_GATEWAY, U("Fn::ImportValue Igw")))
    assert _reach(net)[0] is Reach.OPEN


def test_unresolved_association_makes_the_subnet_unknown() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet(W, "Vpc")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.table(
        "Leaky",
        "Vpc",
        route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"),
        subnets=[U("Fn::ImportValue SubnetId")],
    )
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "associations that cannot be resolved" in reason


def test_subnet_with_explicit_association_is_not_ambiguous() -> None:
    net = Net()
    _vpc(net)
    net.table(
        "Leaky",
        "Vpc",
        route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"),
        subnets=[U("Fn::ImportValue SubnetId")],
    )
    assert _reach(net)[0] is Reach.CLOSED


def test_one_unresolved_destination_cannot_hide_a_default_route_leak() -> None:
    net = Net()
    _vpc(
        net,
        route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
        route(U("Ref OnPremCidr"), T.TRANSIT_GATEWAY, "tgw-1"),
    )
    assert _reach(net)[0] is Reach.OPEN


def test_two_unresolved_destinations_could_shadow_the_whole_default_route() -> None:
    net = Net()
    _vpc(
        net,
        route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
        route(U("Ref A"), T.GATEWAY_ENDPOINT, "S3"),
        route(U("Ref B"), T.GATEWAY_ENDPOINT, "S3"),
    )
    assert _reach(net)[0] is Reach.UNKNOWN


def test_unresolved_destination_to_a_nat_is_unknown_not_closed() -> None:
    net = Net()
    _vpc(net, route(U("Ref Cidr"), T.NAT_GATEWAY, "Nat"))
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "destination of route Rt[" in reason


def test_unresolved_security_group_makes_compute_unknown() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.lambda_fn("Fn", [W], [U("Ref SecurityGroup")])
    reach, reason = _reach(net, "Fn")
    # no security group is known, so only an unknown one could allow egress
    assert reach is Reach.UNKNOWN
    assert "a security group of Fn is unresolved" in reason


def test_security_group_with_no_egress_rules_blocks() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.lambda_fn("Fn", [W], ["Closed"])
    net.sg("Closed", "Vpc")
    result = analyse(net.inventory())
    fn = result.subject("Fn")
    assert fn.reach is Reach.CLOSED
    assert fn.paths[0].outcome is PathOutcome.BLOCKED
    assert result.subject(W).reach is Reach.OPEN


def test_security_group_restricted_to_the_vpc_blocks() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.lambda_fn("Fn", [W], ["Sg"])
    net.sg("Sg", "Vpc", egress("tcp", 443, 443, "10.0.0.0/16"))
    assert _reach(net, "Fn")[0] is Reach.CLOSED


def test_security_group_with_unresolved_cidr_is_unknown() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.lambda_fn("Fn", [W], ["Sg"])
    net.sg("Sg", "Vpc", egress("tcp", 443, 443, U("Ref AllowedCidr")))
    assert _reach(net, "Fn")[0] is Reach.UNKNOWN


def test_no_security_group_means_the_default_group_allows_all() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.ecs("Svc", [W])
    assert _reach(net, "Svc")[0] is Reach.OPEN


def test_default_security_group_in_the_inventory_is_used() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.ecs("Svc", [W])
    net.sg("Default", "Vpc", is_default=True)
    assert _reach(net, "Svc")[0] is Reach.CLOSED


def test_compute_in_a_subnet_outside_the_inventory_is_unknown() -> None:
    net = Net()
    net.lambda_fn("Fn", ["subnet-0abc", U("Ref PrivateSubnets")], ["Sg"])
    net.sg("Sg", None, ALL_EGRESS)
    result = analyse(net.inventory())
    fn = result.subject("Fn")
    assert fn.reach is Reach.UNKNOWN
    assert "subnet subnet-0abc of Fn is not in the inventory" in fn.unknowns
    assert result.workload.unplaced


def test_prefix_list_route_to_a_gateway_endpoint_keeps_s3_traffic_in() -> None:
    net = Net()
    _vpc(
        net,
        route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
        route("pl-6ea54007", T.GATEWAY_ENDPOINT, "S3"),
    )
    net.lambda_fn("Fn", [W], ["Sg"])
    net.sg(
        "Sg",
        "Vpc",
        egress("tcp", 443, 443, "10.0.0.0/16"),
        egress("tcp", 443, 443, prefix_list="pl-6ea54007"),
    )
    assert _reach(net, "Fn")[0] is Reach.CLOSED
    # the subnet itself still leaks through the NAT gateway (the prefix list is small)
    assert _reach(net)[0] is Reach.OPEN


def test_unknown_prefix_list_in_security_group_without_its_route_is_unknown() -> None:
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.lambda_fn("Fn", [W], ["Sg"])
    net.sg("Sg", "Vpc", egress("tcp", 443, 443, prefix_list="pl-6ea54007"))
    assert _reach(net, "Fn")[0] is Reach.UNKNOWN


def test_known_prefix_list_is_expanded() -> None:
    net = Net()
    net.prefix_list("Corp", "203.0.113.0/24", "198.51.100.0/24")
    _vpc(net, route(None, T.NAT_GATEWAY, "Nat", destination_prefix_list="Corp"))
    # documentation ranges are not public: nothing leaves
    assert _reach(net)[0] is Reach.CLOSED
    net2 = Net()
    net2.prefix_list("Corp", "8.8.8.0/24")
    _vpc(net2, route(None, T.NAT_GATEWAY, "Nat", destination_prefix_list="Corp"))
    reach, reason = _reach(net2)
    assert reach is Reach.OPEN
    assert "8.8.8.0" in reason


def test_private_nat_gateway_does_not_reach_the_internet() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet(W, "Vpc", "10.0.1.0/24")
    net.subnet("Transit", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("PrivateNat", "Transit", connectivity="private")
    net.table(
        "TransitRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Transit"]
    )
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.NAT_GATEWAY, "PrivateNat"), subnets=[W])
    result = analyse(net.inventory(), workload_subnets=frozenset({W}))
    subject = result.subject(W)
    assert subject.reach is Reach.CLOSED
    assert any("drops traffic" in p.reason for p in subject.paths)


def test_nat_instance_with_a_public_ip_leads_out() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet(W, "Vpc", "10.0.1.0/24")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.instance("NatBox", "Public", associate_public_ip=True)
    net.table("PublicRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.INSTANCE, "NatBox"), subnets=[W])
    result = analyse(net.inventory(), workload_subnets=frozenset({W}))
    assert result.subject(W).reach is Reach.OPEN
    assert any(h.kind.value == "middlebox" for h in result.subject(W).open_paths[0].hops)


def test_routing_loop_terminates() -> None:
    net = Net()
    net.vpc("A", "10.1.0.0/16")
    net.subnet(W, "A", "10.1.1.0/24")
    net.table("RtA", "A", route("0.0.0.0/0", T.TRANSIT_GATEWAY, "Tgw"), subnets=[W])
    net.vpc("B", "10.2.0.0/16")
    net.subnet("BTgw", "B", "10.2.0.0/28")
    net.table("RtB", "B", route("0.0.0.0/0", T.TRANSIT_GATEWAY, "Tgw"), subnets=["BTgw"])
    net.tgw("Tgw")
    net.attachment("AttA", "Tgw", "A", [W])
    net.attachment("AttB", "Tgw", "B", ["BTgw"])
    from airlock.inventory.network import TransitGatewayRoute

    net.tgw_table(
        "TgwRt", "Tgw", TransitGatewayRoute("0.0.0.0/0", "AttB"), associations=["AttA", "AttB"]
    )
    assert _reach(net)[0] is Reach.CLOSED


def _module_vpc(net: Net) -> None:
    """NAT egress as terraform-aws-modules/vpc plans it: subnets and route tables name their
    VPC through a module local, so the plan shows the VPC ids (and the local routes) as
    unresolved, while the NAT gateway and internet gateway are known."""
    vpc = U("known after apply: module.vpc.aws_subnet.intra[0].vpc_id")
    local = Route(T.LOCAL, "local", destination_cidr=U("the CIDR of VPC <unresolved> is not known"))
    net.vpc("Vpc")
    net.subnet(W, vpc, "10.0.1.0/24")
    net.subnet("Public", vpc, "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("Nat", "Public")
    net.table("PublicRt", vpc, local, route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"))
    net.replace("PublicRt", subnets=("Public",))
    net.table("Rt", vpc, local, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"), subnets=[W])


def test_unresolved_vpc_ids_cannot_hide_a_nat_leak() -> None:
    # a local route holds one CIDR block of the VPC: it cannot take the default route
    net = Net()
    _module_vpc(net)
    reach, reason = _reach(net)
    assert reach is Reach.OPEN
    assert "nat-gateway Nat > 0.0.0.0/0 -> internet-gateway Igw" in reason


def test_gateway_endpoint_prefix_lists_cannot_hide_a_default_route_leak() -> None:
    # S3 and DynamoDB gateway endpoints planned with their prefix lists known after apply
    pending = U("known after apply: aws_vpc_endpoint.s3.prefix_list_id")
    net = Net()
    _vpc(
        net,
        route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
        Route(T.GATEWAY_ENDPOINT, "S3", destination_prefix_list=pending),
        Route(T.GATEWAY_ENDPOINT, "Dynamo", destination_prefix_list=pending),
    )
    assert _reach(net)[0] is Reach.OPEN


def test_an_unknown_path_names_the_routes_that_could_take_its_destinations() -> None:
    net = Net()
    _vpc(
        net,
        route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
        route(U("Ref A"), T.GATEWAY_ENDPOINT, "S3"),
        route(U("Ref B"), T.GATEWAY_ENDPOINT, "S3"),
    )
    result = analyse(net.inventory(), workload_subnets=frozenset({W}))
    found = result.subject(W)
    assert found is not None and found.reach is Reach.UNKNOWN
    assert "(Ref A)" in found.reason
    assert any("(Ref B)" in u for u in found.unknowns)
    assert all(p.unknowns for p in found.paths if p.outcome is PathOutcome.UNKNOWN)


def test_an_unknown_source_cidr_behind_a_nat_is_named() -> None:
    # the NAT gateway subnet's network ACL judges the source, which cannot be known
    net = Net()
    _vpc(net, route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"))
    net.replace(W, cidr_block=U("Ref AppCidr"))
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "the CIDR of subnet App is not known (<unresolved: Ref AppCidr>)" in reason

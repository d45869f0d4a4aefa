"""Less common routing: NAT64, transit gateway corners, carriers, VPCs outside the inventory."""

from __future__ import annotations

from netbuild import ALL_EGRESS_V6, Net, T, U, route

from airlock.analysis.reachability import Reach, analyse
from airlock.inventory.model import SourceKind
from airlock.inventory.network import TransitGatewayRoute

W = "App"


def _reach(net: Net) -> tuple[Reach, str]:
    result = analyse(net.inventory(), workload_subnets=frozenset({W}))
    found = result.subject(W)
    assert found is not None
    return found.reach, found.reason


def _nat_vpc(net: Net, connectivity: object = "public") -> None:
    net.vpc("Vpc", ipv6=["2600:1f18:1::/56"])
    net.subnet(W, "Vpc", "10.0.1.0/24", ipv6_cidr_block="2600:1f18:1:1::/64")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("Nat", "Public", connectivity=connectivity)  # type: ignore[arg-type]
    net.table("PublicRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])


def test_nat64_route_leaks_ipv6_traffic_through_the_nat_gateway() -> None:
    net = Net()
    _nat_vpc(net)
    net.table("Rt", "Vpc", route("64:ff9b::/96", T.NAT_GATEWAY, "Nat"), subnets=[W])
    net.ecs("Svc", [W], ["Sg"])
    net.sg("Sg", "Vpc", ALL_EGRESS_V6)
    result = analyse(net.inventory())
    svc = result.subject("Svc")
    assert svc.reach is Reach.OPEN
    assert svc.open_paths[0].example.endswith("to 64:ff9b::")


def test_unresolved_nat_connectivity_is_unknown() -> None:
    net = Net()
    _nat_vpc(net, connectivity=U("Ref Connectivity"))
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"), subnets=[W])
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "connectivity of NAT gateway Nat is unresolved" in reason


def test_carrier_and_local_gateways_lead_outside() -> None:
    for kind in (T.CARRIER_GATEWAY, T.LOCAL_GATEWAY):
        net = Net()
        net.vpc("Vpc")
        net.subnet(W, "Vpc")
        net.table("Rt", "Vpc", route("0.0.0.0/0", kind, "gw-1"), subnets=[W])
        assert _reach(net)[0] is Reach.OPEN


def test_core_network_is_unknown() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet(W, "Vpc")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.CORE_NETWORK, "core-network-1"), subnets=[W])
    assert _reach(net)[0] is Reach.UNKNOWN


def _spoke(net: Net, **tgw: object) -> None:
    net.vpc("Vpc", "10.1.0.0/16")
    net.subnet(W, "Vpc", "10.1.1.0/24")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.TRANSIT_GATEWAY, "Tgw"), subnets=[W])
    net.tgw("Tgw", **tgw)
    net.attachment("Att", "Tgw", "Vpc", [W])


def test_transit_gateway_blackhole_and_no_association() -> None:
    net = Net()
    _spoke(net, default_route_table_association=False)
    net.tgw_table(
        "TgwRt", "Tgw", TransitGatewayRoute("0.0.0.0/0", None, blackhole=True), associations=["Att"]
    )
    assert _reach(net)[0] is Reach.CLOSED
    net = Net()
    _spoke(net, default_route_table_association=False)
    reach, _ = _reach(net)
    assert reach is Reach.CLOSED


def test_transit_gateway_vpn_and_peering_attachments() -> None:
    net = Net()
    _spoke(net, default_route_table_association=False)
    net.attachment("Vpn", "Tgw", None, kind="vpn")
    net.tgw_table("TgwRt", "Tgw", TransitGatewayRoute("0.0.0.0/0", "Vpn"), associations=["Att"])
    assert _reach(net)[0] is Reach.OPEN
    net = Net()
    _spoke(net, default_route_table_association=False)
    net.attachment("Peer", "Tgw", None, kind="peering")
    net.tgw_table("TgwRt", "Tgw", TransitGatewayRoute("0.0.0.0/0", "Peer"), associations=["Att"])
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "peering attachment Peer" in reason


def test_transit_gateway_route_to_unresolved_attachment_is_unknown() -> None:
    net = Net()
    _spoke(net, default_route_table_association=False)
    net.tgw_table(
        "TgwRt", "Tgw", TransitGatewayRoute("0.0.0.0/0", U("Ref Attachment")), associations=["Att"]
    )
    assert _reach(net)[0] is Reach.UNKNOWN


def test_live_transit_gateway_without_known_route_table_is_unknown() -> None:
    net = Net(SourceKind.AWS)
    _spoke(net)
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "no route table of transit gateway Tgw is associated" in reason


def test_propagated_vpc_routes_stay_inside() -> None:
    net = Net()
    _spoke(net, default_route_table_association=False)
    net.vpc("Shared", "10.2.0.0/16")
    net.subnet("SharedTgw", "Shared", "10.2.0.0/28")
    net.attachment("SharedAtt", "Tgw", "Shared", ["SharedTgw"])
    net.tgw_table("TgwRt", "Tgw", associations=["Att"], propagations=["SharedAtt"])
    result = analyse(net.inventory(), workload_subnets=frozenset({W}))
    subject = result.subject(W)
    assert subject.reach is Reach.CLOSED
    assert any("delivered to VPC Shared" in p.reason for p in subject.paths)


def test_subnet_of_a_vpc_outside_the_inventory_still_leaks_through_a_default_route() -> None:
    net = Net()
    net.subnet(W, "vpc-0elsewhere", "10.0.1.0/24")
    net.table("Rt", "vpc-0elsewhere", route("0.0.0.0/0", T.INTERNET_GATEWAY, "igw-1"), subnets=[W])
    assert _reach(net)[0] is Reach.OPEN


def test_subnet_with_unresolved_vpc_and_no_association_is_unknown() -> None:
    net = Net()
    net.subnet(W, U("Ref VpcId"), "10.0.1.0/24")
    reach, reason = _reach(net)
    assert reach is Reach.UNKNOWN
    assert "its main route table is unknown" in reason


def test_gateway_load_balancer_endpoint_outside_the_inventory_is_unknown() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet(W, "Vpc")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.VPC_ENDPOINT, "vpce-0firewall"), subnets=[W])
    assert _reach(net)[0] is Reach.UNKNOWN

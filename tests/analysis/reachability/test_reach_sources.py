"""The analysis over inventories loaded through ``airlock.sources.load``: small CloudFormation
templates and Terraform plans, as users write them."""

from __future__ import annotations

from pathlib import Path

from planbuild import resource, write_plan

from airlock.analysis.reachability import PathOutcome, Reach, analyse
from airlock.controls.catalog.network import CONTROLS
from airlock.controls.engine import run
from airlock.controls.model import Settings, Status
from airlock.inventory.model import SourceKind
from airlock.sources import load

FIXTURES = Path(__file__).parent / "fixtures"


def _cfn(name: str):  # type: ignore[no-untyped-def]
    return load(SourceKind.CLOUDFORMATION, str(FIXTURES / name))


def test_cfn_nat_with_separate_routes_and_a_parameter_route() -> None:
    result = analyse(_cfn("nat_with_parameter_route.yaml"))
    app = result.subject("App")
    assert app.reach is Reach.OPEN
    ids = [h.id for h in app.open_paths[0].hops]
    assert ids[:5] == ["App", "Vpc#default-network-acl", "AppRt", "AppDefault", "Nat"]
    assert ids[-3:] == ["PublicDefault", "Igw", "internet"]
    # the parameter route to an outside transit gateway cannot hide the NAT default route
    assert [w.subnet.id for w in result.workload.subnets] == ["App"]


def test_cfn_hub_and_spoke_through_transit_gateway_to_egress_vpc() -> None:
    result = analyse(_cfn("hub_and_spoke_egress.yaml"))
    spoke = result.subject("SpokeApp")
    assert spoke.reach is Reach.OPEN
    kinds = [h.kind.value for h in spoke.open_paths[0].hops]
    assert "transit-gateway-route-table" in kinds and "nat-gateway" in kinds
    assert kinds[-2:] == ["internet-gateway", "internet"]


def test_cfn_peering_to_a_nat_vpc_is_closed_and_to_a_partner_unknown() -> None:
    inventory = _cfn("peering_and_lambda.yaml")
    result = analyse(inventory)
    fn = result.subject("InVpc")
    assert fn.reach is Reach.UNKNOWN
    assert any("vpc-0partner00000000" in u for u in fn.unknowns)
    report = run(CONTROLS, inventory, Settings())
    by = {(f.control_id, f.resource.id): f for f in report.findings}
    assert by[("AL-NET-003", "Outside")].status is Status.FAIL
    assert by[("AL-NET-003", "InVpc")].status is Status.PASS
    assert by[("AL-NET-001", "App")].status is Status.UNKNOWN
    # CloudFormation adds allow-all egress to a group that declares none
    assert by[("AL-NET-008", "InVpc")].status is Status.FAIL


def test_cfn_peering_without_the_partner_route_passes(tmp_path: Path) -> None:
    text = (FIXTURES / "peering_and_lambda.yaml").read_text()
    start = text.index("  ToPartner:")
    end = text.index("  Peer:\n")
    template = tmp_path / "peering.yaml"
    template.write_text(text[:start] + text[end:])
    result = analyse(load(SourceKind.CLOUDFORMATION, str(template)))
    app = result.subject("App")
    assert app.reach is Reach.CLOSED
    contained = [p for p in app.paths if p.outcome is PathOutcome.CONTAINED]
    assert "peering is not transitive" in contained[0].reason


def _vpc_with_nat(prefix: str, cidr: str) -> list[dict[str, object]]:
    base = cidr.rsplit(".", 2)[0]
    return [
        resource(f"aws_vpc.{prefix}", {"cidr_block": cidr}),
        resource(
            f"aws_subnet.{prefix}_public",
            {"cidr_block": f"{base}.0.0/24"},
            {"vpc_id": f"aws_vpc.{prefix}"},
        ),
        resource(f"aws_internet_gateway.{prefix}", {}, {"vpc_id": f"aws_vpc.{prefix}"}),
        resource(
            f"aws_nat_gateway.{prefix}",
            {"connectivity_type": "public"},
            {"subnet_id": f"aws_subnet.{prefix}_public"},
        ),
        resource(f"aws_route_table.{prefix}_public", {}, {"vpc_id": f"aws_vpc.{prefix}"}),
        resource(
            f"aws_route.{prefix}_public_default",
            {"destination_cidr_block": "0.0.0.0/0"},
            {
                "route_table_id": f"aws_route_table.{prefix}_public",
                "gateway_id": f"aws_internet_gateway.{prefix}",
            },
        ),
        resource(
            f"aws_route_table_association.{prefix}_public",
            {},
            {
                "route_table_id": f"aws_route_table.{prefix}_public",
                "subnet_id": f"aws_subnet.{prefix}_public",
            },
        ),
    ]


def _app(target: dict[str, str]) -> list[dict[str, object]]:
    return [
        resource(
            "aws_subnet.app",
            {"cidr_block": "10.0.1.0/24", "tags": {"airlock:workload": "true"}},
            {"vpc_id": "aws_vpc.main"},
        ),
        resource("aws_route_table.app", {}, {"vpc_id": "aws_vpc.main"}),
        resource(
            "aws_route.app_default",
            {"destination_cidr_block": "0.0.0.0/0"},
            {"route_table_id": "aws_route_table.app", **target},
        ),
        resource(
            "aws_route_table_association.app",
            {},
            {"route_table_id": "aws_route_table.app", "subnet_id": "aws_subnet.app"},
        ),
    ]


def test_terraform_plan_nat_gateway_leaks(tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "nat.plan.json",
        *_vpc_with_nat("main", "10.0.0.0/16"),
        *_app({"nat_gateway_id": "aws_nat_gateway.main"}),
    )
    result = analyse(load(SourceKind.TERRAFORM_PLAN, path))
    app = result.subject("aws_subnet.app")
    assert app.reach is Reach.OPEN
    ids = [h.id for h in app.open_paths[0].hops]
    assert "aws_route.app_default" in ids and "aws_internet_gateway.main" in ids


def test_terraform_plan_peering_to_a_nat_vpc_does_not_leak(tmp_path: Path) -> None:
    path = write_plan(
        tmp_path / "peering.plan.json",
        resource("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}),
        *_vpc_with_nat("peer", "10.9.0.0/16"),
        resource(
            "aws_vpc_peering_connection.main",
            {"auto_accept": True},
            {"vpc_id": "aws_vpc.main", "peer_vpc_id": "aws_vpc.peer"},
        ),
        *_app({"vpc_peering_connection_id": "aws_vpc_peering_connection.main"}),
    )
    result = analyse(load(SourceKind.TERRAFORM_PLAN, path))
    app = result.subject("aws_subnet.app")
    assert app.reach is Reach.CLOSED, app.reason


def test_cfn_network_from_another_stack_is_unknown_not_pass() -> None:
    report = run(CONTROLS, _cfn("parameterised_network.yaml"), Settings())
    by = {f.control_id: f for f in report.findings}
    assert by["AL-NET-001"].status is Status.UNKNOWN
    assert "parameter SubnetIds has no default" in by["AL-NET-001"].reason
    for control in ("AL-NET-004", "AL-NET-005", "AL-NET-006", "AL-NET-009", "AL-NET-010"):
        assert by[control].status is Status.UNKNOWN, control
        assert "the workload's subnets are not in the inventory" in by[control].reason
    # 10.0.0.0/16 may be the VPC's own CIDR: not a FAIL
    assert by["AL-NET-008"].status is Status.UNKNOWN
    assert by["AL-NET-007"].status is Status.FAIL
    assert by["AL-NET-003"].status is Status.PASS

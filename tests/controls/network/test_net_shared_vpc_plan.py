"""A Terraform plan that adds a workload subnet to a shared VPC it does not manage: the VPC,
its endpoints and its flow logs are data sources, only known by their ids."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "analysis" / "reachability"))

from planbuild import resource, write_plan

from airlock.controls.catalog.network import CONTROLS
from airlock.controls.engine import run
from airlock.controls.model import Finding, Settings, Status
from airlock.inventory.model import SourceKind
from airlock.sources import load

VPC = "vpc-0f3a9c2b7d1e4a5b6"
ENDPOINT = "vpce-0c9d8e7f6a5b4c3d2"


def _plan(tmp_path: Path, *extra: dict[str, object]) -> dict[tuple[str, str], Finding]:
    path = write_plan(
        tmp_path / "plan.json",
        resource(
            "aws_subnet.app",
            {"vpc_id": VPC, "cidr_block": "10.64.40.0/22", "tags": {"airlock:workload": "true"}},
        ),
        resource("aws_route_table.app", {"vpc_id": VPC}),
        resource(
            "aws_route_table_association.app",
            {},
            {"subnet_id": "aws_subnet.app", "route_table_id": "aws_route_table.app"},
        ),
        *extra,
    )
    report = run(CONTROLS, load(SourceKind.TERRAFORM_PLAN, path), Settings())
    return {(f.control_id, f.resource.id): f for f in report.findings}


def test_endpoints_and_flow_logs_of_a_shared_vpc_are_unknown(tmp_path: Path) -> None:
    association = resource(
        "aws_vpc_endpoint_route_table_association.s3",
        {"vpc_endpoint_id": ENDPOINT},
        {"route_table_id": "aws_route_table.app"},
    )
    by = _plan(tmp_path, association)
    s3 = by[("AL-NET-005", "aws_route_table.app")]
    assert s3.status is Status.UNKNOWN
    assert f"{ENDPOINT} (through aws_vpc_endpoint_route_table_association.s3)" in s3.reason
    for control in ("AL-NET-004", "AL-NET-010"):
        found = by[(control, VPC)]
        assert found.status is Status.UNKNOWN, control
        assert f"VPC {VPC} is not in the inventory" in found.reason


def test_a_shared_vpc_without_an_endpoint_association_is_unknown(tmp_path: Path) -> None:
    s3 = _plan(tmp_path)[("AL-NET-005", "aws_route_table.app")]
    assert s3.status is Status.UNKNOWN
    assert f"VPC {VPC} is not in the inventory" in s3.reason

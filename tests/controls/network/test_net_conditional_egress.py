"""AL-NET-001 on paths through resources created only under an undecided condition."""

from __future__ import annotations

import json

from netcontrols import Net, T, compliant, route

from airlock.controls.catalog.network_egress import NO_EGRESS_PATH
from airlock.controls.engine import run
from airlock.controls.model import Finding, Settings, Status
from airlock.inventory.model import CoverageGap, Inventory

WHY = (
    "judged as if created, but it exists only if its condition IsDev holds (condition IsDev "
    "cannot be evaluated: parameter Environment has no default)"
)


def _with_dev_nat(net: Net, *more_routes: object) -> Net:
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("Nat", "Public")
    net.table("PublicRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])
    net.replace("PrivateRt", routes=(route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"), *more_routes))
    return net


def _findings(net: Net, *conditional: str) -> dict[str, Finding]:
    gaps = [CoverageGap(c, WHY, resource_id=c) for c in conditional]
    inventory = Inventory(net.inventory().source, net.resources, gaps)
    report = run([NO_EGRESS_PATH], inventory, Settings())
    for finding in report.findings:
        json.dumps(finding.as_json())
    return {f.resource.id: f for f in report.findings}


def test_path_only_through_a_conditional_nat_is_unknown() -> None:
    found = _findings(_with_dev_nat(compliant()), "Nat")["PrivateA"]
    assert found.status is Status.UNKNOWN
    assert "the path out through nat-gateway Nat exists only if its condition IsDev holds" in (
        found.reason
    )
    paths = found.as_json()["evidence"]["paths"]
    assert any(h["id"] == "Nat" for p in paths for h in p["hops"])
    # unconditional, the same deployment fails
    assert _findings(_with_dev_nat(compliant()))["PrivateA"].status is Status.FAIL


def test_unconditional_igw_route_keeps_the_fail() -> None:
    net = _with_dev_nat(compliant(), route("1.1.1.0/24", T.INTERNET_GATEWAY, "Igw"))
    found = _findings(net, "Nat")["PrivateA"]
    assert found.status is Status.FAIL
    assert "1.1.1.0/24 -> internet-gateway Igw" in found.reason

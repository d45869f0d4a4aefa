"""The network catalog as a whole: metadata, the compliant deployment, one analysis per scan."""

from __future__ import annotations

from netcontrols import Net, T, compliant, route

from airlock.analysis import reachability as reach_pkg
from airlock.controls.catalog.network import CONTROLS
from airlock.controls.engine import run
from airlock.controls.model import Layer, Settings, Status
from airlock.inventory.model import Unresolved as U


def test_ten_controls_with_complete_metadata() -> None:
    assert [c.id for c in CONTROLS] == [f"AL-NET-{n:03d}" for n in range(1, 11)]
    for control in CONTROLS:
        assert control.layer is Layer.NETWORK
        assert control.title and not control.title.lower().startswith("ensure")
        assert len(control.rationale) > 80 and len(control.remediation) > 40
        assert control.topics


def test_compliant_deployment_passes_every_network_control() -> None:
    report = run(CONTROLS, compliant().inventory(), Settings())
    bad = [
        (f.control_id, f.resource.id, f.reason)
        for f in report.findings
        if f.status is not Status.PASS
    ]
    assert bad == []
    assert {f.control_id for f in report.findings} == {c.id for c in CONTROLS}


def test_analysis_runs_once_per_scan(monkeypatch: object) -> None:
    calls = []
    real = reach_pkg.analyse

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    import airlock.controls.catalog.network_common as common

    monkeypatch.setattr(common, "analyse", counting)  # type: ignore[attr-defined]
    run(CONTROLS, compliant().inventory(), Settings())
    assert len(calls) == 1


def test_empty_inventory_is_not_applicable_or_unknown_never_pass() -> None:
    report = run(CONTROLS, Net().inventory(), Settings())
    assert {f.status for f in report.findings} <= {Status.NOT_APPLICABLE}
    net = Net()
    net.vpc("Vpc")
    net.subnet("Orphan", "Vpc")
    report = run(CONTROLS, net.inventory(), Settings())
    statuses = {f.control_id: f.status for f in report.findings}
    assert statuses["AL-NET-001"] is Status.UNKNOWN
    assert "no workload subnet identified" in next(
        f.reason for f in report.findings if f.control_id == "AL-NET-001"
    )
    assert Status.PASS not in statuses.values()


def test_fail_evidence_is_a_hop_list_ready_for_a_diagram() -> None:
    net = compliant()
    net.igw("Igw", "Vpc")
    net.replace("PrivateRt", routes=(route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"),))
    report = run(CONTROLS[:1], net.inventory(), Settings())
    finding = next(f for f in report.findings if f.resource.id == "PrivateA")
    assert finding.status is Status.FAIL
    hops = finding.as_json()["evidence"]["paths"][0]["hops"]
    assert all(set(h) == {"kind", "id", "detail"} for h in hops)
    assert [h["kind"] for h in hops] == [
        "subnet",
        "network-acl",
        "route-table",
        "route",
        "internet-gateway",
        "internet",
    ]
    assert finding.as_json()["evidence"]["workload"]["basis"] == ["tag", "compute"]


def test_workload_subnet_with_unresolved_vpc_is_unknown_for_vpc_controls() -> None:
    net = Net()
    net.subnet(
        "App",
        U("aws_subnet.app.vpc_id is not set in the plan"),
        "10.0.1.0/24",
        tags={"airlock:workload": "true"},
    )
    net.table("Rt", "vpc-x", subnets=["App"])
    report = run(CONTROLS, net.inventory(), Settings())
    by = {(f.control_id, f.resource.id): f.status for f in report.findings}
    for control in ("AL-NET-004", "AL-NET-006", "AL-NET-009", "AL-NET-010"):
        assert by[(control, "App")] is Status.UNKNOWN, control

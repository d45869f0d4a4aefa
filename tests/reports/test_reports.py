"""Report formats over a small hand-built report: contract fields, ordering, SARIF shape."""

from __future__ import annotations

import json

from airlock.controls.engine import run
from airlock.controls.model import (
    Control,
    Layer,
    ScanContext,
    Settings,
    Severity,
    Verdict,
    failed,
    passed,
    unknown,
)
from airlock.inventory.model import Inventory, Location, SourceInfo, SourceKind
from airlock.inventory.network import Subnet, Vpc
from airlock.obligations.model import Regime, Topic
from airlock.reports import json_report, sarif, table


def _inventory() -> Inventory:
    src = SourceInfo(SourceKind.CLOUDFORMATION, "stack.yaml")
    return Inventory(
        src,
        [
            Vpc(id="Vpc", native_type="AWS::EC2::VPC", location=Location("stack.yaml", 3)),
            Subnet(
                id="AppSubnet",
                native_type="AWS::EC2::Subnet",
                vpc="Vpc",
                location=Location("stack.yaml", 9),
            ),
        ],
    )


def _check(ctx: ScanContext) -> list[Verdict]:
    subnet = ctx.inventory.get("AppSubnet", Subnet)
    vpc = ctx.inventory.get("Vpc", Vpc)
    assert subnet is not None and vpc is not None
    return [
        failed(subnet, "The subnet routes 0.0.0.0/0 to a NAT gateway.", path=["AppSubnet", "Nat"]),
        passed(vpc, "Flow logs cover the VPC."),
        unknown(ctx.account_ref(), "No trail in this template."),
    ]


CONTROL = Control(
    id="AL-NET-999",
    title="Test control",
    layer=Layer.NETWORK,
    severity=Severity.HIGH,
    rationale="r",
    remediation="Remove the route.",
    topics=(Topic.NETWORK_ISOLATION,),
    check=_check,
)


def _report():  # type: ignore[no-untyped-def]
    return run([CONTROL], _inventory(), Settings(regimes=(Regime.GDPR,)))


def test_json_contract_fields() -> None:
    doc = json.loads(json_report.render(_report()))
    assert set(doc) == {
        "airlock_version",
        "source",
        "scope",
        "summary",
        "findings",
        "coverage_gaps",
    }
    assert doc["summary"] == {"PASS": 1, "FAIL": 1, "UNKNOWN": 1, "NOT_APPLICABLE": 0, "total": 3}
    first = doc["findings"][0]
    assert first["status"] == "FAIL"  # worst first
    assert first["resource"] == {
        "type": "AWS::EC2::Subnet",
        "id": "AppSubnet",
        "location": {"file": "stack.yaml", "line": 9},
    }
    assert first["evidence"] == {"path": ["AppSubnet", "Nat"]}
    assert first["obligations"] == [{"regime": "gdpr", "ref": "GDPR Art. 32(1)(b)"}]
    for key in ("control_id", "title", "layer", "severity", "reason", "remediation"):
        assert isinstance(first[key], str) and first[key]


def test_sarif_has_fail_and_unknown_with_lines() -> None:
    doc = json.loads(sarif.render(_report()))
    assert doc["version"] == "2.1.0"
    results = doc["runs"][0]["results"]
    assert [r["kind"] for r in results] == ["fail", "review"]
    assert results[0]["level"] == "error"
    assert results[1]["level"] == "none"
    region = results[0]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 9}
    assert (
        results[0]["partialFingerprints"]["airlockFinding/v1"]
        != results[1]["partialFingerprints"]["airlockFinding/v1"]
    )
    assert doc["runs"][0]["tool"]["driver"]["rules"][0]["id"] == "AL-NET-999"


def test_table_groups_by_layer_and_hides_pass_by_default() -> None:
    text = table.render(_report())
    assert "NETWORK" in text and "FAIL 1" in text
    assert "NAT gateway" in text
    assert "Flow logs cover" not in text
    assert "Flow logs cover" in table.render(_report(), show_pass=True)
    assert "Summary:" in text


def test_control_crash_becomes_unknown_not_pass() -> None:
    def broken(ctx: ScanContext) -> list[Verdict]:
        raise KeyError("boom")

    crashing = Control(
        id="AL-NET-998",
        title="Crashes",
        layer=Layer.NETWORK,
        severity=Severity.LOW,
        rationale="r",
        remediation="m",
        topics=(),
        check=broken,
    )
    report = run([crashing], _inventory(), Settings())
    assert [f.status.value for f in report.findings] == ["UNKNOWN"]
    assert "KeyError" in report.findings[0].reason

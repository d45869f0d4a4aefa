"""SARIF 2.1.0 for code-scanning UIs: FAIL and UNKNOWN findings, with file and line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from airlock import __version__
from airlock.controls.engine import Report
from airlock.controls.model import Finding, Severity, Status
from airlock.reports.model import ordered

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
}


def render(report: Report) -> str:
    shown = [f for f in ordered(report.findings) if f.status in (Status.FAIL, Status.UNKNOWN)]
    rule_ids = sorted({f.control_id for f in shown})
    first = {rid: next(f for f in shown if f.control_id == rid) for rid in rule_ids}
    rules = [_rule(first[rid]) for rid in rule_ids]
    index = {rid: i for i, rid in enumerate(rule_ids)}
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "airlock",
                        "version": __version__,
                        "informationUri": "https://github.com/airlock/bedrock-airlock",
                        "rules": rules,
                    }
                },
                "results": [_result(f, index[f.control_id], report) for f in shown],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _rule(finding: Finding) -> dict[str, Any]:
    return {
        "id": finding.control_id,
        "name": finding.control_id.replace("-", ""),
        "shortDescription": {"text": finding.title},
        "help": {"text": finding.remediation},
        "defaultConfiguration": {"level": _LEVEL[finding.severity]},
        "properties": {
            "layer": finding.layer.value,
            "security-severity": _SECURITY_SEVERITY[finding.severity],
            "tags": ["security", f"airlock/{finding.layer.value}"],
        },
    }


def _result(finding: Finding, rule_index: int, report: Report) -> dict[str, Any]:
    failed = finding.status is Status.FAIL
    result: dict[str, Any] = {
        "ruleId": finding.control_id,
        "ruleIndex": rule_index,
        "kind": "fail" if failed else "review",
        "level": _LEVEL[finding.severity] if failed else "none",
        "message": {"text": f"[{finding.status.value}] {finding.resource.id}: {finding.reason}"},
        "locations": [_location(finding, report)],
        "partialFingerprints": {"airlockFinding/v1": _fingerprint(finding)},
        "properties": {"status": finding.status.value, "resource": finding.resource.as_json()},
    }
    return result


def _location(finding: Finding, report: Report) -> dict[str, Any]:
    loc = finding.resource.location
    uri = loc.file if loc is not None else report.source.path
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(uri)}}
    if loc is not None and loc.line is not None:
        physical["region"] = {"startLine": loc.line}
    return {
        "physicalLocation": physical,
        "logicalLocations": [
            {
                "name": finding.resource.id,
                "kind": "resource",
                "fullyQualifiedName": finding.resource.id,
            }
        ],
    }


def _fingerprint(finding: Finding) -> str:
    control, resource = finding.identity
    return hashlib.sha256(f"{control}\0{resource}".encode()).hexdigest()


def _uri(path: str) -> str:
    as_path = Path(path)
    return as_path.as_uri() if as_path.is_absolute() else as_path.as_posix()

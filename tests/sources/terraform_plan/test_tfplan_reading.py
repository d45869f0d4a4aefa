"""Bad input: every problem is one InputError naming the file (and the line when known)."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import pytest

from airlock.errors import InputError
from airlock.inventory.network import Vpc
from airlock.sources.terraform_plan import load, reading

from .conftest import FIXTURES


def _error(path: Path | str) -> InputError:
    with pytest.raises(InputError) as caught:
        load(str(path))
    error = caught.value
    assert error.path == str(path)
    assert str(path) in error.diagnostics()
    return error


def test_missing_file(tmp_path: Path) -> None:
    assert "no such file" in _error(tmp_path / "absent.json").message


def test_directory(tmp_path: Path) -> None:
    assert "directory" in _error(tmp_path).message


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("  \n\n")
    assert "empty" in _error(path).message


def test_malformed_json_reports_the_line(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{\n  "format_version": "1.2",\n  "planned_values": {,\n}\n')
    error = _error(path)
    assert error.line == 3
    assert "malformed JSON" in error.message
    assert error.diagnostics().startswith(f"{path}:3: ")


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([{"format_version": "1.2"}], "found an array"),
        ("a string", "found a string"),
        (None, "found null"),
        (42, "found int"),
        ({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}, "CloudFormation template"),
        ({"Resources": {"Vpc": {"Type": "AWS::EC2::VPC"}}}, "CloudFormation template"),
        ({"version": 4, "serial": 3, "lineage": "x", "resources": []}, "raw Terraform state"),
        ({"format_version": "1.0", "values": {"root_module": {}}}, "Terraform state JSON"),
        ({"format_version": "1.0", "terraform_version": "1.9.0"}, "not a Terraform plan"),
        ({"planned_values": {}}, "no format_version"),
        ({"format_version": 1.2, "planned_values": {}}, "must be a string"),
        ({"format_version": "2.0", "planned_values": {}}, "unsupported plan format_version '2.0'"),
        ({"format_version": "1.2", "planned_values": []}, "'planned_values' must be an object"),
        ({"format_version": "1.2", "resource_changes": {}}, "'resource_changes' must be an array"),
        ({"format_version": "1.2", "resource_changes": [{"change": {}}]}, "has no address"),
        (
            {"format_version": "1.2", "resource_changes": [{"address": "aws_vpc.a"}]},
            "no change object",
        ),
        (
            {"format_version": "1.2", "planned_values": {"root_module": {"resources": [7]}}},
            "has no address",
        ),
        (
            {
                "format_version": "1.2",
                "resource_changes": [{"address": "not an address!", "change": {}}],
            },
            "cannot parse the address",
        ),
    ],
)
def test_documents_that_are_not_plans(tmp_path: Path, document: object, expected: str) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(document))
    assert expected in _error(path).message


def test_supported_format_versions(tmp_path: Path) -> None:
    for version in ("0.1", "0.2", "1.0", "1.1", "1.2", "1.9"):
        path = tmp_path / f"{version}.json"
        path.write_text(json.dumps({"format_version": version, "planned_values": {}}))
        assert len(load(str(path))) == 0


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b'{"format_version": "1.2",\n "x": "caf\xe9"}')
    error = _error(path)
    assert "not UTF-8" in error.message
    assert error.line == 2


def test_utf16_with_bom_is_read(tmp_path: Path) -> None:
    """PowerShell's `>` writes UTF-16 with a BOM; that is unambiguous, so it is accepted."""
    path = tmp_path / "plan.json"
    text = (FIXTURES / "update_deletes.json").read_text()
    path.write_bytes(codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert load(str(path)).get("aws_vpc.main", Vpc) is not None


def test_utf8_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(codecs.BOM_UTF8 + b'{"format_version": "1.2", "planned_values": {}}')
    assert len(load(str(path))) == 0


def test_binary_plan_file(tmp_path: Path) -> None:
    path = tmp_path / "tfplan"
    path.write_bytes(b"PK\x03\x04\x14\x00\x00\x00\x08\x00binary")
    assert "binary Terraform plan file" in _error(path).message


def test_streamed_plan_log(tmp_path: Path) -> None:
    path = tmp_path / "plan.log"
    lines = [
        {"@level": "info", "@message": "Terraform 1.9.8", "type": "version"},
        {"@level": "info", "@message": "aws_vpc.main: Plan to create", "type": "planned_change"},
    ]
    path.write_text("\n".join(json.dumps(line) for line in lines))
    error = _error(path)
    assert "terraform plan -json" in error.message
    assert error.line == 1


def test_huge_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    with open(path, "wb") as handle:
        handle.truncate(reading.MAX_BYTES + 1)  # sparse: no disk used
    assert "200 MB" in _error(path).message


def test_nesting_too_deep(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    assert "nested too deeply" in _error(path).message or "found an array" in _error(path).message


def test_huge_integer_literal(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.2", "x": ' + "9" * 5000 + "}")
    assert "malformed JSON" in _error(path).message


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_text("{}")
    path.chmod(0)
    assert "cannot read" in _error(path).message

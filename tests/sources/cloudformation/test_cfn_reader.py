"""Reading files: formats, lines, and every kind of bad input (always one InputError)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airlock.errors import InputError
from airlock.inventory.model import Resource
from airlock.sources.cloudformation import load
from airlock.sources.cloudformation.document import MAX_BYTES

VPC_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
# a comment
Resources:

  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
"""


def _write(tmp_path: Path, text: str | bytes, name: str = "t.yaml") -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


def _error(path: str) -> InputError:
    with pytest.raises(InputError) as caught:
        load(path)
    return caught.value


def test_yaml_lines_are_the_logical_id_lines(tmp_path: Path) -> None:
    inventory = load(_write(tmp_path, VPC_YAML))
    assert inventory.get("Vpc", Resource) is not None
    lines = {r.id: r.location.line for r in inventory if r.location and "#" not in r.id}
    assert lines == {"Vpc": 5, "Subnet": 9}


def test_json_lines_are_the_logical_id_lines(tmp_path: Path) -> None:
    text = (
        '{\n  "Resources": {\n    "Vpc": {\n      "Type": "AWS::EC2::VPC",\n'
        '      "Properties": {"CidrBlock": "10.0.0.0/16"}\n    },\n'
        '\t"Subnet": {"Type": "AWS::EC2::Subnet",\n'
        '      "Properties": {"VpcId": {"Ref": "Vpc"}, "Description": "has \\" and {"}}\n  }\n}\n'
    )
    inventory = load(_write(tmp_path, text, "t.json"))
    lines = {r.id: r.location.line for r in inventory if r.location and "#" not in r.id}
    assert lines == {"Vpc": 3, "Subnet": 7}


def test_json_and_yaml_give_the_same_inventory(tmp_path: Path) -> None:
    from_yaml = load(_write(tmp_path, VPC_YAML))
    data = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {
            "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
            "Subnet": {
                "Type": "AWS::EC2::Subnet",
                "Properties": {"VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24"},
            },
        },
    }
    from_json = load(_write(tmp_path, json.dumps(data), "t.json"))

    def strip(inv: object) -> list[object]:
        from msgspec.structs import replace

        return sorted((replace(r, location=None) for r in inv), key=lambda r: r.id)  # type: ignore[attr-defined]

    assert strip(from_yaml) == strip(from_json)


def test_utf8_bom_and_crlf_are_accepted(tmp_path: Path) -> None:
    data = ("\ufeff" + VPC_YAML).replace("\n", "\r\n").encode("utf-8")
    inventory = load(_write(tmp_path, data))
    subnet = next(r for r in inventory if r.id == "Subnet")
    assert subnet.location is not None and subnet.location.line == 9


def test_the_file_is_not_modified(tmp_path: Path) -> None:
    path = _write(tmp_path, VPC_YAML)
    before = Path(path).read_bytes()
    load(path)
    assert Path(path).read_bytes() == before


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("Resources:\n  A:\n    Type: [unclosed\n", 4, "malformed YAML"),
        ("Resources:\n  A:\n\tType: AWS::S3::Bucket\n", 3, "malformed YAML"),
        (
            "Resources:\n  A: {Type: AWS::S3::Bucket}\n  A: {Type: AWS::S3::Bucket}\n",
            3,
            "duplicate key 'A' (first on line 2)",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Type: AWS::KMS::Key\n",
            4,
            "duplicate key 'Type'",
        ),
        ("Resources:\n  A:\n    Properties: {}\n", 2, "resource 'A' has no Type"),
        ("Resources:\n  A: just a string\n", 2, "resource 'A' must be a mapping"),
        (
            "Resources:\n  A:\n    Type: [AWS::S3::Bucket]\n",
            2,
            "Type of resource 'A' must be a string",
        ),
        (
            "Resources:\n  A:\n    Type: AWS::S3::Bucket\n    Properties: [1]\n",
            2,
            "Properties of resource 'A' must be a mapping",
        ),
        ("Description: x\nResources:\n  - A\n", 2, "Resources is a list, not a mapping"),
        ("Resources: {}\n", 1, "the Resources section is empty"),
        ("- a\n- b\n", 1, "not a CloudFormation template"),
        ("Resources:\n  A: &a {Type: *a}\n", 2, "refers to its own anchor"),
        ("Resources:\n  A: {Type: *nowhere}\n", 2, "has no anchor"),
        ("Resources:\n  A: {Type: !!python/object:os.system x}\n", 2, "unsupported YAML tag"),
        (
            "Resources:\n  A: {Type: AWS::S3::Bucket}\n---\nResources: {}\n",
            4,
            "more than one YAML document",
        ),
        (
            "Parameters: [1]\nResources:\n  A: {Type: AWS::S3::Bucket}\n",
            1,
            "Parameters section must be a mapping",
        ),
    ],
)
def test_bad_yaml_names_the_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    error = _error(_write(tmp_path, text))
    assert fragment in error.message
    assert error.line == line
    assert error.diagnostics().startswith(f"{tmp_path / 't.yaml'}:{line}: ")
    assert "\n" not in error.diagnostics()


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        (
            '{\n  "Resources": {\n    "A": {"Type": "AWS::S3::Bucket" "B": 1}\n  }\n}\n',
            3,
            "malformed JSON: Expecting ',' delimiter",
        ),
        (
            '{\n  "Resources": {\n    "A": {"Type": "x"},\n    "A": {"Type": "y"}\n  }\n}\n',
            4,
            "duplicate key 'A' (first on line 3)",
        ),
        ('{\n  "Resources": {\n    "A": {"Properties": {}}\n  }\n}\n', 3, "has no Type"),
        ('{"Description": "no resources"}', None, "has no Resources section"),
    ],
)
def test_bad_json_names_the_line(
    tmp_path: Path, text: str, line: int | None, fragment: str
) -> None:
    error = _error(_write(tmp_path, text, "t.json"))
    assert fragment in error.message
    assert error.line == line


def test_missing_file(tmp_path: Path) -> None:
    error = _error(str(tmp_path / "nope.yaml"))
    assert error.message == "no such file" and error.line is None


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in _error(str(tmp_path)).message


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    assert _error(_write(tmp_path, text)).message == "is empty"


def test_non_utf8_bytes_name_the_line(tmp_path: Path) -> None:
    error = _error(_write(tmp_path, b"Resources:\n  A:\n    Type: caf\xe9\n"))
    assert error.message == "is not UTF-8 text (byte 0xe9)"
    assert error.line == 3


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with open(path, "wb") as handle:
        handle.truncate(MAX_BYTES + 1)  # sparse: no 50 MB actually written
    error = _error(str(path))
    assert "templates over 50 MB are refused" in error.message


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 9):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    lines.append("Resources:\n  A: {Type: AWS::S3::Bucket, Metadata: *a8}")
    error = _error(_write(tmp_path, "\n".join(lines) + "\n"))
    assert "alias bomb" in error.message


def test_modest_aliases_are_fine(tmp_path: Path) -> None:
    text = (
        "Resources:\n"
        "  A:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        "      GroupDescription: a\n      SecurityGroupIngress: &rules\n"
        "        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}\n"
        "  B:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
        "      GroupDescription: b\n      SecurityGroupIngress: *rules\n"
    )
    inventory = load(_write(tmp_path, text))
    b = next(r for r in inventory if r.id == "B")
    assert b.ingress[0].from_port == 443  # type: ignore[attr-defined]


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    text = "Resources:\n  A: {Type: AWS::S3::Bucket, Metadata: " + "[" * 300 + "]" * 300 + "}\n"
    assert "nesting deeper than" in _error(_write(tmp_path, text)).message
    deep_json = '{"Resources": {"A": {"Type": "x", "M": ' + "[" * 5000 + "]" * 5000 + "}}}"
    assert "nesting" in _error(_write(tmp_path, deep_json, "t.json")).message


@pytest.mark.parametrize(
    "text",
    [
        "{Resources: {Key: {Type: 'AWS::KMS::Key'}}}\n",
        '{"Resources": {"Key": {"Type": "AWS::KMS::Key"},}}',
    ],
)
def test_yaml_flow_mapping_file_that_is_not_json(tmp_path: Path, text: str) -> None:
    inventory = load(_write(tmp_path, text))
    assert [r.id for r in inventory] == ["Key"]


def test_scalars_follow_the_yaml_core_schema(tmp_path: Path) -> None:
    text = (
        "Resources:\n  Peer:\n    Type: AWS::EC2::VPCPeeringConnection\n    Properties:\n"
        "      VpcId: vpc-1\n      PeerVpcId: vpc-2\n      PeerOwnerId: 012345678901\n"
        "      PeerRegion: no\n"
    )
    peer = next(r for r in load(_write(tmp_path, text)))
    assert peer.peer_account == "012345678901"  # type: ignore[attr-defined]
    assert peer.peer_region == "no"  # type: ignore[attr-defined]

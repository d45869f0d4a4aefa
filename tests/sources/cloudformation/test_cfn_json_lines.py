"""The JSON reader's fast path (C parse + a walk of the first two levels) records the same key
lines and refuses the same documents as the full token scan."""

from __future__ import annotations

import json

import pytest

from airlock.sources.cloudformation.json_reader import _scan, parse_json
from airlock.sources.cloudformation.yaml_reader import MAX_DEPTH, YamlInputError

TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Parameters": {"Env": {"Type": "String", "Default": "prod"}},
    "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        'Sub\\"net': {"Type": "AWS::EC2::Subnet", "Properties": {"Tags": [{"Key": "a"}]}},
        "Tricky": {"Type": "x", "Properties": {"Text": '}]{[",\\\\'}},
    },
    "Outputs": [],
}

DOCUMENTS = [
    json.dumps(TEMPLATE),
    json.dumps(TEMPLATE, indent=2),
    json.dumps(TEMPLATE, indent="\t", separators=(" ,", " : ")),
    '[{"a": 1, "b": {"c": [{"d": 2}]}}, [{"x": 1}], 3]',
    '{"A": [{"x": {"y": 1}}], "B": {"k": {"z": 1}, "m": [1, {"q": 1}]}}',
    '\n{\n "a" : {\n  "b":\n [1, "]]]{{", {"c": "\\\\"}]}\n, "d": [\n{"e": 1}]}\n',
    '{"\\u0041": {"\\u0042": 1}, "C": {}}',
    '"text"',
    " 42 ",
    "{ }",
    "[ ]",
]


@pytest.mark.parametrize("text", DOCUMENTS)
def test_lines_and_data_match_the_full_scan(text: str) -> None:
    parsed = parse_json(text)
    assert parsed.root == json.loads(text)
    assert parsed.lines == _scan(text)


def test_indented_template_lines() -> None:
    lines = parse_json(json.dumps(TEMPLATE, indent=2)).lines
    assert lines[("Resources",)] == 9
    assert lines[("Resources", "Vpc")] == 10
    assert ("Resources", "Vpc", "Type") not in lines


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ('{\n"a": 1,\n"a": 2}', "duplicate key 'a' (first on line 2)", 3),
        ('{"x": {"y": [\n{"b": 1,\n "b": 2}]}}', "duplicate key 'b' (first on line 2)", 3),
        ('{"\\u0061": 1, "a": 2}', "duplicate key 'a' (first on line 1)", 1),
    ],
)
def test_duplicate_keys_at_any_depth_are_refused_with_lines(
    text: str, message: str, line: int
) -> None:
    with pytest.raises(YamlInputError) as raised:
        parse_json(text)
    assert (raised.value.message, raised.value.line) == (message, line)


@pytest.mark.parametrize("depth", [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1])
def test_nesting_limit_is_the_full_scans(depth: int) -> None:
    text = '{"a":' * depth + "1" + "}" * depth
    try:
        expected: object = _scan(text)
    except YamlInputError as err:
        expected = (err.message, err.line)
    try:
        got: object = parse_json(text).lines
    except YamlInputError as err:
        got = (err.message, err.line)
    assert got == expected
    assert isinstance(got, tuple) == (depth > MAX_DEPTH)

"""Property-based fuzzing: whatever the file holds, ``load`` returns or raises InputError."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.errors import InputError
from airlock.sources.cloudformation import load
from airlock.sources.cloudformation.functions import FUNCTIONS
from airlock.sources.cloudformation.mapping import MAPPERS

from .conftest import FIXTURES

FUZZ = settings(
    max_examples=int(os.environ.get("AIRLOCK_FUZZ_EXAMPLES", "500")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
SEEDS = [
    (FIXTURES / "private_bedrock.yaml").read_bytes(),
    (FIXTURES / "leaky_bedrock.json").read_bytes(),
]


@contextmanager
def _file(data: bytes, suffix: str) -> Iterator[str]:
    handle, path = tempfile.mkstemp(suffix=suffix)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        yield path
    finally:
        os.unlink(path)


def _load_or_input_error(data: bytes, suffix: str = ".yaml") -> None:
    with _file(data, suffix) as path:
        try:
            inventory = load(path)
        except InputError as error:
            assert "\n" not in error.diagnostics()
            assert error.path == path
        else:
            assert len(inventory) >= 0
            with open(path, "rb") as handle:
                assert handle.read() == data


@FUZZ
@given(st.text(max_size=400))
def test_random_text(text: str) -> None:
    _load_or_input_error(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.binary(max_size=300))
def test_random_bytes(data: bytes) -> None:
    _load_or_input_error(data)


@FUZZ
@given(
    seed=st.sampled_from(range(len(SEEDS))),
    edits=st.lists(
        st.tuples(
            st.floats(0, 1), st.sampled_from(["delete", "insert", "replace"]), st.binary(max_size=4)
        ),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_templates(seed: int, edits: list[tuple[float, str, bytes]]) -> None:
    data = bytearray(SEEDS[seed])
    for where, how, chunk in edits:
        at = int(where * (len(data) - 1))
        if how == "delete":
            del data[at : at + max(1, len(chunk))]
        elif how == "insert":
            data[at:at] = chunk
        else:
            data[at : at + len(chunk)] = chunk
    _load_or_input_error(bytes(data), ".json" if seed == 1 else ".yaml")


_NAMES = st.sampled_from(
    [
        "Vpc",
        "Key",
        "Bucket",
        "Env",
        "AWS::Region",
        "AWS::AccountId",
        "AWS::NoValue",
        "AWS::StackName",
        "Key.Arn",
        "Vpc.CidrBlock",
        "Bucket.Nope",
        "Nowhere",
        "C",
        "",
    ]
)
_KEYS = st.sampled_from(
    [
        "VpcId",
        "CidrBlock",
        "SubnetId",
        "RouteTableId",
        "GatewayId",
        "PolicyDocument",
        "KeyPolicy",
        "Statement",
        "Resource",
        "BucketName",
        "Roles",
        "Policies",
        "VpcConfig",
        "SubnetIds",
        "LoggingConfig",
        "Tags",
        "Key",
        "Value",
        "SecurityGroupEgress",
        "IpProtocol",
        "Name",
    ]
)
_FUNCTIONS = st.sampled_from([*FUNCTIONS, "Fn::Nope", "Condition"])
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 70000),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    _NAMES,
)


def _values(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_KEYS, children, max_size=4),
        st.builds(lambda name: {"Ref": name}, st.one_of(_NAMES, children)),
        st.builds(lambda fn, arg: {fn: arg}, _FUNCTIONS, children),
    )


_VALUES = st.recursive(_SCALARS, _values, max_leaves=25)
_TYPES = st.sampled_from(
    [*MAPPERS, "Custom::Logging", "AWS::CloudFormation::Stack", "AWS::SQS::Queue"]
)
_TEMPLATES = st.fixed_dictionaries(
    {
        "Parameters": st.dictionaries(
            st.sampled_from(["Env", "Other"]),
            st.fixed_dictionaries(
                {"Type": st.sampled_from(["String", "CommaDelimitedList"])},
                optional={"Default": _SCALARS},
            ),
        ),
        "Conditions": st.dictionaries(st.sampled_from(["C", "D"]), _VALUES, max_size=2),
        "Mappings": st.dictionaries(st.sampled_from(["M"]), _VALUES, max_size=1),
        "Resources": st.dictionaries(
            st.sampled_from(["Vpc", "Key", "Bucket", "R1", "R2"]),
            st.fixed_dictionaries(
                {"Type": _TYPES},
                optional={
                    "Properties": st.dictionaries(_KEYS, _VALUES, max_size=5),
                    "Condition": st.sampled_from(["C", "D", "E"]),
                },
            ),
            min_size=1,
            max_size=5,
        ),
    }
)


@FUZZ
@given(_TEMPLATES)
def test_random_template_structures(template: dict[str, Any]) -> None:
    _load_or_input_error(json.dumps(template).encode(), ".json")

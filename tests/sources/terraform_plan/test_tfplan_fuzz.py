"""Fuzzing: whatever the input, only InputError may escape.

The builders are called directly (not through ``load``'s last-resort guard), so a crash on an
unforeseen shape fails here instead of hiding behind a generic error message.
"""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from airlock.errors import InputError
from airlock.sources.terraform_plan.build import build_inventory
from airlock.sources.terraform_plan.reading import check_plan, decode_text, parse_document
from airlock.sources.terraform_plan.registry import BUILDERS, JOINERS

from .conftest import FIXTURES

FIXTURE_DOCS = [
    json.loads((FIXTURES / name).read_text())
    for name in ("airgap_modules.json", "update_deletes.json")
]
TYPES = sorted(set(BUILDERS) | set(JOINERS))
ATTRS = [
    "id", "arn", "name", "vpc_id", "subnet_id", "subnet_ids", "security_group_ids", "route_table_id",
    "route_table_ids", "policy", "route", "ingress", "egress", "cidr_block", "gateway_id", "nat_gateway_id",
    "vpc_endpoint_id", "bucket", "key_id", "role", "policy_arn", "rule", "logging_config", "vpc_config",
    "environment", "security_group_id", "type", "protocol", "from_port", "to_port", "cidr_blocks", "self",
    "default_route_table_id", "versioning_configuration", "event_selector", "advanced_event_selector",
    "container_definitions", "tags", "tags_all", "region", "users", "groups", "roles", "entry",
]  # fmt: skip
REFS = [
    "aws_vpc.main.id", "aws_vpc.main", "aws_subnet.private", "aws_subnet.private[0].id", 'aws_subnet.x["a"]',
    "module.net.vpc_id", "module.net", "var.x", "local.y", "each.value", "each.value.id", "each.key",
    "count.index", "data.aws_iam_policy_document.p.json", "aws_vpc.main.default_route_table_id", "module.m[0].out",
    "self.id", "path.module", "not a ref", "", "[0]", "aws_x.y.z[*].w",
]  # fmt: skip

SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**40), 2**40), st.floats(allow_nan=True),
    st.text(max_size=12), st.sampled_from(REFS + ATTRS + ["(sensitive value)", "-1", "Enabled", "vpc-0abc"]),
)  # fmt: skip
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(ATTRS), st.text(max_size=6)), inner, max_size=4),
    ),
    max_leaves=10,
)
#: ready-made values in the shapes plans use (cheap to draw, unlike recursive JSON)
SHAPES: list[Any] = [
    None, True, "", "vpc-0abc", "(sensitive value)", 443, -1, 1.5, [], {}, [None], [True], ["subnet-1", None],
    [{}], [{"cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"}], [{"status": "Enabled"}],
    [{"apply_server_side_encryption_by_default": [{"sse_algorithm": "aws:kms"}]}],
    {"a": None}, {"Statement": []}, '{"Statement": [}', "[1]", [[[]]], {"x": {"y": [True]}},
]  # fmt: skip
shaped = st.one_of(st.sampled_from(SHAPES), scalars)


def _only_input_errors(document: object, path: str = "fuzz.json") -> None:
    try:
        check_plan(path, document)
        assert isinstance(document, dict)
        build_inventory(path, document, "")
    except InputError as error:
        assert error.path == path and error.message


@SETTINGS
@given(st.binary(max_size=300))
def test_random_bytes(raw: bytes) -> None:
    with contextlib.suppress(InputError):
        parse_document("fuzz.json", decode_text("fuzz.json", raw))


@SETTINGS
@given(json_values)
def test_random_json(document: Any) -> None:
    _only_input_errors(document)


@SETTINGS
@given(json_values, st.sampled_from(["0.1", "1.0", "1.2", "3.0", ""]))
def test_random_json_with_a_plan_header(body: Any, version: str) -> None:
    document = {
        "format_version": version,
        "planned_values": body,
        "resource_changes": body,
        "configuration": body,
    }
    _only_input_errors(document)


def _paths(node: Any, trail: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [trail]
    if isinstance(node, dict):
        for key, value in node.items():
            found.extend(_paths(value, (*trail, key)))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.extend(_paths(value, (*trail, index)))
    return found


FIXTURE_PATHS = [_paths(document)[1:] for document in FIXTURE_DOCS]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_real_plans(data: st.DataObject) -> None:
    which = data.draw(st.integers(0, len(FIXTURE_DOCS) - 1))
    document = copy.deepcopy(FIXTURE_DOCS[which])
    paths = FIXTURE_PATHS[which]
    for _ in range(data.draw(st.integers(1, 3))):
        path = paths[data.draw(st.integers(0, len(paths) - 1))]
        parent: Any = document
        try:
            for step in path[:-1]:
                parent = parent[step]
            value = parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced this part
        operation = data.draw(st.sampled_from(["replace", "delete", "empty", "retype"]))
        if operation == "replace":
            parent[path[-1]] = data.draw(shaped)
        elif operation == "delete":
            del parent[path[-1]]
        elif operation == "empty":
            parent[path[-1]] = type(value)() if isinstance(value, (dict, list, str)) else None
        else:
            parent[path[-1]] = [value] if not isinstance(value, list) else {"0": value}
    _only_input_errors(document)


resource_entries = st.builds(
    lambda rtype, name, index, actions, after, unknown, sensitive, module: {
        "address": f"{module}{rtype}.{name}{index}",
        "mode": "managed",
        "type": rtype,
        "name": name,
        "change": {
            "actions": actions,
            "before": after,
            "after": after,
            "after_unknown": unknown,
            "after_sensitive": sensitive,
        },
    },
    st.sampled_from(TYPES),
    st.sampled_from(["a", "b", "main"]),
    st.sampled_from(["", "[0]", "[1]", '["k"]']),
    st.sampled_from(
        [["create"], ["no-op"], ["delete"], ["forget"], ["delete", "create"], ["update"], []]
    ),
    st.dictionaries(st.sampled_from(ATTRS), shaped, max_size=6),
    st.one_of(st.booleans(), st.dictionaries(st.sampled_from(ATTRS), shaped, max_size=4)),
    st.one_of(st.booleans(), st.dictionaries(st.sampled_from(ATTRS), shaped, max_size=4)),
    st.sampled_from(["", "module.net.", 'module.svc["a"].']),
)
expressions = st.dictionaries(
    st.sampled_from(ATTRS),
    st.one_of(
        st.builds(lambda refs: {"references": refs}, st.lists(st.sampled_from(REFS), max_size=4)),
        st.builds(lambda value: {"constant_value": value}, shaped),
        st.lists(st.dictionaries(st.sampled_from(ATTRS), st.builds(lambda r: {"references": r}, st.lists(st.sampled_from(REFS), max_size=3)), max_size=3), max_size=2),
        shaped,
    ),
    max_size=5,
)  # fmt: skip


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(resource_entries, max_size=12),
    st.lists(st.tuples(st.sampled_from(TYPES), expressions), max_size=8),
)
def test_generated_plans_of_every_registered_type(
    changes: list[dict[str, Any]], blocks: list[Any]
) -> None:
    resources = [
        {"address": f"{t}.{n}", "mode": "managed", "type": t, "name": n, "expressions": e, "provider_config_key": "aws",
         "for_each_expression": {"references": ["aws_subnet.private"]}}
        for (t, e), n in zip(blocks, ["a", "b", "main"] * 3, strict=False)
    ]  # fmt: skip
    document = {
        "format_version": "1.2",
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {"name": "aws", "expressions": {"region": {"references": ["var.region"]}}}
            },
            "root_module": {
                "resources": resources,
                "module_calls": {
                    "net": {
                        "module": {
                            "resources": resources,
                            "outputs": {
                                "vpc_id": {"expression": {"references": ["aws_vpc.main.id"]}}
                            },
                        }
                    }
                },
            },
        },
        "variables": {"region": {"value": "eu-central-1"}},
    }
    _only_input_errors(document)

"""Policy documents of deferred ``aws_iam_policy_document`` reads, rebuilt from the plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airlock.controls.catalog import identity
from airlock.controls.model import ScanContext, Settings, Status, Verdict
from airlock.inventory.identity import Role
from airlock.inventory.model import Inventory, Unresolved

from .plans import Plan, const, ref

DOC = "data.aws_iam_policy_document.app"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "sts:AssumeRole",
                "Principal": {"Service": "lambda.amazonaws.com"},
            }
        ],
    }
)


def statement(**values: Any) -> dict[str, Any]:
    """A statement block as a deferred read's ``after`` holds it (unset attributes null)."""
    block: dict[str, Any] = {
        "actions": None, "effect": None, "not_actions": None, "not_resources": None,
        "resources": None, "sid": None, "principals": [], "not_principals": [], "condition": [],
    }  # fmt: skip
    block.update(values)
    return block


def cond(test: str, variable: str, *values: Any) -> dict[str, Any]:
    return {"test": test, "variable": variable, "values": list(values)}


def plan_with(
    statements: list[dict[str, Any]],
    unknown: dict[str, Any] | None = None,
    *,
    config: list[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
    sources: list[Any] | None = None,
    overrides: list[Any] | None = None,
    extra: dict[str, Any] | None = None,
) -> Plan:
    """A Lambda role whose inline policy is ``data.aws_iam_policy_document.app.json``, read
    during apply; ``aws_vpc_endpoint.runtime`` is created (its id unknown)."""
    plan = Plan()
    plan.resource(
        "aws_iam_role.app",
        {"name": "app", "assume_role_policy": TRUST},
        unknown={"id": True, "arn": True},
        expressions={"name": const("app"), "assume_role_policy": const(TRUST)},
    )
    plan.resource(
        "aws_vpc_endpoint.runtime",
        {
            "service_name": "com.amazonaws.eu-central-1.bedrock-runtime",
            "vpc_endpoint_type": "Interface",
        },
        unknown={"id": True, "arn": True, "policy": True},
        expressions={"service_name": const("com.amazonaws.eu-central-1.bedrock-runtime")},
    )
    after: dict[str, Any] = {
        "override_json": None,
        "override_policy_documents": overrides,
        "policy_id": None,
        "source_json": None,
        "source_policy_documents": sources,
        "statement": statements,
        "version": None,
        **(extra or {}),
    }
    mask = {"id": True, "json": True, "minified_json": True, **(unknown or {})}
    plan.resource(
        DOC,
        after,
        unknown=mask,
        actions=("read",),
        expressions={"statement": config or [{} for _ in statements]},
    )
    plan.resource(
        "aws_iam_role_policy.app",
        {"name": "app"},
        unknown={"id": True, "policy": True, "role": True},
        expressions={
            "name": const("app"),
            "role": ref("aws_iam_role.app.id"),
            "policy": policy or ref(f"{DOC}.json"),
        },
    )
    return plan


def document(inventory: Inventory) -> Any:
    role = inventory.get("aws_iam_role.app", Role)
    assert role is not None
    (inline,) = role.inline_policies
    return inline.document


def rebuilt(tmp_path: Path, *args: Any, **kwargs: Any) -> Any:
    return document(plan_with(*args, **kwargs).load(tmp_path))


#: the Allow that stands for statements a function around ``data.X.json`` may add
WRAPPED = {
    "Effect": "Allow",
    "Action": Unresolved(
        f"the plan cannot show whether aws_iam_role_policy.app.policy is {DOC} unchanged: "
        "a function may add statements"
    ),
    "Resource": "*",
}


def own(found: Any) -> list[Any]:
    """The rebuilt document's own statements, after checking the closing stand-in."""
    *statements, last = found["Statement"]
    assert last == WRAPPED
    return statements


INVOKE_ARGS: dict[str, Any] = {"actions": ["bedrock:InvokeModel"], "resources": ["*"]}
INVOKE = statement(**INVOKE_ARGS)


# -- rendering -------------------------------------------------------------------------------


def test_known_statements_render_as_the_provider_does(tmp_path: Path) -> None:
    found = rebuilt(
        tmp_path,
        [
            statement(
                sid="Invoke",
                actions=["bedrock:InvokeModel"],
                resources=["arn:aws:s3:::b/&{aws:username}"],
                condition=[
                    cond("StringEquals", "aws:PrincipalAccount", "111122223333"),
                    cond("StringEquals", "aws:PrincipalAccount", "444455556666"),
                    cond("Bool", "aws:SecureTransport", "true"),
                ],
            ),
            statement(
                effect="Deny",
                not_actions=["s3:Get*"],
                not_resources=["arn:aws:s3:::b"],
                principals=[{"type": "*", "identifiers": ["*"]}],
            ),
            statement(
                actions=["s3:GetObject"],
                resources=["*"],
                principals=[
                    {"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]},
                    {"type": "Service", "identifiers": ["s3.amazonaws.com"]},
                    {"type": "AWS", "identifiers": ["arn:aws:iam::444455556666:root"]},
                ],
            ),
        ],
    )
    assert found == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Invoke",
                "Effect": "Allow",
                "Action": ["bedrock:InvokeModel"],
                "Resource": ["arn:aws:s3:::b/${aws:username}"],
                "Condition": {
                    "StringEquals": {"aws:PrincipalAccount": ["111122223333", "444455556666"]},
                    "Bool": {"aws:SecureTransport": ["true"]},
                },
            },
            {
                "Effect": "Deny",
                "NotAction": ["s3:Get*"],
                "NotResource": ["arn:aws:s3:::b"],
                "Principal": "*",
            },
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject"],
                "Resource": ["*"],
                "Principal": {
                    "AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"],
                    "Service": ["s3.amazonaws.com"],
                },
            },
            WRAPPED,
        ],
    }


def test_sources_then_own_statements_then_overrides_replace_by_sid(tmp_path: Path) -> None:
    source = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Keep", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
                {"Sid": "Mine", "Effect": "Allow", "Action": "s3:*", "Resource": "*"},
                {"Effect": "Allow", "Action": "logs:*", "Resource": "*"},
            ],
        }
    )
    override = json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "override-id",
            "Statement": {"Sid": "Keep", "Effect": "Deny", "Action": "s3:*", "Resource": "*"},
        }
    )
    found = rebuilt(
        tmp_path,
        [statement(sid="Mine", actions=["bedrock:InvokeModel"], resources=["*"]), INVOKE],
        sources=[source, None],
        overrides=[override],
    )
    assert found["Id"] == "override-id"
    assert [(s.get("Sid"), s["Effect"], s["Action"]) for s in own(found)] == [
        ("Keep", "Deny", "s3:*"),
        ("Mine", "Allow", ["bedrock:InvokeModel"]),
        (None, "Allow", "logs:*"),
        (None, "Allow", ["bedrock:InvokeModel"]),
    ]


def test_unknown_values_are_unresolved_leaves_naming_the_plan_resource(tmp_path: Path) -> None:
    found = rebuilt(
        tmp_path,
        [
            statement(
                actions=["bedrock:InvokeModel"],
                resources=[None, "arn:aws:bedrock:eu-central-1::foundation-model/x"],
                condition=[cond("StringEquals", "aws:SourceVpce", None)],
            )
        ],
        {"statement": [{"resources": [True, False], "condition": [{"values": [True]}]}]},
        config=[
            {
                "resources": ref("aws_s3_bucket.data.arn"),
                "condition": [{"values": ref("aws_vpc_endpoint.runtime.id")}],
            }
        ],
    )
    (only,) = own(found)
    assert only["Resource"] == [
        Unresolved(f"known after apply: {DOC}.statement[0].resources[0]", single=True),
        "arn:aws:bedrock:eu-central-1::foundation-model/x",
    ]
    # the same text as the endpoint's own aws_id; one element of a known list: one id
    assert only["Condition"] == {
        "StringEquals": {
            "aws:SourceVpce": [
                Unresolved("known after apply: aws_vpc_endpoint.runtime.id", single=True)
            ]
        }
    }


def test_an_unknown_list_may_hold_any_number_of_values(tmp_path: Path) -> None:
    found = rebuilt(
        tmp_path,
        [statement(**INVOKE_ARGS, condition=[cond("StringEquals", "aws:SourceVpce")])],
        {"statement": [{"condition": [{"values": True}]}]},
        config=[{"condition": [{"values": ref("aws_vpc_endpoint.runtime.tags_all")}]}],
    )
    (only,) = own(found)
    (value,) = only["Condition"]["StringEquals"]["aws:SourceVpce"]
    assert isinstance(value, Unresolved) and not value.single


def test_each_key_picks_the_document_with_the_resources_key(tmp_path: Path) -> None:
    plan = plan_with([INVOKE])
    plan.resource(
        'data.aws_iam_policy_document.key["a"]',
        {"statement": [statement(actions=["kms:*"], resources=["*"])]},
        unknown={"json": True},
        actions=("read",),
        expressions={"statement": [{}]},
    )
    plan.resource(
        'aws_iam_role_policy.keyed["a"]',
        {"name": "keyed"},
        unknown={"policy": True, "role": True},
        expressions={
            "name": const("keyed"),
            "role": ref("aws_iam_role.app.id"),
            "policy": {"references": ["data.aws_iam_policy_document.key", "each.key"]},
        },
        for_each=const({"a": 1}),
    )
    role = plan.load(tmp_path).get("aws_iam_role.app", Role)
    assert role is not None
    documents = {p.origin: p.document for p in role.inline_policies}
    keyed = documents['aws_iam_role_policy.keyed["a"]']
    assert isinstance(keyed, dict)
    assert keyed["Statement"][0] == {"Effect": "Allow", "Action": ["kms:*"], "Resource": ["*"]}
    assert keyed["Statement"][1]["Action"] == Unresolved(
        'the plan cannot show whether aws_iam_role_policy.keyed["a"].policy is '
        'data.aws_iam_policy_document.key["a"] unchanged: a function may add statements'
    )
    assert len(keyed["Statement"]) == 2


# -- giving up -------------------------------------------------------------------------------


def _unresolved(found: Any) -> None:
    assert isinstance(found, Unresolved)
    assert found.reason.startswith("known after apply: aws_iam_role_policy.app.policy")


@pytest.mark.parametrize(
    "unknown",
    [
        {"statement": True},
        {"statement": [{"effect": True}]},
        {"statement": [{"actions": [True]}]},
        {"statement": [{"not_actions": True}]},
        {"statement": [{"sid": True}]},
        {"statement": [{"principals": True}]},
        {"statement": [{"principals": [True]}]},
        {"statement": [{"condition": [{"test": True}]}]},
        {"source_policy_documents": [True]},
        {"override_policy_documents": [True]},
        {"version": True},
    ],
)
def test_an_unknown_structural_part_keeps_the_policy_unresolved(
    tmp_path: Path, unknown: dict[str, Any]
) -> None:
    block = statement(
        actions=["bedrock:InvokeModel"],
        resources=["*"],
        principals=[{"type": "AWS", "identifiers": ["*"]}],
        condition=[cond("Bool", "aws:SecureTransport", "true")],
    )
    _unresolved(rebuilt(tmp_path, [block], unknown, sources=[None], overrides=[None]))


@pytest.mark.parametrize(
    "policy",
    [
        # replace(data.aws_iam_policy_document.app.json, ...) with another reference
        {"references": [f"{DOC}.json", DOC, "var.suffix"]},
        {"references": [f"{DOC}.id", DOC]},
        {"references": [f"{DOC}.json", DOC, "data.aws_iam_policy_document.other.json"]},
        {"references": [DOC, "each.key"]},  # the role policy has no key
        {"references": [DOC, "each.value"]},
    ],
)
def test_anything_but_a_plain_reference_to_the_json_keeps_it_unresolved(
    tmp_path: Path, policy: dict[str, Any]
) -> None:
    _unresolved(rebuilt(tmp_path, [INVOKE], policy=policy))


def test_duplicate_sids_and_deprecated_arguments_keep_it_unresolved(tmp_path: Path) -> None:
    twice = [statement(sid="A", **INVOKE_ARGS), statement(sid="A", **INVOKE_ARGS)]
    _unresolved(rebuilt(tmp_path, twice))
    _unresolved(rebuilt(tmp_path, [INVOKE], extra={"source_json": "{}"}))


def test_a_document_read_while_planning_is_not_rebuilt(tmp_path: Path) -> None:
    plan = plan_with([INVOKE])
    for change in plan.doc["resource_changes"]:
        if change["address"] == DOC:
            change["change"]["actions"] = ["no-op"]
    # (its json is in the plan then; without it the policy is not rebuilt either)
    assert isinstance(document(plan.load(tmp_path)), Unresolved)


# -- end to end ------------------------------------------------------------------------------


def _iam_006(tmp_path: Path, *args: Any, **kwargs: Any) -> Verdict:
    inventory = plan_with(*args, **kwargs).load(tmp_path)
    (control,) = [c for c in identity.CONTROLS if c.id == "AL-IAM-006"]
    found = [
        v
        for v in control.check(ScanContext(inventory, Settings()))
        if v.subject.id == "aws_iam_role.app"
    ]
    assert len(found) == 1, found
    return found[0]


def test_a_deferred_document_without_an_endpoint_condition_fails(tmp_path: Path) -> None:
    found = _iam_006(tmp_path, [INVOKE])
    assert found.status is Status.FAIL, found.reason


def test_an_unknown_effect_stays_unknown(tmp_path: Path) -> None:
    found = _iam_006(tmp_path, [INVOKE], {"statement": [{"effect": True}]})
    assert found.status is Status.UNKNOWN
    assert "known after apply: aws_iam_role_policy.app.policy" in found.reason


def test_an_unknown_endpoint_id_compared_exactly_in_a_deny(tmp_path: Path) -> None:
    """An explicit Deny of the rebuilt document still decides, whatever a function around
    ``data.X.json`` may add; the same id in an Allow only binds the statements we can see."""
    outside = statement(
        effect="Deny",
        actions=["bedrock:*"],
        resources=["*"],
        condition=[cond("StringNotEquals", "aws:SourceVpce", None)],
    )
    found = _iam_006(
        tmp_path,
        [INVOKE, outside],
        {"statement": [{}, {"condition": [{"values": [True]}]}]},
        config=[{}, {"condition": [{"values": ref("aws_vpc_endpoint.runtime.id")}]}],
    )
    assert found.status is Status.PASS, found.reason
    bound = statement(**INVOKE_ARGS, condition=[cond("StringEquals", "aws:SourceVpce", None)])
    found = _iam_006(
        tmp_path,
        [bound],
        {"statement": [{"condition": [{"values": [True]}]}]},
        config=[{"condition": [{"values": ref("aws_vpc_endpoint.runtime.id")}]}],
    )
    assert found.status is Status.UNKNOWN
    assert "a function may add statements" in found.reason


def test_a_function_around_the_document_may_add_statements(tmp_path: Path) -> None:
    """``jsonencode({Statement = concat(jsondecode(data.X.json).Statement, [...])})`` has the
    references of ``data.X.json``: a scoped, bound document must not PASS on its own."""
    scoped = statement(
        actions=["bedrock:InvokeModel"],
        resources=["arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-3"],
        condition=[cond("StringEquals", "aws:SourceVpce", None)],
    )
    inventory = plan_with(
        [scoped],
        {"statement": [{"condition": [{"values": [True]}]}]},
        config=[{"condition": [{"values": ref("aws_vpc_endpoint.runtime.id")}]}],
    ).load(tmp_path)
    context = ScanContext(inventory, Settings())
    for control in identity.CONTROLS:
        if control.id in ("AL-IAM-005", "AL-IAM-006"):
            (found,) = [v for v in control.check(context) if v.subject.id == "aws_iam_role.app"]
            assert found.status is Status.UNKNOWN, (control.id, found.reason)
            assert "is data.aws_iam_policy_document.app unchanged" in found.reason


def test_an_incomplete_read_or_an_empty_document_keeps_it_unresolved(tmp_path: Path) -> None:
    _unresolved(rebuilt(tmp_path, []))
    plan = plan_with([INVOKE])
    for change in plan.doc["resource_changes"]:
        if change["address"] == DOC:
            del change["change"]["after"]["statement"]
    _unresolved(document(plan.load(tmp_path)))

"""The account of an aliased provider: named by its configuration, or unresolved.

The configuration records a non-constant expression only by its references, so
``"arn:aws:iam::${var.audit_account_id}:role/x"`` reads as ``["var.audit_account_id"]``: the
variable's value (an account id) is not the role ARN. ``allowed_account_ids`` naming one
account does name it; a provider with credentials of its own that names none is unresolved.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airlock.inventory.encryption import S3Bucket
from airlock.inventory.model import Inventory, Unresolved

from .plans import Plan, const, ref

WORKLOAD = "210987654321"
AUDIT = "666677778888"


def _load(tmp_path: Path, variables: dict[str, Any] | None = None, **audit: Any) -> Inventory:
    plan = Plan(region=None)
    plan.provider("aws", region=const("eu-central-1"))
    plan.provider("aws.audit", region=const("eu-central-1"), **audit)
    for name, value in {"audit_account_id": AUDIT, **(variables or {})}.items():
        plan.variable(name, value)
    plan.data("data.aws_caller_identity.current", {"account_id": WORKLOAD})
    plan.resource("aws_s3_bucket.mine", {"bucket": "mine"}, unknown={"arn": True}, expressions={})
    plan.resource("aws_s3_bucket.audit", {"bucket": "audit"}, unknown={"arn": True}, expressions={},
                  provider_key="aws.audit")  # fmt: skip
    return plan.load(tmp_path)


def _account(inventory: Inventory, address: str) -> object:
    bucket = inventory.get(address, S3Bucket)
    assert bucket is not None
    return bucket.account


def test_a_role_arn_built_around_a_variable_leaves_the_account_unresolved(tmp_path: Path) -> None:
    inventory = _load(tmp_path, assume_role=[{"role_arn": ref("var.audit_account_id")}])
    account = _account(inventory, "aws_s3_bucket.audit")
    assert isinstance(account, Unresolved) and "aws.audit" in account.reason
    assert _account(inventory, "aws_s3_bucket.mine") == WORKLOAD
    assert inventory.source.account == WORKLOAD


@pytest.mark.parametrize(
    ("audit", "variables"),
    [
        ({"allowed_account_ids": ref("var.audit_account_id")}, {}),  # [var.audit_account_id]
        ({"allowed_account_ids": ref("var.audit_ids")}, {"audit_ids": [AUDIT]}),
        ({"allowed_account_ids": const([AUDIT])}, {}),
        ({"assume_role": [{"role_arn": const(f"arn:aws:iam::{AUDIT}:role/x")}]}, {}),
        # a variable holding the whole ARN is the role ARN
        (
            {"assume_role": [{"role_arn": ref("var.role")}]},
            {"role": f"arn:aws:iam::{AUDIT}:role/x"},
        ),
    ],
)
def test_the_configuration_names_the_account(
    tmp_path: Path, audit: dict[str, Any], variables: dict[str, Any]
) -> None:
    role = {"assume_role": [{"role_arn": ref("var.audit_account_id")}]}
    inventory = _load(tmp_path, variables, **{**role, **audit})
    assert _account(inventory, "aws_s3_bucket.audit") == AUDIT


def test_several_allowed_accounts_name_none(tmp_path: Path) -> None:
    inventory = _load(
        tmp_path,
        {"audit_ids": [AUDIT, "111122223333"]},
        profile=const("audit"),
        allowed_account_ids=ref("var.audit_ids"),
    )
    assert isinstance(_account(inventory, "aws_s3_bucket.audit"), Unresolved)


def test_an_alias_with_the_workload_credentials_is_in_the_workload_account(
    tmp_path: Path,
) -> None:
    # an alias for another region only: same credentials, same account
    inventory = _load(tmp_path)
    assert _account(inventory, "aws_s3_bucket.audit") == WORKLOAD


def test_a_caller_identity_read_through_the_alias_is_its_account(tmp_path: Path) -> None:
    plan = Plan(region=None)
    plan.provider("aws", region=const("eu-central-1"))
    plan.provider("aws.audit", region=const("eu-central-1"), profile=const("audit"))
    plan.data("data.aws_caller_identity.audit", {"account_id": AUDIT})
    plan.config("data.aws_caller_identity.audit", {}, provider_key="aws.audit")
    plan.resource("aws_s3_bucket.audit", {"bucket": "audit"}, unknown={"arn": True}, expressions={},
                  provider_key="aws.audit")  # fmt: skip
    plan.resource("aws_s3_bucket.mine", {"bucket": "mine"}, unknown={"arn": True}, expressions={})
    inventory = plan.load(tmp_path)
    assert _account(inventory, "aws_s3_bucket.audit") == AUDIT
    # it says nothing about the workload's own account
    assert inventory.source.account is None
    assert _account(inventory, "aws_s3_bucket.mine") is None

"""aws_ssoadmin_permission_set: IAM Identity Center session durations."""

from __future__ import annotations

from pathlib import Path

from airlock.inventory.identity import PermissionSet
from airlock.inventory.model import Unresolved

from .plans import Plan, ref

INSTANCE = "arn:aws:sso:::instance/ssoins-1234567890abcdef"


def _permission_set(plan: Plan, name: str, **values: object) -> Plan:
    return plan.resource(
        f"aws_ssoadmin_permission_set.{name}",
        {"instance_arn": INSTANCE, "name": name, **values},
        unknown={"arn": True, "id": True},
        expressions={},
    )


def test_permission_set_session_durations(tmp_path: Path) -> None:
    plan = Plan()
    _permission_set(plan, "operators", session_duration="PT12H")
    _permission_set(plan, "short", session_duration="PT15M")
    _permission_set(plan, "omitted", session_duration=None)
    _permission_set(plan, "garbled", session_duration="12 hours")
    plan.resource(
        "aws_ssoadmin_permission_set.later",
        {"instance_arn": INSTANCE, "name": "later"},
        unknown={"arn": True, "id": True, "session_duration": True},
        expressions={"session_duration": ref("terraform_data.duration.output")},
    )
    inventory = plan.load(tmp_path)

    def duration(name: str) -> object:
        found = inventory.get(f"aws_ssoadmin_permission_set.{name}", PermissionSet)
        assert found is not None
        return found.session_duration

    operators = inventory.get("aws_ssoadmin_permission_set.operators", PermissionSet)
    assert operators is not None and operators.name == "operators"
    assert (duration("operators"), duration("short"), duration("omitted")) == (43200, 900, None)
    assert isinstance(duration("garbled"), Unresolved)
    assert isinstance(duration("later"), Unresolved)

"""AL-IAM-010 for IAM Identity Center: every permission set is a way in for people."""

from __future__ import annotations

import pytest
from control_fixtures import U, inv, run, verdict

from airlock.controls.model import Status
from airlock.inventory.identity import PermissionSet


def permission_set(duration: int | object | None) -> PermissionSet:
    return PermissionSet(
        id="Analyst",
        native_type="AWS::SSO::PermissionSet",
        name="analyst",
        session_duration=duration,
    )


@pytest.mark.parametrize(
    ("duration", "expected", "words"),
    [
        (900, Status.PASS, "caps people's sessions at 15 minutes"),
        (3600, Status.PASS, "at 60 minutes."),
        (None, Status.PASS, "60 minutes (the Identity Center default)"),
        (43200, Status.FAIL, "sessions for 720 minutes, more than 60 minutes"),
        (3601, Status.FAIL, "3601 seconds"),
        (U, Status.UNKNOWN, "session duration of Identity Center permission set Analyst is unresolved"),
    ],
)  # fmt: skip
def test_permission_set_sessions(duration: object, expected: Status, words: str) -> None:
    found = verdict("AL-IAM-010", inv(permission_set(duration)), "Analyst")
    assert found.status is expected
    assert words in found.reason


def test_a_long_permission_set_is_judged_without_any_role() -> None:
    # before permission sets were read, this inventory had no human path: NOT_APPLICABLE
    [found] = run("AL-IAM-010", inv(permission_set(43200)))
    assert found.status is Status.FAIL and found.evidence["session_duration"] == 43200

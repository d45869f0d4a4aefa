"""IAM Identity Center permission sets and their ISO-8601 session durations."""

from __future__ import annotations

import pytest

from airlock.inventory.identity import PermissionSet, duration_seconds
from airlock.inventory.model import Unresolved

from .conftest import Loader, resources


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("PT15M", 900), ("PT1H", 3600), ("PT12H", 43200), ("PT1H30M", 5400), ("P1DT2H", 93600),
     ("PT90S", 90), ("pt2h", 7200)],
)  # fmt: skip
def test_iso_durations(text: str, seconds: int) -> None:
    assert duration_seconds(text) == seconds


@pytest.mark.parametrize("text", ["12h", "PT", "P", "P1DT", "PT1.5H", "P1Y", "P1M", "", "3600"])
def test_what_is_not_a_duration_is_unresolved(text: str) -> None:
    found = duration_seconds(text)
    assert isinstance(found, Unresolved) and "ISO-8601" in found.reason


def test_permission_sets(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Analyst:
          Type: AWS::SSO::PermissionSet
          Properties:
            InstanceArn: arn:aws:sso:::instance/ssoins-1234567890abcdef
            Name: analyst
            SessionDuration: PT12H
        Default:
          Type: AWS::SSO::PermissionSet
          Properties: {InstanceArn: arn:aws:sso:::instance/ssoins-1234567890abcdef, Name: d}
        Chosen:
          Type: AWS::SSO::PermissionSet
          Properties:
            InstanceArn: arn:aws:sso:::instance/ssoins-1234567890abcdef
            Name: chosen
            SessionDuration: !Ref Duration
        Garbled:
          Type: AWS::SSO::PermissionSet
          Properties:
            InstanceArn: arn:aws:sso:::instance/ssoins-1234567890abcdef
            Name: garbled
            SessionDuration: twelve hours
        Assignment:
          Type: AWS::SSO::Assignment
          Properties:
            InstanceArn: arn:aws:sso:::instance/ssoins-1234567890abcdef
            PermissionSetArn: !GetAtt Analyst.PermissionSetArn
            PrincipalId: p
            PrincipalType: GROUP
            TargetId: "111122223333"
            TargetType: AWS_ACCOUNT
        """)
        + "Parameters: {Duration: {Type: String}}\n"
    )
    analyst = inventory.get("Analyst", PermissionSet)
    assert analyst is not None
    assert (analyst.name, analyst.session_duration) == ("analyst", 43200)
    default = inventory.get("Default", PermissionSet)
    assert default is not None and default.session_duration is None  # AWS default PT1H
    for unknowable in ("Chosen", "Garbled"):
        found = inventory.get(unknowable, PermissionSet)
        assert found is not None and isinstance(found.session_duration, Unresolved)
    # the other Identity Center types are not modelled, and the scan says so
    [unmodelled] = [g for g in inventory.gaps if g.scope == "unmodelled-types"]
    assert "AWS::SSO::Assignment (Assignment)" in unmodelled.reason

"""AL-AUD-006 when a custom resource may configure invocation logging without showing how."""

from __future__ import annotations

from control_fixtures import inv, verdict

from airlock.controls.model import Status
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.model import CoverageGap

HIDDEN = CoverageGap(
    scope="InvocationLogging",
    reason="custom resource ModelLogging may configure model invocation logging (its name "
    "says so); its properties do not show the configuration",
    resource_id="ModelLogging",
)


def test_a_hidden_configuration_is_named_instead_of_claiming_none() -> None:
    found = verdict("AL-AUD-006", inv(gaps=[HIDDEN]))
    assert found.status is Status.UNKNOWN
    assert found.reason.startswith("Custom resource ModelLogging may configure")
    assert "No model invocation logging configuration" not in found.reason
    assert found.evidence["custom_resources"] == ["ModelLogging"]


def test_a_shown_configuration_is_judged_as_before() -> None:
    shown = InvocationLogging(
        id="Logging", native_type="Custom::Logging", s3_bucket="b", text_delivery=True
    )
    assert verdict("AL-AUD-006", inv(shown, gaps=[HIDDEN]), "Logging").status is Status.PASS
    off = InvocationLogging(
        id="Logging", native_type="Custom::Logging", s3_bucket="b", text_delivery=False
    )
    assert verdict("AL-AUD-006", inv(off, gaps=[HIDDEN]), "Logging").status is Status.FAIL

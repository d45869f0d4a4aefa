"""AL-AUD-001..006: trails and model invocation logging."""

from __future__ import annotations

import pytest
from control_fixtures import U, inv, live, status, verdict

from airlock.controls.model import Status
from airlock.inventory.audit import AdvancedEventSelector, EventSelector, FieldSelector, Trail
from airlock.inventory.bedrock import Agent, InvocationLogging, KnowledgeBase
from airlock.inventory.model import CoverageGap


def selector(*fields: FieldSelector) -> AdvancedEventSelector:
    return AdvancedEventSelector(tuple(fields))


def data(resource_type: str, *extra: FieldSelector) -> AdvancedEventSelector:
    return selector(
        FieldSelector("eventCategory", ("Data",)),
        FieldSelector("resources.type", (resource_type,)),
        *extra,
    )


MANAGEMENT = selector(FieldSelector("eventCategory", ("Management",)))
ARTICLE_SELECTORS = (data("AWS::Bedrock::AgentAlias"), data("AWS::Bedrock::Model"))


def trail(**kw: object) -> Trail:
    return Trail(id="Trail", native_type="AWS::CloudTrail::Trail", **kw)  # type: ignore[arg-type]


# --- AL-AUD-001 ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"event_selectors": (EventSelector(),)},
        {"event_selectors": (EventSelector(read_write_type="ReadOnly"),)},
        {"advanced_event_selectors": (MANAGEMENT, *ARTICLE_SELECTORS)},
        {
            "advanced_event_selectors": (
                selector(
                    FieldSelector("eventCategory", ("Management",)),
                    FieldSelector("readOnly", ("true",)),
                ),
            )
        },
    ],
)
def test_trails_that_record_model_calls(settings: dict[str, object]) -> None:
    assert status("AL-AUD-001", inv(trail(**settings))) is Status.PASS


def test_data_only_selectors_lose_every_model_call() -> None:
    found = verdict("AL-AUD-001", inv(trail(advanced_event_selectors=ARTICLE_SELECTORS)))
    assert found.status is Status.FAIL
    assert "only data-event selectors" in found.reason and "InvokeModel" in found.reason


@pytest.mark.parametrize(
    "settings",
    [
        {"event_selectors": (EventSelector(read_write_type="WriteOnly"),)},
        {"event_selectors": (EventSelector(include_management_events=False),)},
        {
            "event_selectors": (
                EventSelector(exclude_management_event_sources=("bedrock.amazonaws.com",)),
            )
        },
        {
            "advanced_event_selectors": (
                selector(
                    FieldSelector("eventCategory", ("Management",)),
                    FieldSelector("readOnly", ("false",)),
                ),
            )
        },
        {"logging": False},
    ],
)
def test_write_only_or_stopped_trails_fail(settings: dict[str, object]) -> None:
    assert status("AL-AUD-001", inv(trail(**settings))) is Status.FAIL


def test_unreadable_selectors_and_missing_trails() -> None:
    assert status("AL-AUD-001", inv(trail(selectors_unresolved=True))) is Status.UNKNOWN
    assert (
        status("AL-AUD-001", inv(trail(event_selectors=(EventSelector(read_write_type=U),))))
        is Status.UNKNOWN
    )
    absent = verdict("AL-AUD-001", inv())
    assert absent.status is Status.UNKNOWN and "organization trail" in absent.reason
    assert status("AL-AUD-001", live()) is Status.FAIL
    assert (
        status("AL-AUD-001", live(gaps=[CoverageGap("cloudtrail", "AccessDenied")]))
        is Status.UNKNOWN
    )


# --- AL-AUD-002 ----------------------------------------------------------------------


def test_bedrock_data_events() -> None:
    agent = Agent(id="Agent", native_type="AWS::Bedrock::Agent")
    kb = KnowledgeBase(id="Kb", native_type="AWS::Bedrock::KnowledgeBase")
    article = trail(advanced_event_selectors=(MANAGEMENT, *ARTICLE_SELECTORS))
    assert status("AL-AUD-002", inv(article, agent)) is Status.PASS
    missing = verdict("AL-AUD-002", inv(article, agent, kb))
    assert missing.status is Status.FAIL and missing.evidence["missing"] == [
        "AWS::Bedrock::KnowledgeBase"
    ]
    prefix = trail(
        advanced_event_selectors=(
            selector(
                FieldSelector("eventCategory", ("Data",)),
                FieldSelector("resources.type", starts_with=("AWS::Bedrock::",)),
            ),
        )
    )
    # Equals is the only operator CloudTrail accepts on resources.type: no coverage proved
    rejected = verdict("AL-AUD-002", inv(prefix, agent, kb))
    assert rejected.status is Status.UNKNOWN and "other than Equals" in rejected.reason
    logging = InvocationLogging(id="Logging", native_type="Custom::Logging", s3_bucket="b")
    narrowed = trail(
        advanced_event_selectors=(
            data(
                "AWS::Bedrock::Model",
                FieldSelector("resources.ARN", starts_with=("arn:aws:bedrock:eu-central-1:",)),
            ),
        )
    )
    assert status("AL-AUD-002", inv(narrowed, logging)) is Status.UNKNOWN
    found = verdict("AL-AUD-002", inv(trail(), logging))
    assert found.status is Status.FAIL and "asynchronous" in found.reason
    assert status("AL-AUD-002", inv(trail())) is Status.NOT_APPLICABLE


# --- AL-AUD-003..005 -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("control", "attribute", "default"),
    [
        ("AL-AUD-003", "log_file_validation", Status.FAIL),
        ("AL-AUD-004", "multi_region", Status.FAIL),
        ("AL-AUD-005", "logging", Status.PASS),
    ],
)
def test_trail_flags(control: str, attribute: str, default: Status) -> None:
    assert status(control, inv(trail(**{attribute: True})), "Trail") is Status.PASS
    assert status(control, inv(trail(**{attribute: False})), "Trail") is Status.FAIL
    assert status(control, inv(trail(**{attribute: U})), "Trail") is Status.UNKNOWN
    assert status(control, inv(trail()), "Trail") is default
    # no trail at all: AL-AUD-001 reports it; here the template cannot show one, a live
    # account has none to judge
    assert status(control, inv()) is Status.UNKNOWN
    assert status(control, live()) is Status.NOT_APPLICABLE


# --- AL-AUD-006 ----------------------------------------------------------------------


def test_invocation_logging() -> None:
    def logging(**kw: object) -> InvocationLogging:
        return InvocationLogging(
            id="Logging", native_type="aws_bedrock_model_invocation_logging_configuration", **kw
        )  # type: ignore[arg-type]

    assert (
        status("AL-AUD-006", inv(logging(s3_bucket="b", text_delivery=True)), "Logging")
        is Status.PASS
    )
    assert (
        status("AL-AUD-006", inv(logging(s3_bucket="b", text_delivery=False)), "Logging")
        is Status.FAIL
    )
    assert status("AL-AUD-006", inv(logging(text_delivery=True)), "Logging") is Status.FAIL
    assert status("AL-AUD-006", inv(logging(s3_bucket="b")), "Logging") is Status.UNKNOWN
    assert (
        status("AL-AUD-006", inv(logging(log_group="g", text_delivery=U)), "Logging")
        is Status.UNKNOWN
    )
    outside = verdict("AL-AUD-006", inv())
    assert outside.status is Status.UNKNOWN and "outside the template" in outside.reason
    assert status("AL-AUD-006", live()) is Status.FAIL

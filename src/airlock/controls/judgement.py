"""The answer to one question a control asks of the inventory ("can P invoke models without
the endpoint?"), kept apart from the control's verdict so that the policy evaluator can
replace a pattern-level answer without touching the control."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from msgspec import Struct, field


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class Judgement(Struct, frozen=True):
    answer: Answer
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


def yes(reason: str, **evidence: Any) -> Judgement:
    return Judgement(Answer.YES, reason, evidence)


def no(reason: str, **evidence: Any) -> Judgement:
    return Judgement(Answer.NO, reason, evidence)


def undecided(reason: str, **evidence: Any) -> Judgement:
    return Judgement(Answer.UNKNOWN, reason, evidence)

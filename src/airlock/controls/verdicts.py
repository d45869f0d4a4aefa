"""Turn the answer to a question into a control's verdict."""

from __future__ import annotations

from airlock.controls.judgement import Answer, Judgement
from airlock.controls.model import Subject, Verdict, failed, passed, unknown


def from_judgement(subject: Subject, judgement: Judgement, *, bad: Answer = Answer.YES) -> Verdict:
    """FAIL on the ``bad`` answer, PASS on the other, UNKNOWN when undecided."""
    if judgement.answer is Answer.UNKNOWN:
        return unknown(subject, judgement.reason, **judgement.evidence)
    if judgement.answer is bad:
        return failed(subject, judgement.reason, **judgement.evidence)
    return passed(subject, judgement.reason, **judgement.evidence)

"""What a query returns: a verdict, one sentence, the deciding statements, a counterexample."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from types import MappingProxyType

from msgspec import Struct
from msgspec.structs import force_setattr

from .context import ShownValue
from .document import StatementRef


class Verdict(Enum):
    ALLOW = "ALLOW"
    DENY = "DENY"
    UNKNOWN = "UNKNOWN"


class Answer(Struct, frozen=True):
    """The answer to "can ``principal`` perform ``action`` on ``resource``?".

    ``counterexample`` (ALLOW only) is a request context the evaluator allows: condition key
    → value, with absent keys mapped to :data:`~.context.ABSENT`. For a resource pattern
    (``arn:aws:s3:::b/*``) ``resource`` is the concrete resource that was allowed.
    ``deciding`` are the statements that decided: the explicit denies for an explicit DENY,
    the allowing statements of every layer for an ALLOW.
    """

    status: Verdict
    reason: str
    principal: str
    action: str
    resource: str
    deciding: tuple[StatementRef, ...] = ()
    counterexample: Mapping[str, ShownValue] | None = None
    contexts_checked: int = 0
    issues: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.counterexample is not None:
            force_setattr(self, "counterexample", MappingProxyType(dict(self.counterexample)))

    @staticmethod
    def of(
        status: Verdict,
        reason: str,
        request: tuple[str, str, str],
        deciding: tuple[StatementRef, ...],
        counterexample: Mapping[str, ShownValue] | None,
        contexts_checked: int,
        issues: tuple[str, ...],
    ) -> Answer:
        """Build an answer from a (principal, action, resource) request (hot path)."""
        principal, action, resource = request
        return Answer(
            status, reason, principal, action, resource, deciding, counterexample,
            contexts_checked, issues,
        )  # fmt: skip

    def __hash__(self) -> int:
        return hash((self.status, self.principal, self.action, self.resource, self.deciding))

    @property
    def allowed(self) -> bool:
        return self.status is Verdict.ALLOW

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view (for finding evidence)."""
        shown: dict[str, object] | None = None
        if self.counterexample is not None:
            shown = {
                key: (
                    list(value)
                    if isinstance(value, tuple)
                    else value
                    if isinstance(value, str)
                    else "absent"
                )
                for key, value in self.counterexample.items()
            }
        return {
            "status": self.status.value,
            "reason": self.reason,
            "principal": self.principal,
            "action": self.action,
            "resource": self.resource,
            "deciding": [str(ref) for ref in self.deciding],
            "counterexample": shown,
        }

"""Controls, their verdicts, and findings.

A control is one small declarative object: metadata plus a ``check`` that reads the
:class:`ScanContext` and yields :class:`Verdict`s. The engine turns verdicts into
:class:`Finding`s by adding the control's metadata and the obligations of the chosen regimes.
A control never knows which source produced the inventory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any, TypeVar

from msgspec import Struct, field

from airlock.inventory.model import (
    Inventory,
    Location,
    Resource,
    Unresolved,
    has_deploy_token,
)
from airlock.obligations.model import ObligationRef, Regime, Topic


class Status(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    UNKNOWN = "UNKNOWN"
    NOT_APPLICABLE = "NOT_APPLICABLE"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Layer(StrEnum):
    NETWORK = "network"
    ENCRYPTION = "encryption"
    IDENTITY = "identity"
    AUDIT = "audit"
    RESIDENCY = "residency"
    ISOLATION = "isolation"
    OPERATIONS = "operations"


class ResourceRef(Struct, frozen=True):
    """What a finding is about, in the JSON contract's shape."""

    type: str
    id: str
    arn: str | None = None
    region: str | None = None
    account: str | None = None
    location: Location | None = None

    @classmethod
    def of(cls, resource: Resource) -> ResourceRef:
        return cls(
            type=resource.native_type,
            id=resource.id,
            arn=_real_arn(resource.arn),
            region=_known(resource.region),
            account=_known(resource.account),
            location=resource.location,
        )

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "id": self.id}
        for key in ("arn", "region", "account"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.location is not None:
            loc: dict[str, Any] = {"file": self.location.file}
            if self.location.line is not None:
                loc["line"] = self.location.line
            out["location"] = loc
        return out


def _real_arn(value: str | Unresolved | None) -> str | None:
    """The ARN when it is a real one; a synthetic ARN with deploy-time tokens
    (``arn:aws:kms:${AWS::Region}:...``) is not shown as ``resource.arn``."""
    arn = _known(value)
    return None if arn is None or has_deploy_token(arn) else arn


def _known(value: str | Unresolved | None) -> str | None:
    return value if isinstance(value, str) else None


Subject = Resource | ResourceRef


class Verdict(Struct, frozen=True):
    status: Status
    subject: Subject
    reason: str
    evidence: Mapping[str, Any] = field(default_factory=dict)


def passed(subject: Subject, reason: str, **evidence: Any) -> Verdict:
    return Verdict(Status.PASS, subject, reason, evidence)


def failed(subject: Subject, reason: str, **evidence: Any) -> Verdict:
    return Verdict(Status.FAIL, subject, reason, evidence)


def unknown(subject: Subject, reason: str, **evidence: Any) -> Verdict:
    return Verdict(Status.UNKNOWN, subject, reason, evidence)


def not_applicable(subject: Subject, reason: str, **evidence: Any) -> Verdict:
    return Verdict(Status.NOT_APPLICABLE, subject, reason, evidence)


class Settings(Struct, frozen=True):
    """What the user asked for: regimes and the thresholds they set."""

    regimes: tuple[Regime, ...] = ()
    #: None: no residency constraint was asked for
    allowed_regions: frozenset[str] | None = None
    min_retention_days: int = 365
    #: subnet ids (or logical ids / addresses) the user declared as workload subnets
    workload_subnets: frozenset[str] = frozenset()
    #: a subnet carrying this tag key (any value but "false") is a workload subnet
    workload_tag: str = "airlock:workload"
    #: the operator (AWS or the customer's own admins) is in the threat model: Nitro Enclaves
    operator_in_threat_model: bool = False


T = TypeVar("T")


class ScanContext:
    """The inventory, the settings, and analyses shared between controls (computed once)."""

    def __init__(self, inventory: Inventory, settings: Settings) -> None:
        self.inventory = inventory
        self.settings = settings
        self._cache: dict[str, Any] = {}

    def analysis(self, key: str, compute: Callable[[], T]) -> T:
        if key not in self._cache:
            self._cache[key] = compute()
        result: T = self._cache[key]
        return result

    def account_ref(self) -> ResourceRef:
        """The subject of account-level findings (no single resource to blame)."""
        src = self.inventory.source
        return ResourceRef(
            type="account",
            id=_known(src.account) or src.path,
            account=_known(src.account),
            region=_known(src.region),
            location=Location(src.path) if src.kind != "aws" else None,
        )


Check = Callable[[ScanContext], Iterable[Verdict]]


class Control(Struct, frozen=True):
    id: str
    title: str
    layer: Layer
    severity: Severity
    rationale: str
    remediation: str
    topics: tuple[Topic, ...]
    check: Check
    #: cross-references to other tools' checks (checkov, Prowler ids)
    references: tuple[str, ...] = ()


#: the middle part of a control id (``AL-NET-001``) for each layer
ID_PREFIX: Mapping[Layer, str] = {
    Layer.NETWORK: "NET",
    Layer.ENCRYPTION: "ENC",
    Layer.IDENTITY: "IAM",
    Layer.AUDIT: "AUD",
    Layer.RESIDENCY: "RES",
    Layer.ISOLATION: "ISO",
    Layer.OPERATIONS: "OPS",
}


def numbered(
    number: int,
    *,
    title: str,
    layer: Layer,
    severity: Severity,
    rationale: str,
    remediation: str,
    topics: tuple[Topic, ...],
    check: Check,
    references: tuple[str, ...] = (),
) -> Control:
    """A control whose id is ``AL-<layer prefix>-<number, three digits>``."""
    return Control(
        id=f"AL-{ID_PREFIX[layer]}-{number:03d}",
        title=title,
        layer=layer,
        severity=severity,
        rationale=rationale,
        remediation=remediation,
        topics=topics,
        check=check,
        references=references,
    )


class ControlFactory(Struct, frozen=True):
    """The controls of one catalog module: their layer and the topics they serve unless a
    control names its own (``_ctl = ControlFactory(Layer.AUDIT, (...))``)."""

    layer: Layer
    topics: tuple[Topic, ...]

    def __call__(
        self,
        number: int,
        title: str,
        severity: Severity,
        rationale: str,
        remediation: str,
        check: Check,
        *references: str,
        topics: tuple[Topic, ...] | None = None,
    ) -> Control:
        return numbered(
            number,
            title=title,
            layer=self.layer,
            severity=severity,
            rationale=rationale,
            remediation=remediation,
            topics=self.topics if topics is None else topics,
            check=check,
            references=references,
        )


class Finding(Struct, frozen=True):
    control_id: str
    title: str
    layer: Layer
    severity: Severity
    status: Status
    resource: ResourceRef
    reason: str
    evidence: Mapping[str, Any]
    obligations: tuple[ObligationRef, ...]
    remediation: str

    @property
    def identity(self) -> tuple[str, str]:
        return (self.control_id, self.resource.arn or self.resource.id)

    def as_json(self) -> dict[str, Any]:
        return {
            "control_id": self.control_id,
            "title": self.title,
            "layer": self.layer.value,
            "severity": self.severity.value,
            "status": self.status.value,
            "resource": self.resource.as_json(),
            "reason": self.reason,
            "evidence": _jsonable(self.evidence),
            "obligations": [dict(shown) for shown in _obligations_json(self.obligations)],
            "remediation": self.remediation,
        }


#: id(obligations) -> (obligations, their JSON): the findings of one control share one tuple
#: (the engine builds it once per control), so an identity memo avoids hashing it per finding;
#: the entry keeps the tuple alive, so its id cannot be reused while it is remembered
_SHOWN_OBLIGATIONS: dict[int, tuple[tuple[ObligationRef, ...], tuple[dict[str, str], ...]]] = {}


def _obligations_json(obligations: tuple[ObligationRef, ...]) -> tuple[dict[str, str], ...]:
    """:meth:`ObligationRef.as_json` of each, computed once per tuple (callers copy)."""
    entry = _SHOWN_OBLIGATIONS.get(id(obligations))
    if entry is None or entry[0] is not obligations:
        if len(_SHOWN_OBLIGATIONS) >= 512:
            _SHOWN_OBLIGATIONS.clear()
        entry = (obligations, tuple(o.as_json() for o in obligations))
        _SHOWN_OBLIGATIONS[id(obligations)] = entry
    return entry[1]


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    """Evidence may hold tuples, frozensets, Unresolved, enums: make it plain JSON."""
    kind = type(value)
    # exact-type fast paths for what evidence mostly holds (same results as the general
    # checks below, which still handle subclasses such as StrEnum or OrderedDict)
    if kind in _PLAIN:
        return value
    if kind is dict:
        return {str(k): _jsonable(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_jsonable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, Unresolved):
        return {"unresolved": value.reason}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, ResourceRef):
        return value.as_json()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "as_json"):
        return _jsonable(value.as_json())
    return str(value)


def subject_ref(subject: Subject) -> ResourceRef:
    return subject if isinstance(subject, ResourceRef) else ResourceRef.of(subject)

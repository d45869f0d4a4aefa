"""The Inventory: one resource model shared by every source.

A source (CloudFormation template, Terraform plan, live account, snapshot) turns what it reads
into typed, frozen resources; controls only ever see these. Three rules hold everywhere:

* A value the source could not determine is an :class:`Unresolved`, never a guess and never
  ``None``. ``None`` means "not set" (and the AWS default applies); ``Unresolved`` means "set,
  but we cannot know to what" (an ``Fn::ImportValue``, a value known only after apply, an
  AccessDenied). Controls that need an ``Unresolved`` value answer UNKNOWN.
* Relations between resources are ids: the ``id`` of another resource in the same inventory
  when the source could resolve the reference, otherwise the literal the user wrote (an ARN,
  ``vpc-0abc``...), which :meth:`Inventory.get` will not find.
* Whatever a source could not see at all is a :class:`CoverageGap`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from enum import StrEnum
from typing import Any, TypeAlias, TypeGuard, TypeVar

from msgspec import Struct, field


class Unresolved(Struct, frozen=True):
    """A value that is set but cannot be known from the source; ``reason`` says why.

    ``single``: the value is certainly exactly one scalar (an imported export, a String
    parameter), not a list and not possibly absent, so a reader may treat it as one opaque
    literal (:func:`airlock.controls.policy_documents._opaque`)."""

    reason: str
    single: bool = False

    def __str__(self) -> str:
        return f"<unresolved: {self.reason}>"


T = TypeVar("T")
#: A value that may be unresolved.
Val: TypeAlias = T | Unresolved


#: A deploy-time token inside a string, as an IaC source keeps it when a value is chosen at
#: deploy time: ``${AWS::Region}``, ``${LogicalId}`` or ``${LogicalId.Attribute}``. IAM policy
#: variables (``${aws:username}``) never match: their key has exactly one colon, tokens have
#: none or two.
DEPLOY_TOKEN = re.compile(r"\$\{(?:AWS::[A-Za-z]+|[A-Za-z0-9]+(?:\.[A-Za-z0-9.]+)?)\}")


def has_deploy_token(text: str) -> bool:
    """Whether ``text`` contains a deploy-time token (and so is only partially known)."""
    return "${" in text and DEPLOY_TOKEN.search(text) is not None


def is_unresolved(value: object) -> TypeGuard[Unresolved]:
    return isinstance(value, Unresolved)


#: A parsed policy document (IAM JSON as a dict), unresolved, or None when not set.
PolicyDocument: TypeAlias = Mapping[str, Any]
PolicyValue: TypeAlias = PolicyDocument | Unresolved | None


class Location(Struct, frozen=True):
    """Where a resource is declared: a file and a 1-based line."""

    file: str
    line: int | None = None


class SourceKind(StrEnum):
    CLOUDFORMATION = "cloudformation"
    TERRAFORM_PLAN = "terraform-plan"
    AWS = "aws"
    SNAPSHOT = "snapshot"


class Resource(Struct, frozen=True, kw_only=True):
    """Base of every inventory resource.

    ``id`` is the logical ID (CloudFormation), the address (Terraform) or the AWS id (live).
    ``native_type`` is the type as the source names it (``AWS::EC2::Subnet``, ``aws_subnet``).
    """

    id: str
    native_type: str
    arn: Val[str] | None = None
    #: the physical AWS id (vpc-0abc, a bucket name...) when known
    aws_id: Val[str] | None = None
    region: Val[str] | None = None
    account: Val[str] | None = None
    location: Location | None = None
    tags: Mapping[str, Val[str]] = field(default_factory=dict)
    #: ids of other source resources folded into this one (split Terraform resources,
    #: separate CloudFormation policy resources) -- evidence of where a value came from.
    configured_by: tuple[str, ...] = ()


class NamedPolicy(Struct, frozen=True):
    """A policy document with the name it is known by (inline name, managed ARN, resource id)."""

    name: str
    document: PolicyDocument | Unresolved
    origin: str | None = None  # id of the resource that declared it


#: the words of a coverage gap on a resource that a source kept although it exists only
#: under a condition it cannot decide (controls must not prove anything through it)
CONDITIONAL_GAP = "exists only if its condition"


class CoverageGap(Struct, frozen=True):
    """Something the source could not see. Controls over it cannot PASS."""

    scope: str  # a resource type, a service, or a resource id
    reason: str
    resource_id: str | None = None


class SourceInfo(Struct, frozen=True):
    kind: SourceKind
    path: str  # file path, or account/region for live sources
    account: Val[str] | None = None
    region: Val[str] | None = None


R = TypeVar("R", bound=Resource)


class Inventory:
    """Resources indexed by id and by class, plus coverage gaps."""

    def __init__(
        self,
        source: SourceInfo,
        resources: list[Resource] | None = None,
        gaps: list[CoverageGap] | None = None,
    ) -> None:
        self.source = source
        self._by_id: dict[str, Resource] = {}
        self._by_type: dict[type[Resource], list[Resource]] = {}
        self.gaps: list[CoverageGap] = list(gaps or [])
        for resource in resources or []:
            self.add(resource)

    def add(self, resource: Resource) -> None:
        if resource.id in self._by_id:
            old = self._by_id[resource.id]
            self._by_type[type(old)].remove(old)
        self._by_id[resource.id] = resource
        self._by_type.setdefault(type(resource), []).append(resource)

    def replace(self, resource: Resource) -> None:
        """Swap in a new version of a resource (same id), e.g. after joining a split resource."""
        self.add(resource)

    def get(self, resource_id: object, kind: type[R]) -> R | None:
        """The resource with this id and class, or None (also for unresolved ids)."""
        if not isinstance(resource_id, str):
            return None
        found = self._by_id.get(resource_id)
        return found if isinstance(found, kind) else None

    def find(self, ref: object, kind: type[R]) -> R | None:
        """Look a reference up by id, then by ARN, then by name-like attributes."""
        direct = self.get(ref, kind)
        if direct is not None or not isinstance(ref, str):
            return direct
        for resource in self.of(kind):
            if resource.arn == ref:
                return resource
            if ref in _aliases(resource):
                return resource
        return None

    def of(self, kind: type[R]) -> list[R]:
        """Every resource of this class (and its subclasses), in insertion order."""
        found: list[R] = []
        for cls, items in self._by_type.items():
            if issubclass(cls, kind):
                found.extend(items)  # type: ignore[arg-type]
        return found

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def gaps_for(self, scope: str) -> list[CoverageGap]:
        return [g for g in self.gaps if g.scope == scope or g.resource_id == scope]


def _aliases(resource: Resource) -> tuple[str, ...]:
    names: list[str] = []
    for attr in ("name", "aws_id", "bucket_name", "key_id"):
        value = getattr(resource, attr, None)
        if isinstance(value, str):
            names.append(value)
    return tuple(names)

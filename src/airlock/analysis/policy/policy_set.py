"""The policy layers that apply to one request, grouped as AWS evaluates them.

* ``identity``: every identity policy of the caller (inline, managed, its groups').
* ``boundary``: the permissions boundary, if any. ``session``: the session policy, if any.
* ``scps``: one tuple per level, root → OU → ... → account; every level must allow (union
  within a level). Give none for the management account; they never apply to service-linked
  roles or to non-IAM callers.
* ``rcps``: resource control policies of the resource's account. ``RCPFullAWSAccess`` is
  implicit, so only their ``Deny`` statements matter.
* ``resource_policy``: the resource's policy; its :class:`PolicyKind` decides the rules —
  ``RESOURCE`` (S3, SQS...: may grant on its own in the same account), ``KEY_POLICY`` and
  ``TRUST`` (must allow; the account principal only delegates to IAM policies).
* ``grants``: KMS grants on the key (allow-only).
* ``endpoints``: VPC endpoints with their policies; an endpoint's policy applies only to
  requests whose ``aws:SourceVpce`` is that endpoint.
* ``resource_account``: the resource owner (derived from the resource ARN when it has one).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from msgspec import Struct, field
from msgspec.structs import force_setattr

from .document import PolicyDocument
from .principal import Principal


class Grant(Struct, frozen=True):
    """A KMS grant: ``grantee`` may call ``operations`` (``Decrypt``, ``GenerateDataKey``...).

    ``encryption_context`` holds ``EncryptionContextEquals``/``EncryptionContextSubset``
    constraints; requests must carry those pairs (``kms:EncryptionContext:<key>``).
    """

    grant_id: str
    grantee: str
    operations: tuple[str, ...]
    encryption_context: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        force_setattr(self, "operations", tuple(self.operations))
        force_setattr(self, "encryption_context", MappingProxyType(dict(self.encryption_context)))

    def __hash__(self) -> int:
        return hash((self.grant_id, self.grantee, self.operations))

    def covers(self, action: str) -> bool:
        service, _, operation = action.partition(":")
        if service.lower() != "kms":
            return False
        return any(op.lower() == operation.lower() for op in self.operations)


class Endpoint(Struct, frozen=True):
    """A VPC endpoint on the request path. ``policy`` None is the default full-access policy."""

    endpoint_id: str
    policy: PolicyDocument | None = None
    vpc_id: str | None = None
    account: str | None = None


class PolicySet(Struct, frozen=True, dict=True):
    """The layers of one request (see the module docstring).

    The fast path keeps per-caller frames in the instance's ``__dict__``, outside the fields.
    """

    identity: tuple[PolicyDocument, ...] = ()
    boundary: PolicyDocument | None = None
    session: PolicyDocument | None = None
    scps: tuple[tuple[PolicyDocument, ...], ...] = ()
    rcps: tuple[PolicyDocument, ...] = ()
    resource_policy: PolicyDocument | None = None
    grants: tuple[Grant, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    resource_account: str | None = None

    def __post_init__(self) -> None:
        force_setattr(self, "identity", tuple(self.identity))
        force_setattr(self, "scps", tuple(tuple(level) for level in self.scps))
        force_setattr(self, "rcps", tuple(self.rcps))
        force_setattr(self, "grants", tuple(self.grants))
        force_setattr(self, "endpoints", tuple(self.endpoints))

    def documents(self) -> tuple[PolicyDocument, ...]:
        docs: list[PolicyDocument] = [*self.identity, *self.rcps]
        docs += [doc for level in self.scps for doc in level]
        docs += [d for d in (self.boundary, self.session, self.resource_policy) if d is not None]
        docs += [e.policy for e in self.endpoints if e.policy is not None]
        return tuple(docs)


class Identity(Struct, frozen=True):
    """A principal with its own identity-side policies, for :func:`who_can`.

    ``scps`` None means "use the shared policy set's SCPs".
    """

    principal: Principal
    policies: tuple[PolicyDocument, ...] = ()
    boundary: PolicyDocument | None = None
    scps: tuple[tuple[PolicyDocument, ...], ...] | None = None

    def __post_init__(self) -> None:
        force_setattr(self, "policies", tuple(self.policies))

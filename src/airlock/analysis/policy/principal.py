"""Who makes the request, and how a ``Principal``/``NotPrincipal`` element names them.

A :class:`Principal` is the caller: an IAM role (evaluated as a session of that role), user,
account root user, STS federated user, an identity from an external IdP (``Federated``), an
AWS service principal, or an anonymous caller. Its ARN, account and tags fix the
principal-side condition keys (``aws:PrincipalArn``, ``aws:PrincipalTag/*``...).

How a resource policy names a principal decides which identity-side policies still apply in
the same account (IAM "policy evaluation basics"):

* the role session / federated-user / user ARN, the service, the IdP, or ``*``: grants on its
  own (:attr:`Naming.DIRECT`);
* the role ARN (or the IAM user behind a federated user): identity policy not needed, but the
  permissions boundary and session policy still cap it (:attr:`Naming.ROLE`);
* the account (``123456789012`` or ``arn:aws:iam::123456789012:root``): delegation only — the
  account's identity-side policies must allow (:attr:`Naming.ACCOUNT`).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from functools import lru_cache
from types import MappingProxyType

from msgspec import Struct, field
from msgspec.structs import force_setattr

from .context import ContextValue
from .truth import Truth


class PrincipalKind(Enum):
    ROLE = "role"
    USER = "user"
    ROOT = "root"
    FEDERATED_USER = "federated-user"
    FEDERATED = "federated"
    SERVICE = "service"
    ANONYMOUS = "anonymous"


IAM_KINDS = frozenset(
    {PrincipalKind.ROLE, PrincipalKind.USER, PrincipalKind.ROOT, PrincipalKind.FEDERATED_USER}
)


class Naming(Enum):
    """How strongly a resource-policy statement names the caller (strongest first)."""

    DIRECT = 3
    ROLE = 2
    ACCOUNT = 1
    NONE = 0


@lru_cache(maxsize=65536)
def account_of(arn: str) -> str | None:
    parts = arn.split(":")
    if len(parts) >= 6 and parts[0] == "arn" and parts[4]:
        return parts[4]
    return None


class Principal(Struct, frozen=True, dict=True):
    """The caller of a request.

    ``arn`` is the role ARN for a role (with its path), the user ARN, ``arn:aws:iam::A:root``
    for the root user, the ``arn:aws:sts::A:federated-user/N`` ARN, the IdP (ARN of an
    ``oidc-provider``/``saml-provider`` or a name like ``cognito-identity.amazonaws.com``), the
    service principal name (``cloudtrail.amazonaws.com``), or ``*`` for anonymous callers.
    ``org_id`` None means unknown (the ``aws:PrincipalOrgID`` key is then left free).
    ``session_name`` None means any session name.

    Evaluation caches (:func:`principal_context`, the fast path) live in the instance's
    ``__dict__``, outside the fields: they take no part in equality, hash or repr.
    """

    arn: str
    account: str | None = None
    kind: PrincipalKind = PrincipalKind.ROLE
    tags: Mapping[str, str] = field(default_factory=dict)
    org_id: str | None = None
    org_paths: tuple[str, ...] = ()
    session_name: str | None = None
    service_linked: bool = False
    parent_user_arn: str | None = None

    def __post_init__(self) -> None:
        force_setattr(self, "tags", MappingProxyType(dict(self.tags)))
        if self.account is None and self.kind in IAM_KINDS:
            force_setattr(self, "account", account_of(self.arn))

    def __hash__(self) -> int:
        return hash((self.arn, self.kind, self.session_name, tuple(sorted(self.tags.items()))))

    @staticmethod
    def role(arn: str, tags: Mapping[str, str] | None = None, **extra: object) -> Principal:
        return Principal(arn, None, PrincipalKind.ROLE, tags or {}, **extra)  # type: ignore[arg-type]

    @staticmethod
    def user(arn: str, tags: Mapping[str, str] | None = None, **extra: object) -> Principal:
        return Principal(arn, None, PrincipalKind.USER, tags or {}, **extra)  # type: ignore[arg-type]

    @staticmethod
    def root(account: str) -> Principal:
        return Principal(f"arn:aws:iam::{account}:root", account, PrincipalKind.ROOT)

    @staticmethod
    def service(name: str) -> Principal:
        return Principal(name, None, PrincipalKind.SERVICE)

    @staticmethod
    def anonymous() -> Principal:
        return Principal("*", None, PrincipalKind.ANONYMOUS)

    @property
    def name(self) -> str:
        """Last path element of the ARN (role or user name)."""
        return self.arn.rsplit("/", 1)[-1]

    def session_arns(self) -> tuple[str, ...]:
        """The ``assumed-role`` ARN prefix for a role (session name appended by the caller)."""
        if self.kind is not PrincipalKind.ROLE or self.account is None:
            return ()
        partition = self.arn.split(":")[1] if self.arn.startswith("arn:") else "aws"
        return (f"arn:{partition}:sts::{self.account}:assumed-role/{self.name}/",)


_PRINCIPAL_TYPE = {
    PrincipalKind.ROLE: "AssumedRole",
    PrincipalKind.USER: "User",
    PrincipalKind.ROOT: "Account",
    PrincipalKind.FEDERATED_USER: "FederatedUser",
    PrincipalKind.ANONYMOUS: "Anonymous",
}


def principal_context(principal: Principal) -> tuple[dict[str, ContextValue], frozenset[str]]:
    """Context keys fixed by the principal: (values present, prefixes/keys fixed as absent)."""
    cached = principal.__dict__.get("_context")
    if cached is None:
        cached = _principal_context(principal)
        principal.__dict__["_context"] = cached
    values, absent = cached
    return dict(values), absent


def _principal_context(principal: Principal) -> tuple[dict[str, ContextValue], frozenset[str]]:
    values: dict[str, ContextValue] = {}
    absent: set[str] = set()
    kind = principal.kind
    if kind in IAM_KINDS:
        values["aws:principalarn"] = principal.arn
        if principal.account:
            values["aws:principalaccount"] = principal.account
            values["kms:calleraccount"] = principal.account
        values["aws:principalisawsservice"] = "false"
        absent |= {"aws:principalservicename", "aws:sourcearn", "aws:sourceaccount"}
        absent |= {"aws:sourceorgid", "aws:sourceorgpaths", "aws:sourceowner"}
        for key, value in principal.tags.items():
            values[f"aws:principaltag/{key.lower()}"] = value
        absent.add("aws:principaltag/")  # every other principal tag is known to be absent
        if principal.org_id is not None:
            values["aws:principalorgid"] = principal.org_id
            values["aws:principalorgpaths"] = principal.org_paths
        if kind is PrincipalKind.USER:
            values["aws:username"] = principal.name
        else:
            absent.add("aws:username")
        if kind is PrincipalKind.ROOT and principal.account:
            values["aws:userid"] = principal.account
    elif kind is PrincipalKind.SERVICE:
        values["aws:principalisawsservice"] = "true"
        values["aws:principalservicename"] = principal.arn
        absent |= {"aws:principalarn", "aws:principalaccount", "aws:principalorgid"}
        absent |= {"aws:principaltag/", "aws:username", "aws:userid", "kms:calleraccount"}
    elif kind is PrincipalKind.ANONYMOUS:
        absent |= {"aws:principalarn", "aws:principalaccount", "aws:principalorgid"}
        absent |= {"aws:principaltag/", "aws:username", "aws:userid", "kms:calleraccount"}
        absent |= {"aws:principalisawsservice", "aws:principalservicename"}
    if kind in _PRINCIPAL_TYPE:
        values["aws:principaltype"] = _PRINCIPAL_TYPE[kind]
    return values, frozenset(absent)


def name_entry(entry_type: str, value: str, principal: Principal) -> Naming | Truth:
    """How one ``Principal`` entry (``AWS``/``Service``/``Federated``/``*``) names the caller.

    Returns :class:`Truth.UNKNOWN` for entries that cannot be resolved (``CanonicalUser``).
    """
    if value == "*" and entry_type in ("*", "AWS"):
        return Naming.DIRECT
    kind = principal.kind
    if entry_type == "Service":
        return (
            Naming.DIRECT
            if kind is PrincipalKind.SERVICE and value == principal.arn
            else Naming.NONE
        )
    if entry_type == "Federated":
        return (
            Naming.DIRECT
            if kind is PrincipalKind.FEDERATED and value == principal.arn
            else Naming.NONE
        )
    if entry_type == "CanonicalUser":
        return Truth.UNKNOWN
    if entry_type != "AWS" or kind not in IAM_KINDS:
        return Naming.NONE
    account = principal.account
    if (
        value == account
        or value == f"arn:aws:iam::{account}:root"
        or (value.startswith("arn:") and value.endswith(f":iam::{account}:root"))
    ):
        return Naming.DIRECT if kind is PrincipalKind.ROOT else Naming.ACCOUNT
    if value == principal.arn:
        return Naming.ROLE if kind is PrincipalKind.ROLE else Naming.DIRECT
    if kind is PrincipalKind.ROLE:
        for prefix in principal.session_arns():
            if value.startswith(prefix):
                session = value[len(prefix) :]
                if principal.session_name is None or principal.session_name == session:
                    return Naming.DIRECT
    if kind is PrincipalKind.FEDERATED_USER and value == principal.parent_user_arn:
        return Naming.ROLE
    return Naming.NONE

"""IAM principals and the policies attached to them; organization policies."""

from __future__ import annotations

from dataclasses import dataclass

from airlock.inventory.model import NamedPolicy, PolicyValue, Resource, Val


@dataclass(frozen=True, kw_only=True)
class Role(Resource):
    name: Val[str] | None = None
    trust_policy: PolicyValue = None
    inline_policies: tuple[NamedPolicy, ...] = ()
    #: ARNs of AWS managed policies, or ids of ManagedPolicy resources in the inventory
    managed_policies: tuple[Val[str], ...] = ()
    permissions_boundary: Val[str] | None = None
    max_session_duration: Val[int] | None = None  # seconds; None: AWS default 3600


@dataclass(frozen=True, kw_only=True)
class User(Resource):
    name: Val[str] | None = None
    inline_policies: tuple[NamedPolicy, ...] = ()
    managed_policies: tuple[Val[str], ...] = ()
    groups: tuple[Val[str], ...] = ()
    permissions_boundary: Val[str] | None = None
    has_console_password: Val[bool] | None = None


@dataclass(frozen=True, kw_only=True)
class Group(Resource):
    name: Val[str] | None = None
    inline_policies: tuple[NamedPolicy, ...] = ()
    managed_policies: tuple[Val[str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class ManagedPolicy(Resource):
    """A customer managed policy; attachments are joined from every source form."""

    name: Val[str] | None = None
    document: PolicyValue = None
    roles: tuple[Val[str], ...] = ()
    users: tuple[Val[str], ...] = ()
    groups: tuple[Val[str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class AccessKey(Resource):
    """A long-term IAM user access key."""

    user: Val[str]
    status: Val[str] | None = None  # Active | Inactive


@dataclass(frozen=True, kw_only=True)
class ServiceSpecificCredential(Resource):
    """A service-specific credential; for ``bedrock.amazonaws.com`` a long-term Bedrock API key."""

    user: Val[str]
    service_name: Val[str]
    status: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class InstanceProfile(Resource):
    roles: tuple[Val[str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class OidcProvider(Resource):
    url: Val[str]
    client_ids: tuple[Val[str], ...] = ()


@dataclass(frozen=True, kw_only=True)
class SamlProvider(Resource):
    name: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class OrganizationPolicy(Resource):
    """A service control policy (SCP) or resource control policy (RCP)."""

    policy_type: str  # SERVICE_CONTROL_POLICY | RESOURCE_CONTROL_POLICY
    name: Val[str] | None = None
    document: PolicyValue = None
    targets: tuple[Val[str], ...] = ()

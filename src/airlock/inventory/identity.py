"""IAM principals and the policies attached to them; organization policies."""

from __future__ import annotations

import re

from airlock.inventory.model import NamedPolicy, PolicyValue, Resource, Unresolved, Val


class Role(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    trust_policy: PolicyValue = None
    inline_policies: tuple[NamedPolicy, ...] = ()
    #: ARNs of AWS managed policies, or ids of ManagedPolicy resources in the inventory
    managed_policies: tuple[Val[str], ...] = ()
    permissions_boundary: Val[str] | None = None
    max_session_duration: Val[int] | None = None  # seconds; None: AWS default 3600


class User(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    inline_policies: tuple[NamedPolicy, ...] = ()
    managed_policies: tuple[Val[str], ...] = ()
    groups: tuple[Val[str], ...] = ()
    permissions_boundary: Val[str] | None = None
    has_console_password: Val[bool] | None = None


class Group(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    inline_policies: tuple[NamedPolicy, ...] = ()
    managed_policies: tuple[Val[str], ...] = ()


class ManagedPolicy(Resource, frozen=True, kw_only=True):
    """A customer managed policy; attachments are joined from every source form."""

    name: Val[str] | None = None
    document: PolicyValue = None
    roles: tuple[Val[str], ...] = ()
    users: tuple[Val[str], ...] = ()
    groups: tuple[Val[str], ...] = ()


class AccessKey(Resource, frozen=True, kw_only=True):
    """A long-term IAM user access key."""

    user: Val[str]
    status: Val[str] | None = None  # Active | Inactive


class ServiceSpecificCredential(Resource, frozen=True, kw_only=True):
    """A service-specific credential; for ``bedrock.amazonaws.com`` a long-term Bedrock API key."""

    user: Val[str]
    service_name: Val[str]
    status: Val[str] | None = None


class InstanceProfile(Resource, frozen=True, kw_only=True):
    roles: tuple[Val[str], ...] = ()


class OidcProvider(Resource, frozen=True, kw_only=True):
    url: Val[str]
    client_ids: tuple[Val[str], ...] = ()


class SamlProvider(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None


class OrganizationPolicy(Resource, frozen=True, kw_only=True):
    """A service control policy (SCP) or resource control policy (RCP)."""

    policy_type: str  # SERVICE_CONTROL_POLICY | RESOURCE_CONTROL_POLICY
    name: Val[str] | None = None
    document: PolicyValue = None
    targets: tuple[Val[str], ...] = ()


class PermissionSet(Resource, frozen=True, kw_only=True):
    """An IAM Identity Center permission set: how people sign in to the accounts it is
    assigned to (Identity Center creates a role from it in each of them)."""

    name: Val[str] | None = None
    #: seconds; None: not set (Identity Center default PT1H, 3600)
    session_duration: Val[int] | None = None


#: an ISO-8601 duration in days, hours, minutes and seconds (PT15M, PT1H, PT12H, P1DT2H)
_DURATION = re.compile(r"P(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def duration_seconds(text: str) -> Val[int]:
    """Seconds of an ISO-8601 duration as Identity Center writes them (``PT12H``).

    Years, months and weeks have no fixed length in seconds and are not accepted; anything
    that is not such a duration is Unresolved, not a guess.
    """
    found = _DURATION.fullmatch(text.strip().upper())
    if found is None or not any(found.groups()):
        return Unresolved(f"{text!r:.40} is not an ISO-8601 duration such as PT1H")
    days, hours, minutes, seconds = (int(part or 0) for part in found.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds

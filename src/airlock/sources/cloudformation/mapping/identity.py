"""IAM principals and policies, and organization policies (SCPs, RCPs).

Policies declared apart from their principals are folded in: ``AWS::IAM::Policy``,
``RolePolicy``, ``UserPolicy`` and ``GroupPolicy`` become entries of the principals'
``inline_policies`` (``origin`` names the declaring resource); a ``ManagedPolicy`` lists its
attachments and each attached principal lists the policy's logical id in
``managed_policies``; ``UserToGroupAddition`` fills ``User.groups``.
"""

from __future__ import annotations

from airlock.inventory.identity import (
    AccessKey,
    Group,
    InstanceProfile,
    ManagedPolicy,
    OidcProvider,
    OrganizationPolicy,
    Role,
    SamlProvider,
    ServiceSpecificCredential,
    User,
)
from airlock.inventory.model import NamedPolicy, Resource, Unresolved
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, or_unresolved
from airlock.sources.cloudformation.template import Declaration

ROLE = ("AWS::IAM::Role",)
USER = ("AWS::IAM::User",)
GROUP = ("AWS::IAM::Group",)
MANAGED = ("AWS::IAM::ManagedPolicy",)
_UNNAMED = "(unresolved)"
ORGANIZATION_POLICY_TYPES = ("SERVICE_CONTROL_POLICY", "RESOURCE_CONTROL_POLICY")


def _named(p: Props, origin: str) -> NamedPolicy:
    name = p.text("PolicyName")
    document = or_unresolved(p.policy("PolicyDocument"), "the policy has no PolicyDocument")
    return NamedPolicy(name if isinstance(name, str) else _UNNAMED, document, origin)


def _inline(p: Props, origin: str) -> tuple[NamedPolicy, ...]:
    items = p.children("Policies")
    if isinstance(items, Unresolved):
        return (NamedPolicy(_UNNAMED, Unresolved(f"Policies: {items.reason}"), origin),)
    return tuple(_named(item, origin) for item in items)


def _role(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        Role(
            **ctx.common(d, p),
            name=p.text("RoleName"),
            trust_policy=p.policy("AssumeRolePolicyDocument"),
            inline_policies=_inline(p, d.logical_id),
            managed_policies=p.rels("ManagedPolicyArns", types=MANAGED),
            permissions_boundary=p.rel("PermissionsBoundary", types=MANAGED),
            max_session_duration=p.integer("MaxSessionDuration"),
        )
    )


def _user(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        User(
            **ctx.common(d, p),
            name=p.text("UserName"),
            inline_policies=_inline(p, d.logical_id),
            managed_policies=p.rels("ManagedPolicyArns", types=MANAGED),
            groups=p.rels("Groups", types=GROUP),
            permissions_boundary=p.rel("PermissionsBoundary", types=MANAGED),
            has_console_password=p.has("LoginProfile"),
        )
    )


def _group(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        Group(
            **ctx.common(d, p),
            name=p.text("GroupName"),
            inline_policies=_inline(p, d.logical_id),
            managed_policies=p.rels("ManagedPolicyArns", types=MANAGED),
        )
    )


_PRINCIPALS: tuple[tuple[str, type[Resource], tuple[str, ...]], ...] = (
    ("Roles", Role, ROLE),
    ("Users", User, USER),
    ("Groups", Group, GROUP),
)


def _managed_policy(d: Declaration, p: Props, ctx: MapContext) -> None:
    attached = {key: p.rels(key, types=types) for key, _, types in _PRINCIPALS}
    ctx.add(
        ManagedPolicy(
            **ctx.common(d, p),
            name=p.text("ManagedPolicyName"),
            document=p.policy("PolicyDocument"),
            roles=attached["Roles"],
            users=attached["Users"],
            groups=attached["Groups"],
        )
    )
    for key, kind, _ in _PRINCIPALS:
        for principal in attached[key]:
            if isinstance(principal, str) and ctx.type_of(principal) is None:
                continue  # a principal outside the template: the attachment is on the policy
            ctx.joins.append(
                principal,
                kind,
                "managed_policies",
                (d.logical_id,),
                d.logical_id,
                "managed policy attachment",
            )


def _policy(d: Declaration, p: Props, ctx: MapContext) -> None:
    named = _named(p, d.logical_id)
    attached = False
    for key, kind, types in _PRINCIPALS:
        for principal in p.rels(key, types=types):
            attached = True
            ctx.joins.append(
                principal, kind, "inline_policies", (named,), d.logical_id, "IAM policy"
            )
    if not attached:
        ctx.gap(d.logical_id, "this IAM policy is attached to no role, user or group", d.logical_id)


def _principal_policy(key: str, kind: type[Resource], types: tuple[str, ...]) -> Mapper:
    def mapper(d: Declaration, p: Props, ctx: MapContext) -> None:
        principal = or_unresolved(p.rel(key, types=types), f"the policy names no {key}")
        ctx.joins.append(
            principal,
            kind,
            "inline_policies",
            (_named(p, d.logical_id),),
            d.logical_id,
            "IAM policy",
        )

    return mapper


def _access_key(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        AccessKey(
            **ctx.common(d, p),
            user=or_unresolved(p.rel("UserName", types=USER), "the key names no UserName"),
            status=p.text("Status"),
        )
    )


def _service_credential(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        ServiceSpecificCredential(
            **ctx.common(d, p),
            user=or_unresolved(p.rel("UserName", types=USER), "the credential names no UserName"),
            service_name=or_unresolved(p.text("ServiceName"), "the credential names no service"),
        )
    )


def _instance_profile(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(InstanceProfile(**ctx.common(d, p), roles=p.rels("Roles", types=ROLE)))


def _oidc(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        OidcProvider(
            **ctx.common(d, p),
            url=or_unresolved(p.text("Url"), "the provider has no Url"),
            client_ids=p.texts("ClientIdList"),
        )
    )


def _saml(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(SamlProvider(**ctx.common(d, p), name=p.text("Name")))


def _group_addition(d: Declaration, p: Props, ctx: MapContext) -> None:
    group = or_unresolved(p.rel("GroupName", types=GROUP), "the addition names no GroupName")
    for user in p.rels("Users", types=USER):
        ctx.joins.append(user, User, "groups", (group,), d.logical_id, "group membership")


def organization_policy(d: Declaration, p: Props, ctx: MapContext) -> bool:
    """Map an SCP or RCP; False for the other organization policy types (not modelled)."""
    kind = p.text("Type")
    if isinstance(kind, Unresolved):
        ctx.gap(
            d.logical_id,
            f"the organization policy's Type is not known: {kind.reason}",
            d.logical_id,
        )
        return True
    if kind not in ORGANIZATION_POLICY_TYPES:
        return False
    ctx.add(
        OrganizationPolicy(
            **ctx.common(d, p),
            policy_type=kind,
            name=p.text("Name"),
            document=p.policy("Content"),
            targets=p.rels("TargetIds"),
        )
    )
    return True


MAPPERS: dict[str, Mapper] = {
    "AWS::IAM::Role": _role,
    "AWS::IAM::User": _user,
    "AWS::IAM::Group": _group,
    "AWS::IAM::ManagedPolicy": _managed_policy,
    "AWS::IAM::Policy": _policy,
    "AWS::IAM::RolePolicy": _principal_policy("RoleName", Role, ROLE),
    "AWS::IAM::UserPolicy": _principal_policy("UserName", User, USER),
    "AWS::IAM::GroupPolicy": _principal_policy("GroupName", Group, GROUP),
    "AWS::IAM::AccessKey": _access_key,
    "AWS::IAM::ServiceSpecificCredential": _service_credential,
    "AWS::IAM::InstanceProfile": _instance_profile,
    "AWS::IAM::OIDCProvider": _oidc,
    "AWS::IAM::SAMLProvider": _saml,
    "AWS::IAM::UserToGroupAddition": _group_addition,
}

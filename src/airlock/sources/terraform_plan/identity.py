"""IAM principals and policies, their attachments, and organization policies.

Inline policies (``aws_iam_{role,user,group}_policy``) become :class:`NamedPolicy` entries of
the principal; attachments add the policy ARN (or the ``aws_iam_policy`` address) to its
``managed_policies`` and the principal to the policy's ``roles``/``users``/``groups``. A role's
own ``inline_policy`` / ``managed_policy_arns`` are attribute-as-blocks arguments: omitted,
they only report what AWS had (see :mod:`assembly`). Deleting an attachment or inline policy
resource detaches or deletes it. ``aws_iam_*_policies_exclusive`` and
``aws_iam_*_policy_attachments_exclusive`` keep only the names/ARNs they list (best effort:
only when every listed name is known). ``aws_iam_policy_attachment`` is exclusive in AWS too
(it detaches the policy from principals it does not list); that is not modelled.
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
from airlock.inventory.model import NamedPolicy, Resource, Unresolved, Val
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView

_PRINCIPALS: dict[str, tuple[F.Family, type[Resource], str]] = {
    "role": (F.ROLE, Role, "roles"),
    "user": (F.USER, User, "users"),
    "group": (F.GROUP, Group, "groups"),
}


def _inline(v: ResourceView) -> tuple[NamedPolicy, ...]:
    missing = v.unresolved_collection("inline_policy")
    if missing is not None:
        return (NamedPolicy(f"{v.address} inline policies", missing, v.address),)
    found = []
    for block in v.blocks("inline_policy"):
        name, document = block.text("name"), block.policy("policy")
        if document is None and not name:
            continue  # the empty placeholder block the provider reports when there is none
        found.append(NamedPolicy(_name(name, block.where("name")), document or {}, v.address))
    return tuple(found)


def _name(name: Val[str] | None, where: str) -> str:
    return name if isinstance(name, str) and name else f"{where} (known after apply)"


def role(v: ResourceView, out: Assembly) -> Resource:
    return Role(
        **v.base(),
        name=v.computed("name"),
        trust_policy=v.policy("assume_role_policy"),
        inline_policies=_inline(v),
        managed_policies=v.refs("managed_policy_arns", family=F.MANAGED_POLICY),
        permissions_boundary=v.ref("permissions_boundary", family=F.MANAGED_POLICY),
        max_session_duration=v.number("max_session_duration"),
    )


def user(v: ResourceView, out: Assembly) -> Resource:
    return User(
        **v.base(),
        name=v.computed("name"),
        permissions_boundary=v.ref("permissions_boundary", family=F.MANAGED_POLICY),
    )


def group(v: ResourceView, out: Assembly) -> Resource:
    return Group(**v.base(), name=v.computed("name"))


def managed_policy(v: ResourceView, out: Assembly) -> Resource:
    return ManagedPolicy(**v.base(), name=v.computed("name"), document=v.policy("policy"))


def access_key(v: ResourceView, out: Assembly) -> Resource:
    return AccessKey(
        **v.base(), user=v.required_ref("user", family=F.USER), status=v.text("status")
    )


def service_credential(v: ResourceView, out: Assembly) -> Resource:
    return ServiceSpecificCredential(
        **v.base(),
        user=v.required_ref("user_name", family=F.USER),
        service_name=v.required_text("service_name"),
        status=v.text("status"),
    )


def oidc_provider(v: ResourceView, out: Assembly) -> Resource:
    return OidcProvider(**v.base(), url=v.required_text("url"), client_ids=v.strs("client_id_list"))


def saml_provider(v: ResourceView, out: Assembly) -> Resource:
    return SamlProvider(**v.base(), name=v.computed("name"))


def instance_profile(v: ResourceView, out: Assembly) -> Resource:
    role_ref = v.ref("role", family=F.ROLE)
    return InstanceProfile(**v.base(), roles=(role_ref,) if role_ref is not None else ())


def organization_policy(v: ResourceView, out: Assembly) -> Resource:
    kind = v.text("type")
    return OrganizationPolicy(
        **v.base(),
        policy_type=kind
        if isinstance(kind, str)
        else "SERVICE_CONTROL_POLICY"
        if kind is None
        else "UNKNOWN",
        name=v.text("name"),
        document=v.policy("content"),
    )


# -- configuring resources --------------------------------------------------------------------


def inline_policy(v: ResourceView, out: Assembly) -> None:
    """``aws_iam_role_policy`` / ``_user_policy`` / ``_group_policy``."""
    principal = v.type.removeprefix("aws_iam_").removesuffix("_policy")
    family, kind, _ = _PRINCIPALS[principal]
    target = out.target(v, principal, family, kind)
    if target is None:
        return
    document = v.policy("policy")
    policy = NamedPolicy(
        _name(v.text("name"), v.where("name")),
        document if document is not None else Unresolved(f"{v.where('policy')} is empty"),
        v.address,
    )
    out.contribute(v, target, "inline_policies", [policy], observed="inline_policy")


def policy_attachment(v: ResourceView, out: Assembly) -> None:
    """``aws_iam_{role,user,group}_policy_attachment``: one principal, one policy."""
    principal = v.type.removeprefix("aws_iam_").removesuffix("_policy_attachment")
    family, kind, back = _PRINCIPALS[principal]
    target = out.target(v, principal, family, kind)
    if target is not None:
        _attach(v, out, target, back)


def _attach(v: ResourceView, out: Assembly, target: str, back: str) -> None:
    arn = v.required_ref("policy_arn", family=F.MANAGED_POLICY)
    observed = "managed_policy_arns" if back == "roles" else None
    out.contribute(v, target, "managed_policies", [arn], observed=observed)
    if isinstance(arn, str) and isinstance(out.resources.get(arn), ManagedPolicy):
        out.contribute(v, arn, back, [target])


def shared_policy_attachment(v: ResourceView, out: Assembly) -> None:
    """``aws_iam_policy_attachment``: one policy, lists of roles, users and groups."""
    for attr, (family, kind, back) in (("roles", _PRINCIPALS["role"]), ("users", _PRINCIPALS["user"]),
                                       ("groups", _PRINCIPALS["group"])):  # fmt: skip
        for target in out.targets(v, attr, family, kind):
            _attach(v, out, target, back)


def group_membership(v: ResourceView, out: Assembly) -> None:
    """``aws_iam_group_membership`` (one group, many users)."""
    group_ref = v.required_ref("group", family=F.GROUP)
    for target in out.targets(v, "users", F.USER, User):
        out.contribute(v, target, "groups", [group_ref])


def user_group_membership(v: ResourceView, out: Assembly) -> None:
    """``aws_iam_user_group_membership`` (one user, many groups)."""
    target = out.target(v, "user", F.USER, User)
    if target is not None:
        out.contribute(v, target, "groups", v.refs("groups", family=F.GROUP))


def login_profile(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "user", F.USER, User)
    if target is None:
        return
    if v.deleted:
        out.reset(target, "has_console_password", False)
    else:
        out.set(target, "has_console_password", True, v.address)


def exclusive(v: ResourceView, out: Assembly) -> None:
    """``aws_iam_{role,user,group}_{policies,policy_attachments}_exclusive``."""
    if v.deleted:
        return  # deleting the exclusivity leaves the policies as they are
    principal = v.type.removeprefix("aws_iam_").split("_", 1)[0]
    family, kind, _ = _PRINCIPALS[principal]
    target = out.target(v, f"{principal}_name", family, kind)
    if target is None:
        return
    if "_attachments_" in v.type:
        arns = v.refs("policy_arns", family=F.MANAGED_POLICY)
        if all(isinstance(a, str) for a in arns):
            out.restrict(target, "managed_policies", arns, v.address)
    else:
        names = v.strs("policy_names")
        if all(isinstance(n, str) for n in names):
            out.restrict(target, "inline_policies", [("policy", n) for n in names], v.address)


def organization_attachment(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "policy_id", F.ORGANIZATION_POLICY, OrganizationPolicy)
    if target is not None:
        out.contribute(
            v, target, "targets", [v.required_ref("target_id", family=F.ORGANIZATION_TARGET)]
        )


BUILDERS: Builders = {
    "aws_iam_role": role,
    "aws_iam_user": user,
    "aws_iam_group": group,
    "aws_iam_policy": managed_policy,
    "aws_iam_access_key": access_key,
    "aws_iam_service_specific_credential": service_credential,
    "aws_iam_openid_connect_provider": oidc_provider,
    "aws_iam_saml_provider": saml_provider,
    "aws_iam_instance_profile": instance_profile,
    "aws_organizations_policy": organization_policy,
}

JOINERS: Joiners = {
    "aws_iam_role_policy": inline_policy,
    "aws_iam_user_policy": inline_policy,
    "aws_iam_group_policy": inline_policy,
    "aws_iam_role_policy_attachment": policy_attachment,
    "aws_iam_user_policy_attachment": policy_attachment,
    "aws_iam_group_policy_attachment": policy_attachment,
    "aws_iam_policy_attachment": shared_policy_attachment,
    "aws_iam_group_membership": group_membership,
    "aws_iam_user_group_membership": user_group_membership,
    "aws_iam_user_login_profile": login_profile,
    "aws_iam_role_policies_exclusive": exclusive,
    "aws_iam_user_policies_exclusive": exclusive,
    "aws_iam_group_policies_exclusive": exclusive,
    "aws_iam_role_policy_attachments_exclusive": exclusive,
    "aws_iam_user_policy_attachments_exclusive": exclusive,
    "aws_iam_group_policy_attachments_exclusive": exclusive,
    "aws_organizations_policy_attachment": organization_attachment,
}

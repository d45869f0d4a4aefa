"""Security groups and network ACLs, with their separate rule and association resources.

Terraform semantics that decide reachability:

* ``aws_security_group`` removes the allow-all egress rule AWS adds to a new group: a group
  with no ``egress`` block has **no** egress, except the rules separate resources add
  (``aws_security_group_rule``, ``aws_vpc_security_group_{ingress,egress}_rule``).
* ``ingress``/``egress`` are attribute-as-blocks arguments (see :mod:`assembly` for observed
  versus declared lists). Rules are one per source: one CIDR, group or prefix list each;
  ``self = true`` becomes the group itself. Protocol ``all``/``-1`` covers every port.
* ``aws_default_security_group`` / ``aws_default_network_acl`` strip the default rules when
  they adopt the object and keep only what they declare.
"""

from __future__ import annotations

from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import NetworkAcl, NetworkAclEntry, SecurityGroup, SecurityGroupRule
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView

_PROTOCOL_NAMES = {"all": "-1", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}


def protocol(value: Val[str] | None, where: str) -> Val[str]:
    if value is None:
        return Unresolved(f"{where} is not set in the plan")
    if isinstance(value, Unresolved):
        return value
    lowered = value.strip().lower()
    return _PROTOCOL_NAMES.get(lowered, lowered)


def _rule(
    v: ResourceView,
    proto: Val[str],
    origin: str | None,
    *,
    cidr_ipv4: Val[str] | None = None,
    cidr_ipv6: Val[str] | None = None,
    security_group: Val[str] | None = None,
    prefix_list: Val[str] | None = None,
) -> SecurityGroupRule:
    every_port = proto == "-1"
    return SecurityGroupRule(
        protocol=proto,
        from_port=None if every_port else v.number("from_port"),
        to_port=None if every_port else v.number("to_port"),
        cidr_ipv4=cidr_ipv4,
        cidr_ipv6=cidr_ipv6,
        security_group=security_group,
        prefix_list=prefix_list,
        description=v.text("description") or None,
        origin=origin,
    )


def _sourced_rules(
    v: ResourceView,
    group: str,
    origin: str | None,
    proto_attr: str = "protocol",
    source_sg: str = "security_groups",
) -> list[SecurityGroupRule]:
    """Rules of a block or rule resource that lists several sources: one rule per source."""
    proto = protocol(v.text(proto_attr), v.where(proto_attr))
    rules = [_rule(v, proto, origin, cidr_ipv4=c) for c in v.strs("cidr_blocks") if c != ""]
    rules += [_rule(v, proto, origin, cidr_ipv6=c) for c in v.strs("ipv6_cidr_blocks") if c != ""]
    rules += [
        _rule(v, proto, origin, prefix_list=p)
        for p in v.refs("prefix_list_ids", family=F.PREFIX_LIST)
    ]
    if source_sg == "security_groups":
        groups = v.refs(source_sg, family=F.SECURITY_GROUP)
    else:
        single = v.ref(source_sg, family=F.SECURITY_GROUP)
        groups = (single,) if single is not None else ()
    rules += [_rule(v, proto, origin, security_group=g) for g in groups]
    if v.flag("self") is True:
        rules.append(_rule(v, proto, origin, security_group=group))
    return rules


def _inline_rules(v: ResourceView, attr: str) -> tuple[SecurityGroupRule, ...]:
    missing = v.unresolved_collection(attr)
    if missing is not None:
        return (SecurityGroupRule(protocol=missing),)
    return tuple(
        rule for block in v.blocks(attr) for rule in _sourced_rules(block, v.address, None)
    )


def security_group(v: ResourceView, out: Assembly) -> Resource:
    default = v.type == "aws_default_security_group"
    vpc: Val[str] | None = v.ctx.defaults.owner.get(v.address) if default else None
    return SecurityGroup(
        **v.base(),
        vpc=vpc or v.ref("vpc_id", family=F.VPC),
        name="default" if default else v.computed("name"),
        ingress=_inline_rules(v, "ingress"),
        egress=_inline_rules(v, "egress"),
        is_default=default,
    )


def _entries(v: ResourceView, attr: str, egress: bool) -> tuple[NetworkAclEntry, ...]:
    missing = v.unresolved_collection(attr)
    if missing is not None:
        return (
            NetworkAclEntry(rule_number=missing, egress=egress, protocol=missing, allow=missing),
        )
    return tuple(_entry(block, "rule_no", "action", egress, None) for block in v.blocks(attr))


def _entry(
    v: ResourceView, number: str, action: str, egress: bool, origin: str | None
) -> NetworkAclEntry:
    decision = v.text(action)
    allow: Val[bool] = (
        decision.lower() == "allow"
        if isinstance(decision, str)
        else (decision or Unresolved(f"{v.where(action)} is not set in the plan"))
    )
    proto = protocol(v.text("protocol"), v.where("protocol"))
    every_port = proto == "-1"
    return NetworkAclEntry(
        rule_number=_required_int(v, number),
        egress=egress,
        protocol=proto,
        allow=allow,
        cidr_ipv4=v.text("cidr_block") or None,
        cidr_ipv6=v.text("ipv6_cidr_block") or None,
        from_port=None if every_port else v.number("from_port"),
        to_port=None if every_port else v.number("to_port"),
        origin=origin,
    )


def _required_int(v: ResourceView, attr: str) -> Val[int]:
    value = v.number(attr)
    return value if value is not None else Unresolved(f"{v.where(attr)} is not set in the plan")


def network_acl(v: ResourceView, out: Assembly) -> Resource:
    default = v.type == "aws_default_network_acl"
    vpc: Val[str] | None = v.ctx.defaults.owner.get(v.address) if default else None
    return NetworkAcl(
        **v.base(),
        vpc=vpc or v.required_ref("vpc_id", family=F.VPC),
        subnets=v.refs("subnet_ids", family=F.SUBNET),
        entries=_entries(v, "ingress", False) + _entries(v, "egress", True),
        is_default=default,
    )


# -- configuring resources --------------------------------------------------------------------


def security_group_rule(v: ResourceView, out: Assembly) -> None:
    """``aws_security_group_rule``: ``type`` says ingress or egress; several sources allowed."""
    target = out.target(v, "security_group_id", F.SECURITY_GROUP, SecurityGroup)
    if target is None:
        return
    direction = v.text("type")
    if direction not in ("ingress", "egress"):
        if not v.deleted:
            out.gap(v.type, f"{v.where('type')} is {direction!r}, not ingress or egress", v.address)
        return
    rules = _sourced_rules(v, target, v.address, source_sg="source_security_group_id")
    out.contribute(v, target, direction, rules, observed=direction)


def vpc_security_group_rule(v: ResourceView, out: Assembly) -> None:
    """``aws_vpc_security_group_{ingress,egress}_rule``: exactly one source each."""
    target = out.target(v, "security_group_id", F.SECURITY_GROUP, SecurityGroup)
    if target is None:
        return
    direction = "ingress" if v.type.endswith("_ingress_rule") else "egress"
    rule = _rule(
        v,
        protocol(v.text("ip_protocol"), v.where("ip_protocol")),
        v.address,
        cidr_ipv4=v.text("cidr_ipv4") or None,
        cidr_ipv6=v.text("cidr_ipv6") or None,
        prefix_list=v.ref("prefix_list_id", family=F.PREFIX_LIST),
        security_group=v.ref("referenced_security_group_id", family=F.SECURITY_GROUP),
    )
    out.contribute(v, target, direction, [rule], observed=direction)


def network_acl_rule(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "network_acl_id", F.NETWORK_ACL, NetworkAcl)
    if target is None:
        return
    egress = v.flag("egress") is True
    entry = _entry(v, "rule_number", "rule_action", egress, v.address)
    out.contribute(v, target, "entries", [entry], observed="egress" if egress else "ingress")


def network_acl_association(v: ResourceView, out: Assembly) -> None:
    """Deleting the association moves the subnet back to the VPC's default network ACL."""
    target = out.target(v, "network_acl_id", F.NETWORK_ACL, NetworkAcl)
    subnet = v.required_ref("subnet_id", family=F.SUBNET)
    if target is not None:
        out.contribute(v, target, "subnets", [subnet], observed="subnet_ids")
    elif isinstance(subnet, str) and not v.deleted:
        reason = f"the network ACL {v.address} associates it with cannot be identified"
        out.gap(v.type, reason, subnet)


BUILDERS: Builders = {
    "aws_security_group": security_group,
    "aws_default_security_group": security_group,
    "aws_network_acl": network_acl,
    "aws_default_network_acl": network_acl,
}

JOINERS: Joiners = {
    "aws_security_group_rule": security_group_rule,
    "aws_vpc_security_group_ingress_rule": vpc_security_group_rule,
    "aws_vpc_security_group_egress_rule": vpc_security_group_rule,
    "aws_network_acl_rule": network_acl_rule,
    "aws_network_acl_association": network_acl_association,
}

"""Security groups and network ACLs, with the rules AWS adds on its own.

* A security group that declares no ``SecurityGroupEgress`` (or an empty list) gets the
  default allow-all egress rules (IPv4 ``0.0.0.0/0`` and IPv6 ``::/0``). Egress rules replace
  them, whether listed inline or added by separate ``AWS::EC2::SecurityGroupEgress``
  resources: CloudFormation revokes the default when it adds an egress rule to the group
  (aws/aws-cdk#987 and the fix in #998, which relies on it;
  aws-cloudformation/cfn-language-discussion#157).
* Every network ACL ends with the ``*`` rules (number 32767) that deny everything.
"""

from __future__ import annotations

from airlock.inventory.model import Unresolved, Val
from airlock.inventory.network import NetworkAcl, NetworkAclEntry, SecurityGroup, SecurityGroupRule
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, or_unresolved
from airlock.sources.cloudformation.mapping.network import required
from airlock.sources.cloudformation.template import Declaration

_DEFAULT = "AWS default rule: added when a group declares no egress"
DEFAULT_EGRESS = (
    SecurityGroupRule(protocol="-1", cidr_ipv4="0.0.0.0/0", description=_DEFAULT),
    SecurityGroupRule(protocol="-1", cidr_ipv6="::/0", description=_DEFAULT),
)
DENY_ALL = tuple(
    NetworkAclEntry(
        rule_number=32767,
        egress=egress,
        protocol="-1",
        allow=False,
        cidr_ipv4="0.0.0.0/0" if v4 else None,
        cidr_ipv6=None if v4 else "::/0",
    )
    for egress in (False, True)
    for v4 in (True, False)
)
SG_TYPES = ("AWS::EC2::SecurityGroup",)


def _protocol(p: Props) -> Val[str]:
    value = p.text("IpProtocol")
    if value is None:
        return Unresolved("the rule has no IpProtocol")
    return value.lower() if isinstance(value, str) else value


def rule(p: Props, ingress: bool, origin: str | None) -> SecurityGroupRule:
    peer = "Source" if ingress else "Destination"
    group = p.rel(f"{peer}SecurityGroupId", types=SG_TYPES)
    if group is None and ingress:
        group = p.rel("SourceSecurityGroupName", types=SG_TYPES)
    return SecurityGroupRule(
        protocol=_protocol(p),
        from_port=p.integer("FromPort"),
        to_port=p.integer("ToPort"),
        cidr_ipv4=p.text("CidrIp"),
        cidr_ipv6=p.text("CidrIpv6"),
        security_group=group,
        prefix_list=p.rel(f"{peer}PrefixListId"),
        description=p.text("Description"),
        origin=origin,
    )


def _rules(p: Props, key: str, ingress: bool) -> tuple[SecurityGroupRule, ...]:
    items = p.children(key)
    if isinstance(items, Unresolved):
        return (SecurityGroupRule(protocol=Unresolved(f"{key}: {items.reason}")),)
    return tuple(rule(item, ingress, None) for item in items)


def _security_group(d: Declaration, p: Props, ctx: MapContext) -> None:
    declared = p.get("SecurityGroupEgress")
    egress = (
        DEFAULT_EGRESS
        if declared is None or declared == []
        else _rules(p, "SecurityGroupEgress", False)
    )
    ctx.add(
        SecurityGroup(
            **ctx.common(d, p),
            vpc=p.rel("VpcId"),
            name=p.text("GroupName"),
            ingress=_rules(p, "SecurityGroupIngress", True),
            egress=egress,
        )
    )


def _separate_rule(field: str) -> Mapper:
    ingress = field == "ingress"

    def mapper(d: Declaration, p: Props, ctx: MapContext) -> None:
        group = p.rel("GroupId", types=SG_TYPES)
        if group is None and ingress:
            group = p.rel("GroupName", types=SG_TYPES)
        ctx.joins.append(
            group,
            SecurityGroup,
            field,
            (rule(p, ingress, d.logical_id),),
            d.logical_id,
            "security group rule",
            displaces=() if ingress else DEFAULT_EGRESS,
        )

    return mapper


def _network_acl(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(NetworkAcl(**ctx.common(d, p), vpc=required(p, "VpcId"), entries=DENY_ALL))


def _allow(value: Val[str] | None) -> Val[bool]:
    if value is None:
        return Unresolved("the entry has no RuleAction")
    if isinstance(value, Unresolved):
        return value
    if value.lower() in ("allow", "deny"):
        return value.lower() == "allow"
    return Unresolved(f"RuleAction {value!r} is neither allow nor deny")


def _acl_entry(d: Declaration, p: Props, ctx: MapContext) -> None:
    direction = p.flag("Egress")
    number = p.integer("RuleNumber")
    allow = _allow(p.text("RuleAction"))
    directions: tuple[bool, ...] = (direction is True,)
    if isinstance(direction, Unresolved):
        # unknown direction: count it on both sides, and say we cannot tell what it allows
        directions = (False, True)
        allow = Unresolved(f"the entry's direction is not known: {direction.reason}")
    for egress in directions:
        entry = NetworkAclEntry(
            rule_number=number if number is not None else Unresolved("no RuleNumber"),
            egress=egress,
            protocol=or_unresolved(p.text("Protocol"), "no Protocol"),
            allow=allow,
            cidr_ipv4=p.text("CidrBlock"),
            cidr_ipv6=p.text("Ipv6CidrBlock"),
            from_port=p.integer("PortRange", "From"),
            to_port=p.integer("PortRange", "To"),
            origin=d.logical_id,
        )
        ctx.joins.append(
            p.rel("NetworkAclId"),
            NetworkAcl,
            "entries",
            (entry,),
            d.logical_id,
            "network ACL entry",
        )


def _acl_association(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.joins.append(
        p.rel("NetworkAclId"),
        NetworkAcl,
        "subnets",
        (required(p, "SubnetId"),),
        d.logical_id,
        "network ACL association",
    )


MAPPERS: dict[str, Mapper] = {
    "AWS::EC2::SecurityGroup": _security_group,
    "AWS::EC2::SecurityGroupIngress": _separate_rule("ingress"),
    "AWS::EC2::SecurityGroupEgress": _separate_rule("egress"),
    "AWS::EC2::NetworkAcl": _network_acl,
    "AWS::EC2::NetworkAclEntry": _acl_entry,
    "AWS::EC2::SubnetNetworkAclAssociation": _acl_association,
}

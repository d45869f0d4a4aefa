"""Route 53 Resolver: DNS Firewall domain lists, rule groups, associations; forwarding rules.

CloudFormation has no type for the resolver firewall's fail-open setting
(``ResolverFirewallConfig``); it is never produced from a template.
"""

from __future__ import annotations

from airlock.inventory.dns import (
    FirewallDomainList,
    FirewallRule,
    FirewallRuleGroup,
    FirewallRuleGroupAssociation,
    ResolverEndpoint,
    ResolverRule,
    ResolverRuleAssociation,
)
from airlock.inventory.model import Unresolved, Val
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, or_unresolved
from airlock.sources.cloudformation.mapping.network import required
from airlock.sources.cloudformation.template import Declaration


def _domain_list(d: Declaration, p: Props, ctx: MapContext) -> None:
    domains: tuple[Val[str], ...] = p.texts("Domains")
    if p.has("DomainFileUrl"):
        url = p.text("DomainFileUrl")
        shown = url if isinstance(url, str) else "a file"
        domains += (Unresolved(f"domains are imported from {shown} at deploy time"),)
    ctx.add(FirewallDomainList(**ctx.common(d, p), name=p.text("Name"), domains=domains))


def _rule_group(d: Declaration, p: Props, ctx: MapContext) -> None:
    items = p.children("FirewallRules")
    rules: tuple[FirewallRule, ...] = ()
    if isinstance(items, Unresolved):
        ctx.gap(d.logical_id, f"the firewall rules are not known: {items.reason}", d.logical_id)
    else:
        rules = tuple(
            FirewallRule(
                priority=or_unresolved(item.integer("Priority"), "the rule has no Priority"),
                action=or_unresolved(item.text("Action"), "the rule has no Action"),
                domain_list=required(item, "FirewallDomainListId"),
                name=item.text("Name"),
                block_response=item.text("BlockResponse"),
            )
            for item in items
        )
    ctx.add(FirewallRuleGroup(**ctx.common(d, p), name=p.text("Name"), rules=rules))


def _rule_group_association(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        FirewallRuleGroupAssociation(
            **ctx.common(d, p),
            vpc=required(p, "VpcId"),
            rule_group=required(p, "FirewallRuleGroupId"),
            priority=p.integer("Priority"),
            mutation_protection=p.text("MutationProtection"),
        )
    )


def _resolver_rule(d: Declaration, p: Props, ctx: MapContext) -> None:
    targets = p.children("TargetIps")
    ips: tuple[Val[str], ...]
    if isinstance(targets, Unresolved):
        ips = (targets,)
    else:
        ips = tuple(
            ip for ip in (t.text("Ip") or t.text("Ipv6") for t in targets) if ip is not None
        )
    ctx.add(
        ResolverRule(
            **ctx.common(d, p),
            rule_type=or_unresolved(p.text("RuleType"), "the rule has no RuleType"),
            domain_name=p.text("DomainName"),
            target_ips=ips,
            resolver_endpoint=p.rel("ResolverEndpointId"),
        )
    )


def _resolver_rule_association(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        ResolverRuleAssociation(
            **ctx.common(d, p), vpc=required(p, "VPCId"), rule=required(p, "ResolverRuleId")
        )
    )


def _resolver_endpoint(d: Declaration, p: Props, ctx: MapContext) -> None:
    addresses = p.children("IpAddresses")
    subnets: tuple[Val[str], ...]
    if isinstance(addresses, Unresolved):
        subnets = (addresses,)
    else:
        subnets = tuple(s for s in (a.rel("SubnetId") for a in addresses) if s is not None)
    ctx.add(
        ResolverEndpoint(
            **ctx.common(d, p),
            direction=or_unresolved(p.text("Direction"), "the endpoint has no Direction"),
            subnets=subnets,
            security_groups=p.rels("SecurityGroupIds"),
        )
    )


MAPPERS: dict[str, Mapper] = {
    "AWS::Route53Resolver::FirewallDomainList": _domain_list,
    "AWS::Route53Resolver::FirewallRuleGroup": _rule_group,
    "AWS::Route53Resolver::FirewallRuleGroupAssociation": _rule_group_association,
    "AWS::Route53Resolver::ResolverRule": _resolver_rule,
    "AWS::Route53Resolver::ResolverRuleAssociation": _resolver_rule_association,
    "AWS::Route53Resolver::ResolverEndpoint": _resolver_endpoint,
}

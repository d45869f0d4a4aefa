"""Route 53 Resolver: DNS Firewall (domain lists, rule groups and their rules, associations,
fail-open config) and forwarding rules.

``aws_route53_resolver_firewall_rule`` is folded into its rule group's ``rules``.
``firewall_fail_open`` is ``ENABLED`` (True), ``DISABLED`` (False) or
``USE_LOCAL_RESOURCE_SETTING`` (``None``: not decided by this resource).
"""

from __future__ import annotations

from airlock.inventory.dns import (
    FirewallDomainList,
    FirewallRule,
    FirewallRuleGroup,
    FirewallRuleGroupAssociation,
    ResolverEndpoint,
    ResolverFirewallConfig,
    ResolverRule,
    ResolverRuleAssociation,
)
from airlock.inventory.model import Resource, Unresolved, Val
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView


def domain_list(v: ResourceView, out: Assembly) -> Resource:
    return FirewallDomainList(**v.base(), name=v.text("name"), domains=v.strs("domains"))


def rule_group(v: ResourceView, out: Assembly) -> Resource:
    return FirewallRuleGroup(**v.base(), name=v.text("name"))


def rule_group_association(v: ResourceView, out: Assembly) -> Resource:
    return FirewallRuleGroupAssociation(
        **v.base(),
        vpc=v.required_ref("vpc_id", family=F.VPC),
        rule_group=v.required_ref("firewall_rule_group_id", family=F.FIREWALL_RULE_GROUP),
        priority=v.number("priority"),
        mutation_protection=v.text("mutation_protection"),
    )


def _fail_open(v: ResourceView) -> Val[bool] | None:
    value = v.text("firewall_fail_open")
    if isinstance(value, str):
        return {"ENABLED": True, "DISABLED": False}.get(value.upper())
    return value


def firewall_config(v: ResourceView, out: Assembly) -> Resource:
    return ResolverFirewallConfig(
        **v.base(), vpc=v.required_ref("resource_id", family=F.VPC), fail_open=_fail_open(v)
    )


def resolver_rule(v: ResourceView, out: Assembly) -> Resource:
    return ResolverRule(
        **v.base(),
        rule_type=v.required_text("rule_type"),
        domain_name=v.text("domain_name"),
        target_ips=tuple(ip for b in v.blocks("target_ip") if (ip := b.text("ip")) is not None),
        resolver_endpoint=v.ref("resolver_endpoint_id", family=F.RESOLVER_ENDPOINT),
    )


def resolver_rule_association(v: ResourceView, out: Assembly) -> Resource:
    return ResolverRuleAssociation(
        **v.base(),
        vpc=v.required_ref("vpc_id", family=F.VPC),
        rule=v.required_ref("resolver_rule_id", family=F.RESOLVER_RULE),
    )


def resolver_endpoint(v: ResourceView, out: Assembly) -> Resource:
    subnets = tuple(
        s for b in v.blocks("ip_address") if (s := b.ref("subnet_id", family=F.SUBNET)) is not None
    )
    return ResolverEndpoint(
        **v.base(),
        direction=v.required_text("direction"),
        subnets=subnets,
        security_groups=v.refs("security_group_ids", family=F.SECURITY_GROUP),
    )


def _priority(v: ResourceView) -> Val[int]:
    priority = v.number("priority")
    return (
        priority
        if priority is not None
        else Unresolved(f"{v.where('priority')} is not set in the plan")
    )


def firewall_rule(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "firewall_rule_group_id", F.FIREWALL_RULE_GROUP, FirewallRuleGroup)
    if target is None:
        return
    rule = FirewallRule(
        priority=_priority(v),
        action=v.required_text("action"),
        domain_list=v.required_ref("firewall_domain_list_id", family=F.FIREWALL_DOMAIN_LIST),
        name=v.text("name"),
        block_response=v.text("block_response"),
    )
    out.contribute(v, target, "rules", [rule])


BUILDERS: Builders = {
    "aws_route53_resolver_firewall_domain_list": domain_list,
    "aws_route53_resolver_firewall_rule_group": rule_group,
    "aws_route53_resolver_firewall_rule_group_association": rule_group_association,
    "aws_route53_resolver_firewall_config": firewall_config,
    "aws_route53_resolver_rule": resolver_rule,
    "aws_route53_resolver_rule_association": resolver_rule_association,
    "aws_route53_resolver_endpoint": resolver_endpoint,
}

JOINERS: Joiners = {"aws_route53_resolver_firewall_rule": firewall_rule}

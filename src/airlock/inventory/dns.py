"""Route 53 Resolver: DNS Firewall and forwarding rules."""

from __future__ import annotations

from msgspec import Struct

from airlock.inventory.model import Resource, Val


class FirewallRule(Struct, frozen=True):
    priority: Val[int]
    action: Val[str]  # ALLOW | BLOCK | ALERT
    domain_list: Val[str]
    name: Val[str] | None = None
    block_response: Val[str] | None = None


class FirewallDomainList(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    domains: tuple[Val[str], ...] = ()
    #: AWS-managed lists (AWSManagedDomainsMalwareDomainList...) have no domains we can read
    managed: bool = False


class FirewallRuleGroup(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    rules: tuple[FirewallRule, ...] = ()


class FirewallRuleGroupAssociation(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    rule_group: Val[str]
    priority: Val[int] | None = None
    mutation_protection: Val[str] | None = None


class ResolverFirewallConfig(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    fail_open: Val[bool] | None = None  # None: AWS default (fail closed)


class ResolverRule(Resource, frozen=True, kw_only=True):
    rule_type: Val[str]  # FORWARD | SYSTEM | RECURSIVE
    domain_name: Val[str] | None = None
    target_ips: tuple[Val[str], ...] = ()
    resolver_endpoint: Val[str] | None = None


class ResolverRuleAssociation(Resource, frozen=True, kw_only=True):
    vpc: Val[str]
    rule: Val[str]


class ResolverEndpoint(Resource, frozen=True, kw_only=True):
    direction: Val[str]  # INBOUND | OUTBOUND
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()

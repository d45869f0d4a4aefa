"""Route 53 Resolver: DNS Firewall and forwarding rules."""

from __future__ import annotations

from dataclasses import dataclass

from airlock.inventory.model import Resource, Val


@dataclass(frozen=True)
class FirewallRule:
    priority: Val[int]
    action: Val[str]  # ALLOW | BLOCK | ALERT
    domain_list: Val[str]
    name: Val[str] | None = None
    block_response: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class FirewallDomainList(Resource):
    name: Val[str] | None = None
    domains: tuple[Val[str], ...] = ()
    #: AWS-managed lists (AWSManagedDomainsMalwareDomainList...) have no domains we can read
    managed: bool = False


@dataclass(frozen=True, kw_only=True)
class FirewallRuleGroup(Resource):
    name: Val[str] | None = None
    rules: tuple[FirewallRule, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FirewallRuleGroupAssociation(Resource):
    vpc: Val[str]
    rule_group: Val[str]
    priority: Val[int] | None = None
    mutation_protection: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class ResolverFirewallConfig(Resource):
    vpc: Val[str]
    fail_open: Val[bool] | None = None  # None: AWS default (fail closed)


@dataclass(frozen=True, kw_only=True)
class ResolverRule(Resource):
    rule_type: Val[str]  # FORWARD | SYSTEM | RECURSIVE
    domain_name: Val[str] | None = None
    target_ips: tuple[Val[str], ...] = ()
    resolver_endpoint: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class ResolverRuleAssociation(Resource):
    vpc: Val[str]
    rule: Val[str]


@dataclass(frozen=True, kw_only=True)
class ResolverEndpoint(Resource):
    direction: Val[str]  # INBOUND | OUTBOUND
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()

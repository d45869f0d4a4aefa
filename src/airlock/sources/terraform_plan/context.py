"""What every resource view shares: the plan, its indexes, and the VPC default objects."""

from __future__ import annotations

from msgspec import Struct, field

from airlock.inventory.model import Val
from airlock.inventory.network import (
    DEFAULT_NETWORK_ACL_SUFFIX,
    DEFAULT_SECURITY_GROUP_SUFFIX,
    MAIN_ROUTE_TABLE_SUFFIX,
)
from airlock.sources.terraform_plan.identities import IdIndex
from airlock.sources.terraform_plan.plan import Plan, PlanResource
from airlock.sources.terraform_plan.providers import Providers
from airlock.sources.terraform_plan.resolver import VPC_DEFAULT_ATTRS, VPC_TYPES, Resolver, Target
from airlock.sources.terraform_plan.view import ResourceView

MAIN_ROUTE_TABLE = MAIN_ROUTE_TABLE_SUFFIX
DEFAULT_SECURITY_GROUP = DEFAULT_SECURITY_GROUP_SUFFIX
DEFAULT_NETWORK_ACL = DEFAULT_NETWORK_ACL_SUFFIX


class VpcDefaults(Struct):
    """Which inventory resource stands for each VPC's default objects.

    A VPC's default route table, security group and network ACL are the ``aws_default_*``
    resource that adopts them when the plan has one, else a synthesized resource with the id
    ``<vpc address>#main`` / ``#default-security-group`` / ``#default-network-acl``.
    """

    route_table: dict[str, str] = field(default_factory=dict)
    security_group: dict[str, str] = field(default_factory=dict)
    network_acl: dict[str, str] = field(default_factory=dict)
    #: the route table a live aws_main_route_table_association makes main
    main_route_table: dict[str, Val[str]] = field(default_factory=dict)
    #: address of an aws_default_* resource -> the VPC it adopts the default object of
    owner: dict[str, str] = field(default_factory=dict)

    def id_for(self, vpc: str, attr: str) -> str:
        if attr == "default_security_group_id":
            return self.security_group.get(vpc, vpc + DEFAULT_SECURITY_GROUP)
        if attr == "default_network_acl_id":
            return self.network_acl.get(vpc, vpc + DEFAULT_NETWORK_ACL)
        if attr == "main_route_table_id":
            main = self.main_route_table.get(vpc)
            if isinstance(main, str):
                return main
        return self.route_table.get(vpc, vpc + MAIN_ROUTE_TABLE)


class PlanContext:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.resolver = Resolver(plan)
        self.ids = IdIndex(plan)
        self.providers = Providers(plan)
        self.defaults = VpcDefaults()

    def view(self, resource: PlanResource) -> ResourceView:
        return ResourceView(self, resource)

    def target_id(self, target: Target) -> str:
        """The inventory id a reference target stands for."""
        if target.type in VPC_TYPES and target.attr in VPC_DEFAULT_ATTRS:
            return self.defaults.id_for(target.address, target.attr)
        return target.address

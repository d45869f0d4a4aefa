"""Indexes over the inventory's network resources, built once per analysis.

Relations in the inventory are ids of other resources when a source could resolve them, and
otherwise the literal the user wrote (``vpc-0abc``, an ARN). :meth:`Topology.key` turns
either into one canonical key: the id of the inventory resource it names (matched by id,
then by AWS id), else the literal itself. ``None`` stands for an :class:`Unresolved` value.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TypeVar

from msgspec import Struct

from airlock.inventory.model import Inventory, Resource, Unresolved
from airlock.inventory.network import (
    NatGateway,
    NetworkAcl,
    PrefixList,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
)

from .addresses import AddressSet, Family, parse_cidr

R = TypeVar("R", bound=Resource)


class Association(Struct, frozen=True):
    """The route tables that may carry a subnet's traffic (None: the implicit main table)."""

    tables: tuple[RouteTable | None, ...]
    #: why more than one table (or none) is possible
    ambiguity: str | None = None
    explicit: bool = False


class VpcSpace(Struct, frozen=True):
    """A VPC's address space (the local routes): known blocks and how many are unknown."""

    blocks: dict[Family, AddressSet]
    unknown: int  # CIDR blocks that are set but unresolved, or a VPC not in the inventory
    literal_cidrs: tuple[str, ...]


class Topology:
    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self._by_id: dict[str, Resource] = {}
        self._by_aws_id: dict[str, Resource] = {}
        for resource in inventory:
            self._by_id[resource.id] = resource
            if isinstance(resource.aws_id, str):
                self._by_aws_id.setdefault(resource.aws_id, resource)
            if isinstance(resource.arn, str):
                self._by_aws_id.setdefault(resource.arn, resource)

        self.subnets = inventory.of(Subnet)
        self.vpcs = inventory.of(Vpc)
        self.route_tables = inventory.of(RouteTable)
        self.endpoints = inventory.of(VpcEndpoint)
        self.security_groups = inventory.of(SecurityGroup)

        #: subnet key -> route tables that name it explicitly
        self.explicit_tables: dict[str, list[RouteTable]] = defaultdict(list)
        #: vpc key -> main route tables
        self.main_tables: dict[str, list[RouteTable]] = defaultdict(list)
        #: vpc key -> tables with an association we cannot resolve (None: VPC unresolved)
        self.ambiguous_tables: dict[str | None, list[RouteTable]] = defaultdict(list)
        for table in self.route_tables:
            vpc = self.key(table.vpc)
            if table.is_main:
                self.main_tables[vpc or ""].append(table)
            unresolved = bool(table.unresolved_associations)
            for ref in table.subnets:
                subnet = self.key(ref)
                if subnet is None:
                    unresolved = True
                else:
                    self.explicit_tables[subnet].append(table)
            if unresolved:
                self.ambiguous_tables[vpc].append(table)

        self.nacl_by_subnet: dict[str, list[NetworkAcl]] = defaultdict(list)
        self.default_nacl: dict[str, NetworkAcl] = {}
        self.ambiguous_nacls: dict[str | None, list[NetworkAcl]] = defaultdict(list)
        for nacl in inventory.of(NetworkAcl):
            vpc = self.key(nacl.vpc)
            if nacl.is_default and vpc is not None:
                self.default_nacl.setdefault(vpc, nacl)
            for ref in nacl.subnets:
                subnet = self.key(ref)
                if subnet is None:
                    self.ambiguous_nacls[vpc].append(nacl)
                else:
                    self.nacl_by_subnet[subnet].append(nacl)

        self.default_sg: dict[str, SecurityGroup] = {}
        for group in self.security_groups:
            vpc = self.key(group.vpc)
            if group.is_default and vpc is not None:
                self.default_sg.setdefault(vpc, group)

        self.endpoints_by_vpc: dict[str | None, list[VpcEndpoint]] = defaultdict(list)
        for endpoint in self.endpoints:
            self.endpoints_by_vpc[self.key(endpoint.vpc)].append(endpoint)

        self.subnets_by_vpc: dict[str | None, list[Subnet]] = defaultdict(list)
        for each in self.subnets:
            self.subnets_by_vpc[self.key(each.vpc)].append(each)

        self.nat_by_subnet: dict[str, list[NatGateway]] = defaultdict(list)
        for nat in inventory.of(NatGateway):
            nat_subnet = self.key(nat.subnet)
            if nat_subnet is not None:
                self.nat_by_subnet[nat_subnet].append(nat)

        self.tgw_attachments: dict[str, list[TransitGatewayAttachment]] = defaultdict(list)
        for attachment in inventory.of(TransitGatewayAttachment):
            tgw = self.key(attachment.transit_gateway)
            if tgw is not None:
                self.tgw_attachments[tgw].append(attachment)
        self.tgw_tables: dict[str, list[TransitGatewayRouteTable]] = defaultdict(list)
        #: attachment key -> TGW route tables it is associated with / propagates to
        self.tgw_association: dict[str, list[TransitGatewayRouteTable]] = defaultdict(list)
        self.tgw_ambiguous_tables: dict[str, list[TransitGatewayRouteTable]] = defaultdict(list)
        for tgw_table in inventory.of(TransitGatewayRouteTable):
            tgw = self.key(tgw_table.transit_gateway)
            if tgw is not None:
                self.tgw_tables[tgw].append(tgw_table)
            for ref in tgw_table.associations:
                attachment_key = self.key(ref)
                if attachment_key is None:
                    if tgw is not None:
                        self.tgw_ambiguous_tables[tgw].append(tgw_table)
                else:
                    self.tgw_association[attachment_key].append(tgw_table)

        self._vpc_space: dict[str, VpcSpace] = {}
        self._boundary: dict[Family, AddressSet] | None = None
        self._associations: dict[str, Association] = {}
        self._gateway_lists: tuple[dict[str, frozenset[str]], dict[str, VpcEndpoint]] | None = None

    # -- lookups ------------------------------------------------------------------------

    def key(self, ref: object) -> str | None:
        """The canonical key of a reference: the inventory id it names, else the literal."""
        if not isinstance(ref, str):
            return None
        found = self._by_id.get(ref) or self._by_aws_id.get(ref)
        return found.id if found is not None else ref

    def get(self, ref: object, kind: type[R]) -> R | None:
        if not isinstance(ref, str):
            return None
        found = self._by_id.get(ref)
        if not isinstance(found, kind):
            found = self._by_aws_id.get(ref)
        return found if isinstance(found, kind) else None

    def same(self, ref: object, resource: Resource) -> bool:
        return self.key(ref) == resource.id

    def route_tables_for(self, subnet: Subnet) -> Association:
        found = self._associations.get(subnet.id)
        if found is None:
            found = self._associate(subnet)
            self._associations[subnet.id] = found
        return found

    def _associate(self, subnet: Subnet) -> Association:
        explicit = self.explicit_tables.get(subnet.id)
        if explicit:
            if len(explicit) > 1:
                names = ", ".join(t.id for t in explicit)
                return Association(
                    tuple(explicit),
                    f"subnet {subnet.id} is associated with several route tables ({names})",
                    explicit=True,
                )
            return Association((explicit[0],), explicit=True)
        vpc = self.key(subnet.vpc)
        if vpc is None:
            return Association(
                (),
                f"the VPC of subnet {subnet.id} is unresolved, so its main route table is unknown",
            )
        mains: list[RouteTable | None] = list(self.main_tables.get(vpc, ())) or [None]
        others = [
            t
            for t in (*self.ambiguous_tables.get(vpc, ()), *self.ambiguous_tables.get(None, ()))
            if t not in mains
        ]
        if len(mains) + len(others) == 1:
            return Association(tuple(mains))
        names = ", ".join(t.id for t in others)
        reason = f"subnet {subnet.id} has no explicit route table association and " + (
            f"route tables {names} have associations that cannot be resolved"
            if others
            else "its VPC has several main route tables"
        )
        return Association((*mains, *others), reason)

    def vpc_space(self, vpc_key: str | None) -> VpcSpace:
        if vpc_key is None:
            return VpcSpace({f: AddressSet.empty(f) for f in Family}, 5, ())
        cached = self._vpc_space.get(vpc_key)
        if cached is not None:
            return cached
        vpc = self.get(vpc_key, Vpc)
        blocks = {f: AddressSet.empty(f) for f in Family}
        unknown = 0 if vpc is not None else 5  # a VPC holds at most 5 blocks by default
        literals: list[str] = []
        if vpc is not None:
            for value in (*vpc.cidr_blocks, *vpc.ipv6_cidr_blocks):
                block = parse_cidr(value) if isinstance(value, str) else None
                if block is None:
                    unknown += 1
                    continue
                blocks[block.family] = blocks[block.family].union(block)
                literals.append(str(value))
        space = VpcSpace(blocks, unknown, tuple(literals))
        self._vpc_space[vpc_key] = space
        return space

    def boundary_space(self) -> dict[Family, AddressSet]:
        """The address space of every VPC in the inventory, per family."""
        if self._boundary is None:
            space = {f: AddressSet.empty(f) for f in Family}
            for vpc in self.vpcs:
                blocks = self.vpc_space(vpc.id).blocks
                for family in Family:
                    space[family] = space[family].union(blocks[family])
            self._boundary = space
        return self._boundary

    def prefix_list_entries(self, ref: object) -> tuple[tuple[str, ...], int] | None:
        """A prefix list's CIDR entries, with the count of entries that are not CIDRs.

        None when the prefix list is not in the inventory (AWS-managed lists never are in
        templates and plans).
        """
        plist = self.get(ref, PrefixList)
        if plist is None:
            return None
        texts = tuple(e for e in plist.entries if isinstance(e, str) and parse_cidr(e))
        return texts, len(plist.entries) - len(texts)

    def gateway_list_ids(self, endpoint: VpcEndpoint) -> frozenset[str]:
        """The prefix list ids that routes to a gateway endpoint carry: Terraform shows the
        endpoint's ``prefix_list_id`` once it is known; CloudFormation never does."""
        return self._gateway_index()[0].get(endpoint.id, frozenset())

    def gateway_of_list(self, ref: str) -> VpcEndpoint | None:
        """The gateway endpoint whose routes carry prefix list id ``ref``."""
        return self._gateway_index()[1].get(ref)

    def _gateway_index(self) -> tuple[dict[str, frozenset[str]], dict[str, VpcEndpoint]]:
        if self._gateway_lists is None:
            lists: dict[str, set[str]] = defaultdict(set)
            owners: dict[str, VpcEndpoint] = {}
            for table in self.route_tables:
                for route in table.routes:
                    endpoint = self.get(route.target, VpcEndpoint)
                    plist = route.destination_prefix_list
                    if (
                        route.target_kind is RouteTarget.GATEWAY_ENDPOINT
                        and endpoint is not None
                        and isinstance(plist, str)
                        and plist.startswith("pl-")
                    ):
                        lists[endpoint.id].add(plist)
                        owners.setdefault(plist, endpoint)
            self._gateway_lists = ({k: frozenset(v) for k, v in lists.items()}, owners)
        return self._gateway_lists

    def peering(self, ref: object) -> VpcPeeringConnection | None:
        return self.get(ref, VpcPeeringConnection)

    def transit_gateway(self, ref: object) -> TransitGateway | None:
        return self.get(ref, TransitGateway)


def label(value: object) -> str:
    """A value as evidence text (an Unresolved value shows its reason)."""
    if isinstance(value, Unresolved):
        return str(value)
    return str(value)

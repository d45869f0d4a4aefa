"""The VPC objects no resource block creates: main route table, default NACL and group."""

from __future__ import annotations

from pathlib import Path

from airlock.inventory.model import Unresolved
from airlock.inventory.network import NetworkAcl, RouteTable, RouteTarget, SecurityGroup, Subnet

from .plans import Plan, const, ref


def _plan() -> Plan:
    plan = Plan()
    plan.resource("aws_vpc.v", {"cidr_block": "10.0.0.0/16", "assign_generated_ipv6_cidr_block": True},
                  unknown={"id": True, "arn": True, "ipv6_cidr_block": True},
                  expressions={"assign_generated_ipv6_cidr_block": const(True)})  # fmt: skip
    return plan


def test_synthesized_defaults_for_a_new_vpc(tmp_path: Path) -> None:
    inventory = _plan().load(tmp_path)
    main = inventory.get("aws_vpc.v#main", RouteTable)
    assert main is not None and main.is_main and main.native_type == "aws_default_route_table"
    assert (main.routes[0].target_kind, main.routes[0].destination_cidr) == (
        RouteTarget.LOCAL,
        "10.0.0.0/16",
    )
    assert isinstance(main.routes[1].destination_ipv6_cidr, Unresolved)  # the generated IPv6 block
    acl = inventory.get("aws_vpc.v#default-network-acl", NetworkAcl)
    assert acl is not None and acl.is_default and acl.vpc == "aws_vpc.v"
    assert {(e.rule_number, e.egress, e.allow, e.cidr_ipv4 or e.cidr_ipv6) for e in acl.entries} == {
        (100, False, True, "0.0.0.0/0"), (100, True, True, "0.0.0.0/0"),
        (101, False, True, "::/0"), (101, True, True, "::/0"),
    }  # fmt: skip
    group = inventory.get("aws_vpc.v#default-security-group", SecurityGroup)
    assert group is not None and group.is_default
    assert [r.security_group for r in group.ingress] == ["aws_vpc.v#default-security-group"]
    assert {r.cidr_ipv4 or r.cidr_ipv6 for r in group.egress} == {"0.0.0.0/0", "::/0"}


def test_subnets_without_association_are_not_listed_on_the_main_table(tmp_path: Path) -> None:
    plan = _plan()
    plan.resource("aws_subnet.s", {"cidr_block": "10.0.1.0/24"}, unknown={"id": True, "vpc_id": True},
                  expressions={"vpc_id": ref("aws_vpc.v.id")})  # fmt: skip
    inventory = plan.load(tmp_path)
    main = inventory.get("aws_vpc.v#main", RouteTable)
    subnet = inventory.get("aws_subnet.s", Subnet)
    assert main is not None and main.subnets == ()  # implicit association: the table is_main
    assert subnet is not None and subnet.vpc == "aws_vpc.v"


def test_adopted_default_route_table_is_main(tmp_path: Path) -> None:
    plan = _plan()
    plan.resource("aws_default_route_table.d", {"route": []}, unknown={"id": True, "vpc_id": True, "default_route_table_id": True},
                  expressions={"default_route_table_id": ref("aws_vpc.v.default_route_table_id"), "route": const([])})  # fmt: skip
    inventory = plan.load(tmp_path)
    table = inventory.get("aws_default_route_table.d", RouteTable)
    assert table is not None and table.is_main and table.vpc == "aws_vpc.v"
    assert inventory.get("aws_vpc.v#main", RouteTable) is None


def test_route_table_in_a_vpc_outside_the_plan(tmp_path: Path) -> None:
    plan = Plan().resource("aws_route_table.t", {"vpc_id": "vpc-elsewhere", "route": []}, unknown={"id": True},
                           expressions={"vpc_id": const("vpc-elsewhere")})  # fmt: skip
    table = plan.load(tmp_path).get("aws_route_table.t", RouteTable)
    assert table is not None and table.vpc == "vpc-elsewhere"
    (local,) = table.routes
    assert local.target_kind is RouteTarget.LOCAL and isinstance(local.destination_cidr, Unresolved)

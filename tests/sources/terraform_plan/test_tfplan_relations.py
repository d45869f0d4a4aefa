"""Relations: configuration references through modules, count/for_each, outputs, variables."""

from __future__ import annotations

from pathlib import Path

from airlock.inventory.compute import LambdaFunction, NetworkInterface
from airlock.inventory.encryption import LogGroup
from airlock.inventory.model import Unresolved
from airlock.inventory.network import RouteTable, SecurityGroup, Subnet, VpcEndpoint

from .plans import Plan, const, ref

UNKNOWN_ID = {"id": True, "arn": True}


def _vpc(plan: Plan, address: str = "aws_vpc.main", cidr: str = "10.0.0.0/16") -> Plan:
    return plan.resource(
        address,
        {"cidr_block": cidr},
        unknown={**UNKNOWN_ID, "default_route_table_id": True, "main_route_table_id": True},
        expressions={"cidr_block": const(cidr)},
    )


def _subnets(plan: Plan, count: int, prefix: str = "") -> Plan:
    for i in range(count):
        plan.resource(
            f"{prefix}aws_subnet.private[{i}]",
            {"cidr_block": f"10.0.{i}.0/24"},
            unknown={**UNKNOWN_ID, "vpc_id": True},
            expressions={"vpc_id": ref("aws_vpc.main.id")},
            count=const(count),
        )
    return plan


def test_count_reference_takes_the_instance_with_the_same_index(tmp_path: Path) -> None:
    plan = _subnets(_vpc(Plan()), 3)
    for i in range(3):
        plan.resource(
            f"aws_network_interface.app[{i}]",
            {},
            unknown={**UNKNOWN_ID, "subnet_id": True},
            expressions={"subnet_id": ref("aws_subnet.private", "count.index")},
            count=const(3),
        )
    inventory = plan.load(tmp_path)
    for i in range(3):
        eni = inventory.get(f"aws_network_interface.app[{i}]", NetworkInterface)
        assert eni is not None and eni.subnet == f"aws_subnet.private[{i}]"


def test_single_relation_without_a_matching_index_is_unresolved(tmp_path: Path) -> None:
    plan = _subnets(_vpc(Plan()), 2)
    plan.resource(
        "aws_network_interface.app",
        {},
        unknown={**UNKNOWN_ID, "subnet_id": True},
        expressions={"subnet_id": ref("aws_subnet.private", "local.pick")},
    )
    eni = plan.load(tmp_path).get("aws_network_interface.app", NetworkInterface)
    assert eni is not None and isinstance(eni.subnet, Unresolved)
    assert "aws_subnet.private[0], aws_subnet.private[1]" in eni.subnet.reason
    assert "known only after apply" in eni.subnet.reason


def test_list_relation_without_a_key_takes_every_instance(tmp_path: Path) -> None:
    plan = _subnets(_vpc(Plan()), 2)
    plan.resource(
        "aws_lambda_function.app",
        {"function_name": "app", "vpc_config": [{"subnet_ids": None, "security_group_ids": []}]},
        unknown={**UNKNOWN_ID, "vpc_config": [{"subnet_ids": True}]},
        expressions={"vpc_config": [{"subnet_ids": ref("aws_subnet.private")}]},
    )
    function = plan.load(tmp_path).get("aws_lambda_function.app", LambdaFunction)
    assert function is not None
    assert function.subnets == ("aws_subnet.private[0]", "aws_subnet.private[1]")
    assert function.in_vpc is True


def test_list_with_unknown_elements_matched_one_to_one(tmp_path: Path) -> None:
    plan = _subnets(_vpc(Plan()), 2)
    plan.resource(
        "aws_vpc_endpoint.x",
        {
            "service_name": "s",
            "vpc_endpoint_type": "Interface",
            "subnet_ids": [None, "subnet-0existing"],
        },
        unknown={**UNKNOWN_ID, "vpc_id": True, "subnet_ids": [True, False]},
        expressions={
            "subnet_ids": ref("aws_subnet.private[1].id", "var.extra"),
            "vpc_id": ref("aws_vpc.main.id"),
        },
    )
    endpoint = plan.load(tmp_path).get("aws_vpc_endpoint.x", VpcEndpoint)
    assert endpoint is not None
    assert endpoint.subnets == ("aws_subnet.private[1]", "subnet-0existing")


def test_module_output_and_module_instance_keys(tmp_path: Path) -> None:
    plan = Plan()
    for key in ("a", "b"):
        module = f'module.svc["{key}"]'
        plan.resource(
            f"{module}.aws_vpc.main", {"cidr_block": "10.1.0.0/16"}, unknown=UNKNOWN_ID,
            expressions={"cidr_block": ref("var.cidr")},
        )  # fmt: skip
        plan.resource(
            f"{module}.aws_subnet.one",
            {"cidr_block": "10.1.1.0/24"},
            unknown={**UNKNOWN_ID, "vpc_id": True},
            expressions={"vpc_id": ref("aws_vpc.main.id")},
        )
    plan.module_call(
        ("svc",), outputs={"subnet": ref("aws_subnet.one.id")}, for_each=ref("var.services")
    )
    plan.resource(
        "aws_network_interface.b",
        {},
        unknown={**UNKNOWN_ID, "subnet_id": True},
        expressions={"subnet_id": ref('module.svc["b"].subnet')},
    )
    inventory = plan.load(tmp_path)
    for key in ("a", "b"):
        subnet = inventory.get(f'module.svc["{key}"].aws_subnet.one', Subnet)
        assert subnet is not None and subnet.vpc == f'module.svc["{key}"].aws_vpc.main'
    eni = inventory.get("aws_network_interface.b", NetworkInterface)
    assert eni is not None and eni.subnet == 'module.svc["b"].aws_subnet.one'


def test_module_variable_follows_the_call_argument(tmp_path: Path) -> None:
    plan = _vpc(Plan())
    plan.module_call(("sg",), expressions={"vpc_id": ref("aws_vpc.main.id")})
    plan.resource(
        "module.sg.aws_security_group.this",
        {"name": "x"},
        unknown={**UNKNOWN_ID, "vpc_id": True, "ingress": True, "egress": True},
        expressions={"vpc_id": ref("var.vpc_id"), "name": const("x")},
    )
    group = plan.load(tmp_path).get("module.sg.aws_security_group.this", SecurityGroup)
    assert group is not None and group.vpc == "aws_vpc.main"


def test_nested_modules(tmp_path: Path) -> None:
    plan = Plan()
    plan.module_call(("outer",))
    plan.module_call(("outer", "inner"), outputs={"vpc": ref("aws_vpc.main.id")})
    plan.module_call(("outer",), outputs={"vpc": ref("module.inner.vpc")})
    _vpc(plan, "module.outer.module.inner.aws_vpc.main")
    plan.resource(
        "aws_subnet.x",
        {"cidr_block": "10.0.9.0/24"},
        unknown={**UNKNOWN_ID, "vpc_id": True},
        expressions={"vpc_id": ref("module.outer.vpc")},
    )
    subnet = plan.load(tmp_path).get("aws_subnet.x", Subnet)
    assert subnet is not None and subnet.vpc == "module.outer.module.inner.aws_vpc.main"


def test_each_value_over_a_resource_map(tmp_path: Path) -> None:
    plan = _vpc(Plan())
    for az in ("a", "b"):
        plan.resource(
            f'aws_subnet.private["{az}"]',
            {"cidr_block": "10.0.0.0/24"},
            unknown={**UNKNOWN_ID, "vpc_id": True},
            expressions={"vpc_id": ref("aws_vpc.main.id")},
            for_each=ref("var.azs"),
        )
    for az in ("a", "b"):
        plan.resource(
            f'aws_network_interface.eni["{az}"]',
            {},
            unknown={**UNKNOWN_ID, "subnet_id": True},
            expressions={"subnet_id": ref("each.value.id")},
            for_each=ref("aws_subnet.private"),
        )
    inventory = plan.load(tmp_path)
    for az in ("a", "b"):
        eni = inventory.get(f'aws_network_interface.eni["{az}"]', NetworkInterface)
        assert eni is not None and eni.subnet == f'aws_subnet.private["{az}"]'


def test_relation_attribute_of_another_resource_is_followed(tmp_path: Path) -> None:
    """``vpc_id = aws_subnet.a.vpc_id`` names the VPC, not the subnet."""
    plan = _subnets(_vpc(Plan()), 1)
    plan.resource(
        "aws_security_group.x",
        {"name": "x"},
        unknown={**UNKNOWN_ID, "vpc_id": True, "ingress": True, "egress": True},
        expressions={"vpc_id": ref("aws_subnet.private[0].vpc_id"), "name": const("x")},
    )
    group = plan.load(tmp_path).get("aws_security_group.x", SecurityGroup)
    assert group is not None and group.vpc == "aws_vpc.main"


def test_known_literals_name_plan_resources_by_id_arn_or_name(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource(
        "aws_vpc.main",
        {
            "id": "vpc-0abc",
            "cidr_block": "10.0.0.0/16",
            "arn": "arn:aws:ec2:eu-central-1:123456789012:vpc/vpc-0abc",
        },
        actions=("no-op",),
        expressions={},
    )
    plan.resource("aws_subnet.literal", {"vpc_id": "vpc-0abc", "cidr_block": "10.0.1.0/24", "id": "subnet-1"},
                  actions=("no-op",), expressions={"vpc_id": const("vpc-0abc")})  # fmt: skip
    plan.resource("aws_subnet.outside", {"vpc_id": "vpc-0zzz", "cidr_block": "10.9.1.0/24", "id": "subnet-2"},
                  actions=("no-op",), expressions={"vpc_id": const("vpc-0zzz")})  # fmt: skip
    plan.resource("aws_kms_key.k", {"policy": ""}, unknown=UNKNOWN_ID, expressions={})
    plan.resource(
        "aws_cloudwatch_log_group.lg",
        {"name": "/x", "kms_key_id": "arn:aws:kms:eu-central-1:123456789012:key/abcd"},
        expressions={"kms_key_id": const("arn:aws:kms:eu-central-1:123456789012:key/abcd")},
    )
    inventory = plan.load(tmp_path)
    literal = inventory.get("aws_subnet.literal", Subnet)
    outside = inventory.get("aws_subnet.outside", Subnet)
    assert literal is not None and literal.vpc == "aws_vpc.main"
    assert outside is not None and outside.vpc == "vpc-0zzz"  # kept as written
    group = inventory.get("aws_cloudwatch_log_group.lg", LogGroup)
    assert group is not None and group.kms_key == "arn:aws:kms:eu-central-1:123456789012:key/abcd"


def test_arn_literal_matches_a_named_resource_whose_arn_is_unknown(tmp_path: Path) -> None:
    plan = Plan()
    plan.resource("aws_iam_role.app", {"name": "bedrock-app"}, unknown=UNKNOWN_ID, expressions={})
    plan.resource(
        "aws_lambda_function.f",
        {"function_name": "f", "role": "arn:aws:iam::123456789012:role/service/bedrock-app"},
        unknown=UNKNOWN_ID,
        expressions={"role": const("arn:aws:iam::123456789012:role/service/bedrock-app")},
    )
    function = plan.load(tmp_path).get("aws_lambda_function.f", LambdaFunction)
    assert function is not None and function.role == "aws_iam_role.app"


def test_vpc_default_objects_through_vpc_attributes(tmp_path: Path) -> None:
    plan = _vpc(Plan())
    plan.resource(
        "aws_route.egress",
        {"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-0aaa"},
        unknown={"id": True, "route_table_id": True},
        expressions={
            "route_table_id": ref("aws_vpc.main.default_route_table_id"),
            "gateway_id": const("igw-0aaa"),
        },
    )
    plan.resource(
        "aws_vpc_security_group_egress_rule.all",
        {"ip_protocol": "-1", "cidr_ipv4": "0.0.0.0/0"},
        unknown={"id": True, "security_group_id": True},
        expressions={"security_group_id": ref("aws_vpc.main.default_security_group_id")},
    )
    inventory = plan.load(tmp_path)
    main = inventory.get("aws_vpc.main#main", RouteTable)
    assert main is not None
    assert [(r.destination_cidr, r.target) for r in main.routes][-1] == ("0.0.0.0/0", "igw-0aaa")
    assert main.configured_by == ("aws_route.egress",)
    group = inventory.get("aws_vpc.main#default-security-group", SecurityGroup)
    assert group is not None and group.configured_by == ("aws_vpc_security_group_egress_rule.all",)


def test_main_route_table_id_after_a_main_association(tmp_path: Path) -> None:
    plan = _vpc(Plan())
    plan.resource("aws_route_table.custom", {"vpc_id": None}, unknown={**UNKNOWN_ID, "vpc_id": True, "route": True},
                  expressions={"vpc_id": ref("aws_vpc.main.id")})  # fmt: skip
    plan.resource(
        "aws_main_route_table_association.m",
        {},
        unknown={"id": True, "vpc_id": True, "route_table_id": True},
        expressions={
            "vpc_id": ref("aws_vpc.main.id"),
            "route_table_id": ref("aws_route_table.custom.id"),
        },
    )
    plan.resource(
        "aws_route.r",
        {"destination_cidr_block": "10.8.0.0/16", "transit_gateway_id": "tgw-1"},
        unknown={"id": True, "route_table_id": True},
        expressions={"route_table_id": ref("aws_vpc.main.main_route_table_id")},
    )
    inventory = plan.load(tmp_path)
    custom = inventory.get("aws_route_table.custom", RouteTable)
    assert custom is not None and custom.is_main
    assert [r.destination_cidr for r in custom.routes] == ["10.0.0.0/16", "10.8.0.0/16"]
    assert inventory.get("aws_vpc.main#main", RouteTable) is None


def test_route_into_the_replaced_original_main_table(tmp_path: Path) -> None:
    """With a main association, the original main table exists (not main) when targeted."""
    plan = _vpc(Plan())
    plan.resource("aws_route_table.custom", {}, unknown={**UNKNOWN_ID, "vpc_id": True, "route": True},
                  expressions={"vpc_id": ref("aws_vpc.main.id")})  # fmt: skip
    plan.resource("aws_main_route_table_association.m", {}, unknown={"id": True, "vpc_id": True, "route_table_id": True},
                  expressions={"vpc_id": ref("aws_vpc.main.id"), "route_table_id": ref("aws_route_table.custom.id")})  # fmt: skip
    plan.resource("aws_route.r", {"destination_cidr_block": "0.0.0.0/0", "gateway_id": "igw-1"},
                  unknown={"id": True, "route_table_id": True},
                  expressions={"route_table_id": ref("aws_vpc.main.default_route_table_id")})  # fmt: skip
    original = plan.load(tmp_path).get("aws_vpc.main#main", RouteTable)
    assert original is not None and not original.is_main
    assert original.routes[-1].target == "igw-1"


def test_list_relation_indexed_by_count_takes_the_same_instance(tmp_path: Path) -> None:
    """``[aws_security_group.sg[count.index].id]`` names one group per instance, not all."""
    plan = _vpc(Plan())
    for i in range(2):
        plan.resource(f"aws_security_group.sg[{i}]", {"name": f"sg{i}"}, unknown={**UNKNOWN_ID, "vpc_id": True},
                      expressions={"vpc_id": ref("aws_vpc.main.id")}, count=const(2))  # fmt: skip
    for i in range(2):
        plan.resource(f"aws_network_interface.n[{i}]", {"subnet_id": "subnet-1"}, unknown={**UNKNOWN_ID, "security_groups": True},
                      expressions={"security_groups": ref("aws_security_group.sg", "count.index")}, count=const(2))  # fmt: skip
    inventory = plan.load(tmp_path)
    for i in range(2):
        eni = inventory.get(f"aws_network_interface.n[{i}]", NetworkInterface)
        assert eni is not None and eni.security_groups == (f"aws_security_group.sg[{i}]",)


def test_module_output_map_read_at_one_key(tmp_path: Path) -> None:
    """``module.net.endpoint_ids["runtime"]`` (a map output) names that one instance."""
    plan = Plan()
    plan.module_call(("net",), outputs={"endpoint_ids": ref("aws_vpc_endpoint.this")})
    for key in ("runtime", "sts"):
        plan.resource(f'module.net.aws_vpc_endpoint.this["{key}"]', {"service_name": key, "vpc_endpoint_type": "Interface",
                      "vpc_id": "vpc-1"}, unknown={"id": True, "policy": True},
                      expressions={"vpc_id": const("vpc-1")}, for_each=ref("var.services"))  # fmt: skip
    plan.resource("aws_vpc_endpoint_policy.runtime", {"policy": '{"Statement": []}'}, unknown={"id": True, "vpc_endpoint_id": True},
                  expressions={"vpc_endpoint_id": ref('module.net.endpoint_ids["runtime"]')})  # fmt: skip
    inventory = plan.load(tmp_path)
    assert inventory.gaps == []
    runtime = inventory.get('module.net.aws_vpc_endpoint.this["runtime"]', VpcEndpoint)
    sts = inventory.get('module.net.aws_vpc_endpoint.this["sts"]', VpcEndpoint)
    assert runtime is not None and runtime.policy == {"Statement": []}
    assert runtime.configured_by == ("aws_vpc_endpoint_policy.runtime",)
    assert sts is not None and sts.policy is None  # omitted: the full-access default


def test_separate_policy_wins_over_an_unknown_own_argument(tmp_path: Path) -> None:
    """A module passing ``policy = lookup(local.policies, each.key, null)``: unknown to us."""
    plan = Plan()
    plan.resource("aws_vpc_endpoint.e", {"service_name": "s", "vpc_endpoint_type": "Interface", "vpc_id": "vpc-1"},
                  unknown={"id": True, "policy": True}, expressions={"policy": ref("local.policies", "each.key")})  # fmt: skip
    plan.resource("aws_vpc_endpoint_policy.p", {"policy": '{"Statement": []}'}, unknown={"id": True, "vpc_endpoint_id": True},
                  expressions={"vpc_endpoint_id": ref("aws_vpc_endpoint.e.id")})  # fmt: skip
    endpoint = plan.load(tmp_path).get("aws_vpc_endpoint.e", VpcEndpoint)
    assert endpoint is not None and endpoint.policy == {"Statement": []}

"""Security group egress to the prefix list of an S3 or DynamoDB gateway endpoint: the
subnet's route table sends that list to the endpoint, so a NAT route beside it is no path
out for the compute (the subnet itself still leaks through the NAT gateway)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from netbuild import Net, T, U, egress, route
from planbuild import resource, write_plan

from airlock.analysis.reachability import Reach, analyse
from airlock.inventory.model import SourceKind
from airlock.inventory.network import EndpointType, Route
from airlock.sources import load

S3_LIST = "pl-6ea54007"
CUSTOMER_LIST = "pl-0123456789abcdef0"

# -- Terraform plans ---------------------------------------------------------------------


def _network(endpoint: dict[str, Any], routed: bool = True) -> list[dict[str, Any]]:
    """A workload subnet whose table has a NAT default route, an S3 gateway endpoint and an
    instance whose only egress rule is the one the test adds."""
    main = {"vpc_id": "aws_vpc.main"}
    out = [
        resource("aws_vpc.main", {"cidr_block": "10.0.0.0/16"}),
        resource("aws_subnet.public", {"cidr_block": "10.0.0.0/24"}, main),
        resource("aws_internet_gateway.main", {}, main),
        resource(
            "aws_nat_gateway.main",
            {"connectivity_type": "public"},
            {"subnet_id": "aws_subnet.public"},
        ),
        resource("aws_route_table.public", {}, main),
        resource(
            "aws_route.public_default",
            {"destination_cidr_block": "0.0.0.0/0"},
            {"route_table_id": "aws_route_table.public", "gateway_id": "aws_internet_gateway.main"},
        ),
        resource(
            "aws_route_table_association.public",
            {},
            {"route_table_id": "aws_route_table.public", "subnet_id": "aws_subnet.public"},
        ),
        resource("aws_subnet.app", {"cidr_block": "10.0.1.0/24"}, main),
        resource("aws_route_table.app", {}, main),
        resource(
            "aws_route.app_default",
            {"destination_cidr_block": "0.0.0.0/0"},
            {"route_table_id": "aws_route_table.app", "nat_gateway_id": "aws_nat_gateway.main"},
        ),
        resource(
            "aws_route_table_association.app",
            {},
            {"route_table_id": "aws_route_table.app", "subnet_id": "aws_subnet.app"},
        ),
        endpoint,
        resource("aws_security_group.app", {"id": "sg-0aaa", "egress": []}, main, ("arn",)),
        resource(
            "aws_instance.app",
            {"vpc_security_group_ids": ["sg-0aaa"]},
            {"subnet_id": "aws_subnet.app"},
        ),
    ]
    if routed:
        out.append(
            resource(
                "aws_vpc_endpoint_route_table_association.s3",
                {},
                {"vpc_endpoint_id": "aws_vpc_endpoint.s3", "route_table_id": "aws_route_table.app"},
            )
        )
    return out


def _endpoint(prefix_list: str | None) -> dict[str, Any]:
    """The S3 gateway endpoint; ``prefix_list`` None: its prefix_list_id is known after apply."""
    values = {"vpc_endpoint_type": "Gateway", "service_name": "com.amazonaws.eu-central-1.s3"}
    if prefix_list is None:
        return resource(
            "aws_vpc_endpoint.s3",
            values,
            {"vpc_id": "aws_vpc.main"},
            ("id", "arn", "prefix_list_id"),
        )
    return resource(
        "aws_vpc_endpoint.s3", {**values, "prefix_list_id": prefix_list}, {"vpc_id": "aws_vpc.main"}
    )


def _rule(prefix_list: str | None) -> dict[str, Any]:
    """HTTPS to a literal prefix list id, or (None) to ``aws_vpc_endpoint.s3.prefix_list_id``."""
    values: dict[str, Any] = {"ip_protocol": "tcp", "from_port": 443, "to_port": 443}
    refs = {"security_group_id": "aws_security_group.app"}
    if prefix_list is None:
        refs["prefix_list_id"] = "aws_vpc_endpoint.s3"
    else:
        values["prefix_list_id"] = prefix_list
    return resource("aws_vpc_security_group_egress_rule.s3", values, refs)


def _reach(tmp_path: Path, *resources: dict[str, Any]) -> tuple[Reach, str, Reach]:
    path = write_plan(tmp_path / "plan.json", *resources)
    result = analyse(
        load(SourceKind.TERRAFORM_PLAN, path), workload_subnets=frozenset({"aws_subnet.app"})
    )
    instance, subnet = result.subject("aws_instance.app"), result.subject("aws_subnet.app")
    assert instance is not None and subnet is not None
    return instance.reach, instance.reason, subnet.reach


def test_plan_rule_to_the_endpoints_list_by_reference_is_closed(tmp_path: Path) -> None:
    # the reviewer's case: the endpoint's prefix_list_id is known, the rule references it
    reach, reason, subnet = _reach(tmp_path, *_network(_endpoint(S3_LIST)), _rule(None))
    assert reach is Reach.CLOSED, reason
    assert subnet is Reach.OPEN


def test_plan_rule_to_an_endpoint_list_known_after_apply_is_closed(tmp_path: Path) -> None:
    reach, reason, _ = _reach(tmp_path, *_network(_endpoint(None)), _rule(None))
    assert reach is Reach.CLOSED, reason


def test_plan_literal_aws_managed_id_is_closed_only_when_it_is_the_endpoint_s(
    tmp_path: Path,
) -> None:
    """A literal id is tied to the endpoint once the plan shows the endpoint's list id; while
    that is unknown, another AWS-managed list (CloudFront's) cannot be ruled out."""
    reach, reason, _ = _reach(tmp_path, *_network(_endpoint(S3_LIST)), _rule(S3_LIST))
    assert reach is Reach.CLOSED, reason
    reach, reason, _ = _reach(tmp_path, *_network(_endpoint(None)), _rule(S3_LIST))
    assert reach is Reach.UNKNOWN, reason


def test_plan_literal_id_other_than_the_endpoints_known_list_is_unknown(tmp_path: Path) -> None:
    reach, reason, _ = _reach(tmp_path, *_network(_endpoint(S3_LIST)), _rule("pl-66a5400f"))
    assert reach is Reach.UNKNOWN
    assert "prefix list pl-66a5400f in a security group egress rule" in reason


def test_plan_customer_managed_list_stays_unknown(tmp_path: Path) -> None:
    reach, reason, _ = _reach(tmp_path, *_network(_endpoint(None)), _rule(CUSTOMER_LIST))
    assert reach is Reach.UNKNOWN
    assert f"prefix list {CUSTOMER_LIST} in a security group egress rule" in reason


def test_plan_endpoint_the_subnet_does_not_route_to_is_unknown(tmp_path: Path) -> None:
    # without the endpoint's route the list's addresses go to the NAT gateway
    reach, reason, _ = _reach(tmp_path, *_network(_endpoint(S3_LIST), routed=False), _rule(None))
    assert reach is Reach.UNKNOWN
    assert "the prefix list of endpoint aws_vpc_endpoint.s3" in reason
    assert "the subnet's route table does not send it there" in reason


# -- inventories as CloudFormation maps them ------------------------------------------------

W = "App"


def _cfn(*rules_lists: str) -> Net:
    """CloudFormation: the endpoint's route names the service, never the list id."""
    net = Net()
    net.vpc("Vpc")
    net.subnet(W, "Vpc", "10.0.1.0/24")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("Nat", "Public")
    net.table("PublicRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])
    service = "com.amazonaws.eu-central-1.s3"
    net.table(
        "Rt",
        "Vpc",
        route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
        Route(T.GATEWAY_ENDPOINT, "S3", destination_prefix_list=service),
        subnets=[W],
    )
    net.endpoint("S3", "Vpc", service, kind=EndpointType.GATEWAY, route_tables=("Rt",))
    net.lambda_fn("Fn", [W], ["Sg"])
    net.sg("Sg", "Vpc", *(egress("tcp", 443, 443, prefix_list=p) for p in rules_lists))
    return net


def _subject(net: Net, subject: str = "Fn") -> tuple[Reach, str]:
    result = analyse(net.inventory(), workload_subnets=frozenset({W}))
    found = result.subject(subject)
    assert found is not None
    return found.reach, found.reason


def test_cfn_bare_aws_managed_id_beside_a_nat_route_is_unknown() -> None:
    """A template never shows the S3 gateway endpoint's list id, and other AWS-managed lists
    (CloudFront's) look the same: with a NAT route, the path analysis cannot prove that
    traffic to a bare id ends at the endpoint."""
    net = _cfn(S3_LIST)
    reach, reason = _subject(net)
    assert reach is Reach.UNKNOWN and S3_LIST in reason
    assert _subject(net, W)[0] is Reach.OPEN


def test_cfn_customer_managed_list_is_unknown() -> None:
    reach, reason = _subject(_cfn(S3_LIST, CUSTOMER_LIST))
    assert reach is Reach.UNKNOWN
    assert CUSTOMER_LIST in reason or S3_LIST in reason


def test_cfn_endpoint_outside_the_subnets_table_is_unknown() -> None:
    net = _cfn(S3_LIST)
    net.replace("Rt", routes=(route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),))
    net.replace("S3", route_tables=("PublicRt",))
    assert _subject(net)[0] is Reach.UNKNOWN


def test_cfn_endpoint_in_only_one_of_the_subnets_possible_tables_is_unknown() -> None:
    net = _cfn(S3_LIST)
    net.table("Other", "Vpc", route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"), subnets=[W])
    assert _subject(net)[0] is Reach.UNKNOWN


def test_cfn_unresolved_endpoint_service_is_no_gateway_list() -> None:
    net = _cfn(S3_LIST)
    net.replace("S3", service_name=U("Fn::Sub com.amazonaws.${Region}.s3"))
    assert _subject(net)[0] is Reach.UNKNOWN

"""AL-NET-004 interface endpoints, AL-NET-005 S3 gateway endpoint."""

from __future__ import annotations

from netcontrols import T, compliant, findings, route, statuses

from airlock.controls.catalog.network_endpoints import (
    INTERFACE_ENDPOINTS,
    S3_GATEWAY,
    required_services,
)
from airlock.controls.model import Status
from airlock.inventory.bedrock import KnowledgeBase
from airlock.inventory.encryption import KmsKey
from airlock.inventory.model import Unresolved
from airlock.inventory.network import EndpointType

U = Unresolved


def test_required_set_follows_the_deployment() -> None:
    net = compliant()
    assert list(required_services(net.inventory())[0]) == ["bedrock-runtime"]
    net.add(KnowledgeBase(id="Kb", native_type="AWS::Bedrock::KnowledgeBase"))
    net.add(KmsKey(id="Key", native_type="AWS::KMS::Key"))
    net.ecs("Svc", ["PrivateA"], ["WorkloadSg"])
    required, recommended = required_services(net.inventory())
    assert set(required) == {
        "bedrock-runtime",
        "bedrock-agent-runtime",
        "kms",
        "logs",
        "ecr.api",
        "ecr.dkr",
    }
    assert "bedrock" in recommended and "monitoring" in recommended


def test_interface_endpoints_pass_fail_unknown() -> None:
    assert statuses(INTERFACE_ENDPOINTS, compliant()) == {"Vpc": Status.PASS}
    net = compliant()
    net.add(KmsKey(id="Key", native_type="AWS::KMS::Key"))
    net.replace("Runtime", private_dns_enabled=None)
    result = findings(INTERFACE_ENDPOINTS, net)["Vpc"]
    assert result.status is Status.FAIL
    assert (
        "missing kms" in result.reason
        and "private DNS disabled on bedrock-runtime" in result.reason
    )
    assert result.evidence["required"]["kms"].startswith("the deployment has customer-managed")
    net = compliant()
    net.replace("Runtime", private_dns_enabled=U("Ref PrivateDns"))
    assert statuses(INTERFACE_ENDPOINTS, net) == {"Vpc": Status.UNKNOWN}
    net = compliant()
    net.replace("Runtime", service_name=U("Fn::Sub with a mapping"))
    assert statuses(INTERFACE_ENDPOINTS, net) == {"Vpc": Status.UNKNOWN}


def test_interface_endpoint_matches_region_placeholders_and_fips() -> None:
    net = compliant()
    net.replace("Runtime", service_name="com.amazonaws.${AWS::Region}.bedrock-runtime-fips")
    assert statuses(INTERFACE_ENDPOINTS, net) == {"Vpc": Status.PASS}


def test_centralised_endpoint_in_another_vpc_is_unknown() -> None:
    net = compliant()
    net.remove("Runtime")
    net.vpc("Hub", "10.50.0.0/16")
    net.endpoint("HubRuntime", "Hub", "bedrock-runtime", private_dns_enabled=True)
    result = findings(INTERFACE_ENDPOINTS, net)["Vpc"]
    assert result.status is Status.UNKNOWN
    assert "only in VPC Hub" in result.reason


def test_s3_gateway_pass_fail_unknown() -> None:
    assert statuses(S3_GATEWAY, compliant()) == {"PrivateRt": Status.PASS}
    net = compliant()
    net.replace("S3", route_tables=("OtherRt",))
    result = findings(S3_GATEWAY, net)["PrivateRt"]
    assert result.status is Status.FAIL
    assert "PrivateA, PrivateB" in result.reason
    net = compliant()
    net.replace("S3", route_tables=(U("Fn::ImportValue RouteTable"),))
    assert statuses(S3_GATEWAY, net) == {"PrivateRt": Status.UNKNOWN}


def test_s3_gateway_route_in_the_table_counts_and_interface_endpoint_is_accepted() -> None:
    net = compliant()
    net.replace("S3", route_tables=())
    net.replace("PrivateRt", routes=(route("pl-6ea54007", T.GATEWAY_ENDPOINT, "S3"),))
    assert statuses(S3_GATEWAY, net) == {"PrivateRt": Status.PASS}
    net = compliant()
    net.remove("S3")
    net.endpoint("S3If", "Vpc", "s3", kind=EndpointType.INTERFACE, private_dns_enabled=True)
    assert statuses(S3_GATEWAY, net) == {"PrivateRt": Status.PASS}


def test_s3_gateway_implicit_main_table_fails_and_ambiguity_is_unknown() -> None:
    net = compliant()
    net.remove("PrivateRt")
    result = findings(S3_GATEWAY, net)
    assert [f.status for f in result.values()] == [Status.FAIL]
    assert "main route table of VPC Vpc (implicit)" in next(iter(result.values())).reason
    net.table("Other", "Vpc", subnets=[U("Fn::ImportValue Subnet")])
    result = statuses(S3_GATEWAY, net)
    assert result == {"PrivateA": Status.UNKNOWN, "PrivateB": Status.UNKNOWN}


def test_interface_endpoints_of_a_vpc_outside_the_inventory_are_unknown() -> None:
    # a shared VPC known only by its id: its endpoints may be in the stack that owns it
    net = compliant()
    net.remove("Vpc")
    assert statuses(INTERFACE_ENDPOINTS, net) == {"Vpc": Status.PASS}
    net.remove("Runtime")
    result = findings(INTERFACE_ENDPOINTS, net)["Vpc"]
    assert result.status is Status.UNKNOWN
    assert "missing bedrock-runtime" in result.reason
    assert "VPC Vpc is not in the inventory" in result.reason
    net = compliant()
    net.remove("Vpc")
    net.replace("Runtime", private_dns_enabled=False)
    assert statuses(INTERFACE_ENDPOINTS, net) == {"Vpc": Status.UNKNOWN}


def test_s3_gateway_of_a_vpc_outside_the_inventory_is_unknown() -> None:
    net = compliant()
    net.remove("Vpc")
    assert statuses(S3_GATEWAY, net) == {"PrivateRt": Status.PASS}
    net.remove("S3")
    result = findings(S3_GATEWAY, net)["PrivateRt"]
    assert result.status is Status.UNKNOWN
    assert "VPC Vpc is not in the inventory" in result.reason


def test_s3_gateway_route_to_an_endpoint_outside_the_inventory_is_unknown() -> None:
    # aws_vpc_endpoint_route_table_association with a shared VPC's endpoint
    net = compliant()
    net.remove("S3")
    unseen = route(U("prefix list not in this plan"), T.GATEWAY_ENDPOINT, "vpce-0c9d")
    net.replace("PrivateRt", routes=(unseen,))
    result = findings(S3_GATEWAY, net)["PrivateRt"]
    assert result.status is Status.UNKNOWN
    assert "gateway endpoint vpce-0c9d, which is not in the inventory" in result.reason
    # a DynamoDB gateway endpoint in the inventory is no S3 route: still a FAIL
    net = compliant()
    net.remove("S3")
    net.endpoint("Dynamo", "Vpc", "dynamodb", kind=EndpointType.GATEWAY)
    net.replace("PrivateRt", routes=(route("pl-dynamo", T.GATEWAY_ENDPOINT, "Dynamo"),))
    assert statuses(S3_GATEWAY, net) == {"PrivateRt": Status.FAIL}


def test_s3_gateway_with_unresolved_subnet_vpc() -> None:
    # terraform-aws-modules/vpc: vpc_id = local.vpc_id is unknown in the plan
    vpc = U("known after apply: module.vpc.aws_subnet.intra[0].vpc_id")
    net = compliant()
    for name in ("PrivateA", "PrivateB", "PrivateRt"):
        net.replace(name, vpc=vpc)
    # the endpoint names the table: AWS only allows that within one VPC
    assert statuses(S3_GATEWAY, net) == {"PrivateRt": Status.PASS}
    net.remove("S3")
    result = findings(S3_GATEWAY, net)["PrivateRt"]
    assert result.status is Status.UNKNOWN
    assert "the VPC of workload subnet PrivateA is unresolved (known after apply" in result.reason
    # the table's VPC answers for the subnets'
    net.replace("PrivateRt", vpc="Vpc")
    assert statuses(S3_GATEWAY, net) == {"PrivateRt": Status.FAIL}


def test_s3_gateway_endpoint_with_unresolved_vpc_may_serve_the_table() -> None:
    net = compliant()
    net.replace("S3", vpc=U("Fn::ImportValue VpcId"), route_tables=(U("Ref Tables"),))
    result = findings(S3_GATEWAY, net)["PrivateRt"]
    assert result.status is Status.UNKNOWN
    assert "route tables of S3 gateway endpoint S3 are unresolved" in result.reason

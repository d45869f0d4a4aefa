"""AL-OPS-001..003: artefact mirror, data-perimeter policies, endpoint quota."""

from __future__ import annotations

from typing import Any

from control_fixtures import VPCE, U, deny, doc, inv, live, status, verdict

from airlock.controls.model import Status
from airlock.inventory.compute import EcsService, Instance
from airlock.inventory.identity import OrganizationPolicy
from airlock.inventory.network import EndpointType, Subnet, Vpc, VpcEndpoint
from airlock.inventory.operations import CodeArtifactRepository, EcrRepository

VPC = Vpc(id="Vpc", native_type="AWS::EC2::VPC")
SUBNET = Subnet(id="Private", native_type="AWS::EC2::Subnet", vpc="Vpc")


def endpoint(
    service: Any,
    name: str,
    vpc: Any = "Vpc",
    kind: Any = EndpointType.INTERFACE,
    subnets: tuple[str, ...] = ("Private",),
) -> VpcEndpoint:
    full = f"com.amazonaws.eu-central-1.{service}" if isinstance(service, str) else service
    return VpcEndpoint(
        id=name,
        native_type="AWS::EC2::VPCEndpoint",
        vpc=vpc,
        service_name=full,
        endpoint_type=kind,
        subnets=subnets,
    )


ECR = (
    endpoint("ecr.api", "EcrApi"),
    endpoint("ecr.dkr", "EcrDkr"),
    EcrRepository(id="Repo", native_type="AWS::ECR::Repository"),
)
SERVICE = EcsService(id="Svc", native_type="AWS::ECS::Service", subnets=("Private",))


# --- AL-OPS-001 ----------------------------------------------------------------------


def test_mirror_present_passes() -> None:
    assert status("AL-OPS-001", inv(VPC, SUBNET, SERVICE, *ECR)) is Status.PASS


def test_missing_endpoint_fails_for_containers() -> None:
    found = verdict("AL-OPS-001", inv(VPC, SUBNET, SERVICE, *ECR[:1], ECR[2]))
    assert found.status is Status.FAIL and "ecr.dkr" in found.reason


def test_instances_without_a_package_mirror_are_unknown() -> None:
    """An instance may boot a baked image and install nothing: no CodeArtifact endpoint is a
    doubt, not a proven internet dependency."""
    box = Instance(id="Box", native_type="AWS::EC2::Instance", subnet="Private")
    repo = CodeArtifactRepository(id="Py", native_type="AWS::CodeArtifact::Repository")
    other_vpc = (
        endpoint("codeartifact.api", "Ca", vpc="vpc-elsewhere"),
        endpoint("codeartifact.repositories", "Cr", vpc="vpc-elsewhere"),
    )
    found = verdict("AL-OPS-001", inv(VPC, SUBNET, box, *other_vpc, repo))
    assert found.status is Status.UNKNOWN and "baked image" in found.reason
    assert found.evidence["missing_if_instances_install_packages"]
    mirrored = (endpoint("codeartifact.api", "Ca"), endpoint("codeartifact.repositories", "Cr"))
    assert status("AL-OPS-001", inv(VPC, SUBNET, box, *mirrored, repo)) is Status.PASS
    # containers missing their endpoints still fail, whatever the instances do
    assert status("AL-OPS-001", inv(VPC, SUBNET, box, SERVICE, *other_vpc, repo)) is Status.FAIL


def test_repository_elsewhere_is_unknown_in_a_template_and_fails_live() -> None:
    assert status("AL-OPS-001", inv(VPC, SUBNET, SERVICE, *ECR[:2])) is Status.UNKNOWN
    assert status("AL-OPS-001", live(VPC, SUBNET, SERVICE, *ECR[:2])) is Status.FAIL
    assert status("AL-OPS-001", inv(VPC)) is Status.NOT_APPLICABLE


# --- AL-OPS-002 ----------------------------------------------------------------------


def _scp(document: Any) -> OrganizationPolicy:
    return OrganizationPolicy(
        id="Scp",
        native_type="AWS::Organizations::Policy",
        policy_type="SERVICE_CONTROL_POLICY",
        document=document,
        targets=("ou-1",),
    )


def test_perimeter_policies() -> None:
    perimeter = deny(
        "*",
        Condition={
            "StringNotEqualsIfExists": {"aws:SourceVpce": VPCE},
            "BoolIfExists": {"aws:ViaAWSService": "false"},
        },
    )
    assert status("AL-OPS-002", inv(_scp(doc(perimeter))), "Scp") is Status.PASS
    assert status("AL-OPS-002", inv(_scp(doc(deny("s3:DeleteBucket"))))) is Status.FAIL
    assert status("AL-OPS-002", inv(_scp(U))) is Status.UNKNOWN
    absent = verdict("AL-OPS-002", inv())
    assert absent.status is Status.UNKNOWN and "management account" in absent.reason
    assert status("AL-OPS-002", live()) is Status.FAIL


# --- AL-OPS-003 ----------------------------------------------------------------------


def test_endpoint_quota() -> None:
    few = [endpoint(f"svc{i}", f"E{i}", subnets=("a", "b")) for i in range(12)]
    found = verdict(
        "AL-OPS-003", inv(VPC, *few, endpoint("s3", "S3", kind=EndpointType.GATEWAY)), "Vpc"
    )
    assert found.status is Status.PASS
    assert (
        found.evidence["interface_endpoints"] == 12 and found.evidence["network_interfaces"] == 24
    )
    many = [endpoint(f"svc{i}", f"E{i}") for i in range(41)]
    assert status("AL-OPS-003", inv(VPC, *many), "Vpc") is Status.FAIL
    unsure = [endpoint(f"svc{i}", f"E{i}") for i in range(38)] + [
        endpoint(f"x{i}", f"X{i}", kind=U) for i in range(5)
    ]
    assert status("AL-OPS-003", inv(VPC, *unsure), "Vpc") is Status.UNKNOWN
    assert status("AL-OPS-003", inv()) is Status.NOT_APPLICABLE

"""How workload subnets are chosen, and that the finding can say why."""

from __future__ import annotations

from netbuild import Net, T, U, route

from airlock.analysis.reachability import Basis, analyse
from airlock.inventory.network import EndpointType


def _bases(result: object, subnet: str) -> tuple[Basis, ...]:
    found = result.workload.get(subnet)  # type: ignore[attr-defined]
    assert found is not None, subnet
    return found.bases


def test_tag_setting_and_compute_each_mark_a_subnet() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("Tagged", "Vpc", "10.0.1.0/24", tags={"airlock:workload": "true"})
    net.subnet("Declared", "Vpc", "10.0.2.0/24", aws_id="subnet-0declared")
    net.subnet("Hosting", "Vpc", "10.0.3.0/24")
    net.subnet("Idle", "Vpc", "10.0.4.0/24")
    net.lambda_fn("Fn", ["Hosting"])
    result = analyse(net.inventory(), workload_subnets=frozenset({"subnet-0declared"}))
    assert _bases(result, "Tagged") == (Basis.TAG,)
    assert _bases(result, "Declared") == (Basis.SETTING,)
    assert _bases(result, "Hosting") == (Basis.COMPUTE,)
    assert result.workload.get("Idle") is None
    assert result.workload.get("Hosting").reasons == ("hosts Lambda function Fn",)
    assert result.workload.note == "3 workload subnets (1 by tag, 1 by setting, 1 by compute)"
    assert result.workload.vpcs == ("Vpc",)


def test_custom_tag_and_false_value() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("A", "Vpc", tags={"tier": "ai"})
    net.subnet("B", "Vpc", "10.0.2.0/24", tags={"tier": "false"})
    net.lambda_fn("Fn", ["B"])
    result = analyse(net.inventory(), workload_tag="tier")
    assert _bases(result, "A") == (Basis.TAG,)
    assert result.workload.get("B") is None
    assert ("B", "tag tier=false") in result.workload.excluded
    # the function itself is still judged
    assert result.subject("Fn") is not None


def test_declared_subnet_missing_from_inventory_is_reported() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("A", "Vpc")
    result = analyse(net.inventory(), workload_subnets=frozenset({"subnet-0gone"}))
    assert [u.ref for u in result.workload.unplaced] == ["subnet-0gone"]


def test_infrastructure_enis_do_not_mark_subnets() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("NatSubnet", "Vpc", "10.0.0.0/24")
    net.subnet("App", "Vpc", "10.0.1.0/24")
    net.eni("eni-nat", "NatSubnet", description="Interface for NAT Gateway nat-0abc")
    net.eni("eni-vpce", "NatSubnet", description="VPC Endpoint Interface vpce-0abc")
    net.eni("eni-app", "App", description="AWS Lambda VPC ENI-fn")
    result = analyse(net.inventory())
    assert [w.subnet.id for w in result.workload.subnets] == ["App"]
    assert {s.resource.id for s in result.compute()} == {"eni-app"}


def test_fallback_uses_subnets_of_vpcs_with_bedrock_endpoints_except_nat_only() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("PrivateA", "Vpc", "10.0.1.0/24")
    net.subnet("PrivateB", "Vpc", "10.0.2.0/24")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.nat("Nat", "Public")
    net.endpoint("Runtime", "Vpc", "bedrock-runtime", subnets=("PrivateA", "PrivateB"))
    net.vpc("Other", "10.9.0.0/16")
    net.subnet("OtherSubnet", "Other", "10.9.1.0/24")
    result = analyse(net.inventory())
    assert result.workload.fallback
    assert {w.subnet.id for w in result.workload.subnets} == {"PrivateA", "PrivateB"}
    assert _bases(result, "PrivateA") == (Basis.BEDROCK_VPC,)
    assert "candidate" in result.workload.get("PrivateA").reasons[0]
    assert "workload candidate" in result.workload.note


def test_fallback_matches_service_names_with_unresolved_region() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("Private", "Vpc")
    net.endpoint("Runtime", "Vpc", "com.amazonaws.${AWS::Region}.bedrock-runtime")
    net.endpoint("Gw", "Vpc", "s3", kind=EndpointType.GATEWAY)
    result = analyse(net.inventory())
    assert [w.subnet.id for w in result.workload.subnets] == ["Private"]


def test_no_marks_and_no_bedrock_endpoint_says_so() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("A", "Vpc")
    result = analyse(net.inventory())
    assert not result.workload.subnets
    assert result.workload.note.startswith("no workload subnet identified")
    assert not result.subjects


def test_unresolved_compute_subnet_is_unplaced() -> None:
    net = Net()
    net.ecs("Svc", [U("Ref Subnets")])
    result = analyse(net.inventory())
    assert result.workload.unplaced[0].reason.startswith(
        "a subnet of ECS service Svc is unresolved"
    )


def test_workload_vpcs_include_eks_and_instances() -> None:
    net = Net()
    net.vpc("Vpc")
    net.subnet("A", "Vpc")
    net.subnet("B", "Vpc", "10.0.2.0/24")
    net.eks("Cluster", ["A"])
    net.instance("I", "B")
    net.table("Rt", "Vpc", route("0.0.0.0/0", T.LOCAL, "local"), subnets=["A", "B"])
    result = analyse(net.inventory())
    assert {w.subnet.id for w in result.workload.subnets} == {"A", "B"}

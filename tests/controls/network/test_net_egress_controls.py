"""AL-NET-001 egress paths, AL-NET-002 public IPs, AL-NET-003 Lambda outside a VPC."""

from __future__ import annotations

from netcontrols import Net, T, compliant, egress, findings, route, statuses

from airlock.controls.catalog.network_egress import LAMBDA_IN_VPC, NO_EGRESS_PATH, NO_PUBLIC_IPS
from airlock.controls.model import Status
from airlock.inventory.model import Unresolved

U = Unresolved


def _with_nat(net):  # type: ignore[no-untyped-def]
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("Nat", "Public")
    net.table("PublicRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])
    net.replace("PrivateRt", routes=(route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),))
    return net


def test_egress_pass_fail_unknown() -> None:
    assert set(statuses(NO_EGRESS_PATH, compliant()).values()) == {Status.PASS}
    leaky = findings(NO_EGRESS_PATH, _with_nat(compliant()))
    assert leaky["PrivateA"].status is Status.FAIL
    assert (
        "0.0.0.0/0 -> nat-gateway Nat > 0.0.0.0/0 -> internet-gateway Igw > internet"
        in leaky["PrivateA"].reason
    )
    # the workload security group allows 443 to the VPC and to pl-6ea54007: nothing ties that
    # bare AWS-managed id to the S3 gateway endpoint (a template never shows the endpoint's
    # list), so with a NAT route the function may leave through it
    assert leaky["Fn"].status is Status.UNKNOWN
    assert "pl-6ea54007" in leaky["Fn"].reason
    tied = _with_nat(compliant())
    tied.replace("WorkloadSg", egress=(egress("tcp", 443, 443, prefix_list="S3"),))
    assert findings(NO_EGRESS_PATH, tied)["Fn"].status is Status.PASS  # the endpoint's own
    # without the endpoint nothing shows where that list goes
    no_s3 = _with_nat(compliant())
    no_s3.remove("S3")
    found = findings(NO_EGRESS_PATH, no_s3)["Fn"]
    assert found.status is Status.UNKNOWN
    assert "prefix list pl-6ea54007 in a security group egress rule" in found.reason
    net = compliant()
    net.replace(
        "PrivateRt", routes=(route("0.0.0.0/0", T.TRANSIT_GATEWAY, U("Fn::ImportValue Tgw")),)
    )
    unknown = findings(NO_EGRESS_PATH, net)
    assert unknown["PrivateA"].status is Status.UNKNOWN
    assert "transit gateway is unresolved" in unknown["PrivateA"].reason


def test_egress_and_workload_egress_agree_on_gateway_endpoint_lists() -> None:
    """AL-NET-001 and AL-NET-008 read a rule to a gateway endpoint's prefix list alike,
    except a bare AWS-managed id that nothing ties to the endpoint: AL-NET-008 (hygiene)
    takes it for the endpoint's list, the path analysis cannot prove it."""
    from airlock.controls.catalog.network_security_groups import WORKLOAD_EGRESS

    def both(net):  # type: ignore[no-untyped-def]
        return (
            statuses(NO_EGRESS_PATH, net)["Fn"],
            statuses(WORKLOAD_EGRESS, net)["Fn"],
        )

    def with_list(ref, s3_route_list=None):  # type: ignore[no-untyped-def]
        net = _with_nat(compliant())
        if s3_route_list is not None:  # Terraform shows the endpoint's list id once known
            net.replace(
                "PrivateRt",
                routes=(
                    route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
                    route(s3_route_list, T.GATEWAY_ENDPOINT, "S3"),
                ),
            )
        net.replace("WorkloadSg", egress=(egress("tcp", 443, 443, prefix_list=ref),))
        return net

    assert both(with_list("pl-6ea54007")) == (Status.UNKNOWN, Status.PASS)
    assert both(with_list("S3")) == (Status.PASS, Status.PASS)  # a reference to the endpoint
    assert both(with_list("pl-6ea54007", "pl-6ea54007")) == (Status.PASS, Status.PASS)
    # another AWS-managed list than the endpoint's known one, a customer-managed list, an
    # interface endpoint: nothing shows where their addresses go
    assert both(with_list("pl-66a5400f", "pl-6ea54007")) == (Status.UNKNOWN, Status.UNKNOWN)
    assert both(with_list("pl-0a1b2c3d4e5f60718")) == (Status.UNKNOWN, Status.UNKNOWN)
    assert both(with_list("Runtime")) == (Status.UNKNOWN, Status.UNKNOWN)


def test_egress_nacl_block_is_a_pass_with_evidence() -> None:
    from netbuild import acl_rule

    net = _with_nat(compliant())
    net.nacl("Acl", "Vpc", ["PrivateA", "PrivateB"], acl_rule(100, True, "10.0.0.0/16"))
    result = findings(NO_EGRESS_PATH, net)
    assert result["PrivateA"].status is Status.PASS
    evidence = result["PrivateA"].as_json()["evidence"]
    assert evidence["paths"][0]["outcome"] == "blocked"
    assert "implicit final rule (*) denies" in evidence["paths"][0]["reason"]


def test_egress_skips_lambda_outside_vpc_and_reports_declared_but_missing_subnets() -> None:
    net = compliant()
    net.lambda_fn("Outside")
    result = findings(NO_EGRESS_PATH, net, workload_subnets=frozenset({"subnet-0gone"}))
    assert "Outside" not in result
    assert result["subnet-0gone"].status is Status.UNKNOWN


def test_public_ips_pass_fail_unknown() -> None:
    assert set(statuses(NO_PUBLIC_IPS, compliant()).values()) == {Status.PASS}
    net = compliant()
    net.replace("PrivateA", map_public_ip_on_launch=True)
    net.replace("PrivateB", map_public_ip_on_launch=U("Ref MapPublic"))
    net.instance("Default", "PrivateA")
    net.instance("Explicit", "PrivateB", associate_public_ip=False)
    net.ecs("Svc", ["PrivateB"], assign_public_ip=True)
    net.eks("Cluster", ["PrivateB"])
    net.eks("Private", ["PrivateB"], endpoint_public_access=False)
    net.nodegroup("Nodes", ["PrivateB"])
    net.eni("eni-app", "PrivateB", public_ip="3.3.3.3")
    net.eni(
        "eni-nat", "PrivateB", description="Interface for NAT Gateway nat-1", public_ip="4.4.4.4"
    )
    result = statuses(NO_PUBLIC_IPS, net)
    assert result["PrivateA"] is Status.FAIL
    assert result["PrivateB"] is Status.UNKNOWN
    assert result["Default"] is Status.FAIL  # inherits the subnet's setting
    assert result["Explicit"] is Status.PASS
    assert result["Svc"] is Status.FAIL
    assert result["Cluster"] is Status.FAIL  # public API endpoint by default
    assert result["Private"] is Status.PASS
    assert result["Nodes"] is Status.UNKNOWN
    assert result["eni-app"] is Status.FAIL
    assert "eni-nat" not in result
    assert result["Fn"] is Status.PASS  # Lambda's interfaces never get a public IP


def test_lambda_in_imported_subnets_has_no_public_ip() -> None:
    net = Net()
    net.lambda_fn("Fn", [U("Fn::ImportValue network-SubnetA")], [U("Fn::ImportValue network-Sg")])
    found = findings(NO_PUBLIC_IPS, net)["Fn"]
    assert found.status is Status.PASS and "never get a public IP" in found.reason


def test_lambda_in_vpc_pass_fail_unknown_and_not_applicable() -> None:
    net = compliant()
    net.lambda_fn("Outside")
    net.lambda_fn("Maybe", in_vpc=U("Fn::If HasVpc"))
    result = findings(LAMBDA_IN_VPC, net)
    assert result["Fn"].status is Status.PASS
    assert result["Outside"].status is Status.FAIL
    assert [h["kind"] for h in result["Outside"].as_json()["evidence"]["paths"][0]["hops"]] == [
        "subject",
        "lambda-service-network",
        "internet",
    ]
    assert result["Maybe"].status is Status.UNKNOWN
    net = compliant()
    net.remove("Fn")
    assert set(statuses(LAMBDA_IN_VPC, net).values()) == {Status.NOT_APPLICABLE}

"""Paths through resources that exist only under an undecided CloudFormation condition."""

from __future__ import annotations

from pathlib import Path

from netbuild import Net, T, route

from airlock.analysis.reachability import PathOutcome, Reach, analyse
from airlock.inventory.model import CoverageGap, Inventory, SourceInfo, SourceKind
from airlock.sources import load

TEMPLATE = """\
Parameters:
  Environment:
    Type: String
    AllowedValues: [dev, prod]
Conditions:
  IsDev: !Equals [!Ref Environment, dev]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  App:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
      Tags: [{Key: "airlock:workload", Value: "true"}]
  AppRt:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  AppRtAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref App, RouteTableId: !Ref AppRt}
  Igw:
    Type: AWS::EC2::InternetGateway
  IgwAttach:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}
  Public:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24}
  PublicRt:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  PublicRtAssoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties: {SubnetId: !Ref Public, RouteTableId: !Ref PublicRt}
  PublicDefault:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref PublicRt, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw}
  NatEip:
    Type: AWS::EC2::EIP
    Condition: IsDev
    Properties: {Domain: vpc}
  NatGateway:
    Type: AWS::EC2::NatGateway
    Condition: IsDev
    Properties: {AllocationId: !GetAtt NatEip.AllocationId, SubnetId: !Ref Public}
  AppDefault:
    Type: AWS::EC2::Route
    Condition: IsDev
    Properties:
      RouteTableId: !Ref AppRt
      DestinationCidrBlock: 0.0.0.0/0
      NatGatewayId: !Ref NatGateway
"""

IGW_ROUTE = """\
  AppToIgw:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref AppRt, DestinationCidrBlock: 8.8.8.0/24, GatewayId: !Ref Igw}
"""


def _app(tmp_path: Path, text: str, **parameters: str):  # type: ignore[no-untyped-def]
    template = tmp_path / "template.yaml"
    template.write_text(text)
    inventory = load(SourceKind.CLOUDFORMATION, str(template), parameters=parameters)
    return analyse(inventory).subject("App")


def test_cfn_path_only_through_a_conditional_nat_is_unknown(tmp_path: Path) -> None:
    app = _app(tmp_path, TEMPLATE)
    assert app.reach is Reach.UNKNOWN
    assert (
        "the path out through nat-gateway NatGateway exists only if its condition IsDev holds"
        in (app.reason)
    )
    assert "parameter Environment has no default" in app.reason
    # the evidence keeps the path, marked unknown with the condition
    (path,) = [p for p in app.paths if any(h.id == "NatGateway" for h in p.hops)]
    assert path.outcome is PathOutcome.UNKNOWN
    assert path.hops[-1].kind.value == "internet"
    assert "condition IsDev" in path.unknowns[0]


def test_cfn_an_unconditional_path_out_still_fails(tmp_path: Path) -> None:
    app = _app(tmp_path, TEMPLATE + IGW_ROUTE)
    assert app.reach is Reach.OPEN
    assert "8.8.8.0/24 -> internet-gateway Igw > internet" in app.reason
    assert "NatGateway" not in app.reason
    # the conditional path stays in the evidence, after the provable one
    ids = [[h.id for h in p.hops] for p in app.open_paths]
    assert "AppToIgw" in ids[0] and any("NatGateway" in i for i in ids[1:])


def test_cfn_a_decided_condition_changes_nothing(tmp_path: Path) -> None:
    dev = _app(tmp_path, TEMPLATE, Environment="dev")
    assert dev.reach is Reach.OPEN
    assert "0.0.0.0/0 -> nat-gateway NatGateway" in dev.reason
    assert not dev.unknowns
    prod = _app(tmp_path, TEMPLATE, Environment="prod")
    assert prod.reach is Reach.CLOSED


def _nat_net() -> Net:
    net = Net()
    net.vpc("Vpc")
    net.subnet("App", "Vpc", "10.0.1.0/24")
    net.subnet("Public", "Vpc", "10.0.0.0/24")
    net.igw("Igw", "Vpc")
    net.nat("Nat", "Public")
    net.table("PublicRt", "Vpc", route("0.0.0.0/0", T.INTERNET_GATEWAY, "Igw"), subnets=["Public"])
    net.table("AppRt", "Vpc", route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"), subnets=["App"])
    return net


def _gap(resource_id: str) -> CoverageGap:
    return CoverageGap(
        resource_id,
        "judged as if created, but it exists only if its condition IsDev holds (condition IsDev "
        "cannot be evaluated: parameter Environment has no default)",
        resource_id=resource_id,
    )


def _judge(net: Net, *gaps: CoverageGap):  # type: ignore[no-untyped-def]
    inventory = Inventory(
        SourceInfo(SourceKind.CLOUDFORMATION, "t.yaml"), net.resources, list(gaps)
    )
    return analyse(inventory, workload_subnets=frozenset({"App"})).subject("App")


def test_netbuild_conditional_route_table_route_is_unknown() -> None:
    # the route table's own route is unconditional, but the NAT gateway exists only in dev
    app = _judge(_nat_net(), _gap("Nat"))
    assert app.reach is Reach.UNKNOWN
    assert "the path out through nat-gateway Nat exists only if its condition IsDev" in app.reason
    # other gaps on a hop (a value the source could not see) do not make a path conditional
    other = CoverageGap("Nat", "the EIP of this NAT gateway is not seen", resource_id="Nat")
    assert _judge(_nat_net(), other).reach is Reach.OPEN


def test_netbuild_unconditional_igw_route_keeps_the_fail() -> None:
    net = _nat_net()
    net.replace(
        "AppRt",
        routes=(
            route("0.0.0.0/0", T.NAT_GATEWAY, "Nat"),
            route("1.1.1.0/24", T.INTERNET_GATEWAY, "Igw"),
        ),
    )
    app = _judge(net, _gap("Nat"))
    assert app.reach is Reach.OPEN
    assert "1.1.1.0/24 -> internet-gateway Igw" in app.reason

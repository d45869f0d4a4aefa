"""Network mapping: routing joins, gateways, endpoints, security groups, NACLs, implicit parts."""

from __future__ import annotations

from airlock.inventory.model import Inventory, Unresolved
from airlock.inventory.network import (
    EndpointType,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    Subnet,
    TransitGatewayAttachment,
    TransitGatewayRouteTable,
    Vpc,
    VpcEndpoint,
    VpcPeeringConnection,
    VpnGateway,
)

from .conftest import Loader, resources

NETWORK = resources("""\
    Vpc:
      Type: AWS::EC2::VPC
      Properties: {CidrBlock: 10.0.0.0/16}
    ExtraCidr:
      Type: AWS::EC2::VPCCidrBlock
      Properties: {VpcId: !Ref Vpc, AmazonProvidedIpv6CidrBlock: true}
    Public:
      Type: AWS::EC2::Subnet
      Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.0.0/24, MapPublicIpOnLaunch: true}
    Private:
      Type: AWS::EC2::Subnet
      Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}
    Isolated:
      Type: AWS::EC2::Subnet
      Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}
    Igw:
      Type: AWS::EC2::InternetGateway
    IgwAttachment:
      Type: AWS::EC2::VPCGatewayAttachment
      Properties: {VpcId: !Ref Vpc, InternetGatewayId: !Ref Igw}
    Vgw:
      Type: AWS::EC2::VPNGateway
      Properties: {Type: ipsec.1}
    VgwAttachment:
      Type: AWS::EC2::VPCGatewayAttachment
      Properties: {VpcId: !Ref Vpc, VpnGatewayId: !Ref Vgw}
    Nat:
      Type: AWS::EC2::NatGateway
      Properties: {SubnetId: !Ref Public, AllocationId: eipalloc-1}
    PublicRoutes:
      Type: AWS::EC2::RouteTable
      Properties: {VpcId: !Ref Vpc}
    DefaultToIgw:
      Type: AWS::EC2::Route
      DependsOn: IgwAttachment
      Properties: {RouteTableId: !Ref PublicRoutes, DestinationCidrBlock: 0.0.0.0/0, GatewayId: !Ref Igw}
    PublicAssociation:
      Type: AWS::EC2::SubnetRouteTableAssociation
      Properties: {SubnetId: !Ref Public, RouteTableId: !Ref PublicRoutes}
    PrivateRoutes:
      Type: AWS::EC2::RouteTable
      Properties: {VpcId: !Ref Vpc}
    DefaultToNat:
      Type: AWS::EC2::Route
      Properties: {RouteTableId: !Ref PrivateRoutes, DestinationCidrBlock: 0.0.0.0/0, NatGatewayId: !Ref Nat}
    PeerRoute:
      Type: AWS::EC2::Route
      Properties: {RouteTableId: !Ref PrivateRoutes, DestinationCidrBlock: 172.16.0.0/12, VpcPeeringConnectionId: !Ref Peering}
    TgwRoute:
      Type: AWS::EC2::Route
      Properties: {RouteTableId: !Ref PrivateRoutes, DestinationCidrBlock: 192.168.0.0/16, TransitGatewayId: tgw-0123}
    Ipv6Route:
      Type: AWS::EC2::Route
      Properties: {RouteTableId: !Ref PrivateRoutes, DestinationIpv6CidrBlock: "::/0", EgressOnlyInternetGatewayId: eigw-1}
    LiteralIgwRoute:
      Type: AWS::EC2::Route
      Properties: {RouteTableId: !Ref PrivateRoutes, DestinationPrefixListId: pl-123, GatewayId: igw-0abc}
    ImportedRoute:
      Type: AWS::EC2::Route
      Properties: {RouteTableId: !Ref PrivateRoutes, DestinationCidrBlock: 100.64.0.0/10, GatewayId: !ImportValue shared-gw}
    PrivateAssociation:
      Type: AWS::EC2::SubnetRouteTableAssociation
      Properties: {SubnetId: !Ref Private, RouteTableId: !Ref PrivateRoutes}
    Propagation:
      Type: AWS::EC2::VPNGatewayRoutePropagation
      Properties: {RouteTableIds: [!Ref PrivateRoutes], VpnGatewayId: !Ref Vgw}
    EdgeAssociation:
      Type: AWS::EC2::GatewayRouteTableAssociation
      Properties: {RouteTableId: !Ref PublicRoutes, GatewayId: !Ref Igw}
    Peering:
      Type: AWS::EC2::VPCPeeringConnection
      Properties: {VpcId: !Ref Vpc, PeerVpcId: vpc-peer, PeerOwnerId: "222233334444", PeerRegion: eu-west-2}
    Tgw:
      Type: AWS::EC2::TransitGateway
      Properties: {DefaultRouteTableAssociation: disable}
    TgwAttachment:
      Type: AWS::EC2::TransitGatewayVpcAttachment
      Properties: {TransitGatewayId: !Ref Tgw, VpcId: !Ref Vpc, SubnetIds: [!Ref Isolated]}
    TgwTable:
      Type: AWS::EC2::TransitGatewayRouteTable
      Properties: {TransitGatewayId: !Ref Tgw}
    TgwDefault:
      Type: AWS::EC2::TransitGatewayRoute
      Properties: {TransitGatewayRouteTableId: !Ref TgwTable, DestinationCidrBlock: 0.0.0.0/0, TransitGatewayAttachmentId: !Ref TgwAttachment}
    TgwAssociation:
      Type: AWS::EC2::TransitGatewayRouteTableAssociation
      Properties: {TransitGatewayRouteTableId: !Ref TgwTable, TransitGatewayAttachmentId: !Ref TgwAttachment}
    TgwPropagation:
      Type: AWS::EC2::TransitGatewayRouteTablePropagation
      Properties: {TransitGatewayRouteTableId: !Ref TgwTable, TransitGatewayAttachmentId: !Ref TgwAttachment}
    S3Endpoint:
      Type: AWS::EC2::VPCEndpoint
      Properties:
        VpcId: !Ref Vpc
        ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
        RouteTableIds: [!Ref PrivateRoutes]
    RuntimeEndpoint:
      Type: AWS::EC2::VPCEndpoint
      Properties:
        VpcId: !Ref Vpc
        VpcEndpointType: Interface
        ServiceName: !Sub com.amazonaws.${AWS::Region}.bedrock-runtime
        SubnetIds: [!Ref Isolated]
        PolicyDocument: '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "bedrock:InvokeModel", "Resource": "*"}]}'
    IsolatedAcl:
      Type: AWS::EC2::NetworkAcl
      Properties: {VpcId: !Ref Vpc}
    IsolatedAclAssociation:
      Type: AWS::EC2::SubnetNetworkAclAssociation
      Properties: {SubnetId: !Ref Isolated, NetworkAclId: !Ref IsolatedAcl}
    AllowHttpsIn:
      Type: AWS::EC2::NetworkAclEntry
      Properties: {NetworkAclId: !Ref IsolatedAcl, RuleNumber: 100, Protocol: 6, RuleAction: allow, Egress: false, CidrBlock: 10.0.0.0/16, PortRange: {From: 443, To: 443}}
    DenyDefaultNaclOut:
      Type: AWS::EC2::NetworkAclEntry
      Properties: {NetworkAclId: !GetAtt Vpc.DefaultNetworkAcl, RuleNumber: 50, Protocol: -1, RuleAction: deny, Egress: true, CidrBlock: 0.0.0.0/0}
""")


def _get(inventory: Inventory, resource_id: str, kind: type) -> object:
    found = inventory.get(resource_id, kind)
    assert found is not None, resource_id
    return found


def test_routes_are_joined_with_their_target_kinds(load_yaml: Loader) -> None:
    inventory = load_yaml(NETWORK)
    private = _get(inventory, "PrivateRoutes", RouteTable)
    assert isinstance(private, RouteTable)
    kinds = {(r.origin, r.target_kind, r.target) for r in private.routes}
    assert ("DefaultToNat", RouteTarget.NAT_GATEWAY, "Nat") in kinds
    assert ("PeerRoute", RouteTarget.VPC_PEERING, "Peering") in kinds
    assert ("TgwRoute", RouteTarget.TRANSIT_GATEWAY, "tgw-0123") in kinds
    assert ("Ipv6Route", RouteTarget.EGRESS_ONLY_INTERNET_GATEWAY, "eigw-1") in kinds
    assert ("LiteralIgwRoute", RouteTarget.INTERNET_GATEWAY, "igw-0abc") in kinds
    assert ("S3Endpoint", RouteTarget.GATEWAY_ENDPOINT, "S3Endpoint") in kinds
    imported = next(r for r in private.routes if r.origin == "ImportedRoute")
    assert imported.target_kind is RouteTarget.UNKNOWN
    assert isinstance(imported.target, Unresolved) and "shared-gw" in imported.target.reason
    literal = next(r for r in private.routes if r.origin == "LiteralIgwRoute")
    assert literal.destination_prefix_list == "pl-123"
    assert private.subnets == ("Private",)
    assert private.propagating_gateways == ("Vgw",)
    assert {"DefaultToNat", "PrivateAssociation", "Propagation"} <= set(private.configured_by)


def test_local_routes_cover_every_vpc_cidr(load_yaml: Loader) -> None:
    inventory = load_yaml(NETWORK)
    public = _get(inventory, "PublicRoutes", RouteTable)
    assert isinstance(public, RouteTable)
    local = [r for r in public.routes if r.target_kind is RouteTarget.LOCAL]
    assert local[0].destination_cidr == "10.0.0.0/16" and local[0].target == "local"
    assert isinstance(local[1].destination_ipv6_cidr, Unresolved)
    igw_route = next(r for r in public.routes if r.origin == "DefaultToIgw")
    assert igw_route.target_kind is RouteTarget.INTERNET_GATEWAY
    assert igw_route.destination_cidr == "0.0.0.0/0"
    assert public.gateways == ("Igw",)


def test_main_route_table_default_acl_and_default_group_are_implicit(load_yaml: Loader) -> None:
    inventory = load_yaml(NETWORK)
    main = _get(inventory, "Vpc#main", RouteTable)
    assert isinstance(main, RouteTable)
    assert main.is_main and main.subnets == () and main.vpc == "Vpc"
    assert main.native_type == "AWS::EC2::RouteTable (main, implicit)"
    assert [r.target_kind for r in main.routes] == [RouteTarget.LOCAL, RouteTarget.LOCAL]
    acl = _get(inventory, "Vpc#default-network-acl", NetworkAcl)
    assert isinstance(acl, NetworkAcl) and acl.is_default
    assert set(acl.subnets) == {"Public", "Private"}  # Isolated has its own ACL
    assert any(e.rule_number == 100 and e.allow is True and not e.egress for e in acl.entries)
    assert any(e.origin == "DenyDefaultNaclOut" and e.allow is False for e in acl.entries)
    group = _get(inventory, "Vpc#default-security-group", SecurityGroup)
    assert isinstance(group, SecurityGroup) and group.is_default
    assert group.ingress[0].security_group == "Vpc#default-security-group"
    assert {r.cidr_ipv4 for r in group.egress} == {"0.0.0.0/0", None}


def test_custom_acl_entries_and_deny_all(load_yaml: Loader) -> None:
    acl = _get(load_yaml(NETWORK), "IsolatedAcl", NetworkAcl)
    assert isinstance(acl, NetworkAcl)
    assert acl.subnets == ("Isolated",) and not acl.is_default
    https = next(e for e in acl.entries if e.origin == "AllowHttpsIn")
    assert (https.rule_number, https.protocol, https.allow, https.egress) == (100, "6", True, False)
    assert (https.from_port, https.to_port, https.cidr_ipv4) == (443, 443, "10.0.0.0/16")
    assert {e.rule_number for e in acl.entries if e.allow is False} == {32767}


def test_gateways_peering_transit(load_yaml: Loader) -> None:
    inventory = load_yaml(NETWORK)
    igw = _get(inventory, "Igw", InternetGateway)
    assert isinstance(igw, InternetGateway) and igw.vpcs == ("Vpc",)
    assert igw.configured_by == ("IgwAttachment",)
    vgw = _get(inventory, "Vgw", VpnGateway)
    assert isinstance(vgw, VpnGateway) and vgw.vpcs == ("Vpc",)
    nat = _get(inventory, "Nat", NatGateway)
    assert isinstance(nat, NatGateway) and (nat.subnet, nat.connectivity) == ("Public", "public")
    peering = _get(inventory, "Peering", VpcPeeringConnection)
    assert isinstance(peering, VpcPeeringConnection)
    assert (peering.peer_vpc, peering.peer_account, peering.peer_region) == (
        "vpc-peer",
        "222233334444",
        "eu-west-2",
    )
    attachment = _get(inventory, "TgwAttachment", TransitGatewayAttachment)
    assert isinstance(attachment, TransitGatewayAttachment)
    assert (attachment.transit_gateway, attachment.vpc, attachment.subnets) == (
        "Tgw",
        "Vpc",
        ("Isolated",),
    )
    table = _get(inventory, "TgwTable", TransitGatewayRouteTable)
    assert isinstance(table, TransitGatewayRouteTable)
    assert table.routes[0].destination_cidr == "0.0.0.0/0"
    assert table.routes[0].attachment == "TgwAttachment"
    assert table.associations == ("TgwAttachment",) and table.propagations == ("TgwAttachment",)
    vpc = _get(inventory, "Vpc", Vpc)
    assert isinstance(vpc, Vpc) and vpc.configured_by == ("ExtraCidr",)
    subnet = _get(inventory, "Public", Subnet)
    assert isinstance(subnet, Subnet) and subnet.map_public_ip_on_launch is True


def test_endpoints(load_yaml: Loader) -> None:
    inventory = load_yaml(NETWORK)
    s3 = _get(inventory, "S3Endpoint", VpcEndpoint)
    assert isinstance(s3, VpcEndpoint)
    assert s3.endpoint_type is EndpointType.GATEWAY and s3.policy is None
    assert s3.service_name == "com.amazonaws.${AWS::Region}.s3"
    assert s3.route_tables == ("PrivateRoutes",)
    runtime = _get(inventory, "RuntimeEndpoint", VpcEndpoint)
    assert isinstance(runtime, VpcEndpoint)
    assert runtime.endpoint_type is EndpointType.INTERFACE
    assert runtime.private_dns_enabled is None and runtime.security_groups == ()
    assert runtime.policy == {
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "bedrock:InvokeModel", "Resource": "*"}
        ]
    }


def test_routes_to_tables_outside_the_template_become_gaps(load_yaml: Loader) -> None:
    inventory = load_yaml(
        resources("""\
        Orphan:
          Type: AWS::EC2::Route
          Properties: {RouteTableId: rtb-0abc, DestinationCidrBlock: 0.0.0.0/0, GatewayId: igw-1}
        Imported:
          Type: AWS::EC2::SubnetRouteTableAssociation
          Properties: {RouteTableId: !ImportValue rt, SubnetId: subnet-1}
        """)
    )
    reasons = {g.resource_id: g.reason for g in inventory.gaps}
    assert "'rtb-0abc', which is not declared in this template" in reasons["Orphan"]
    assert "cannot be resolved (Fn::ImportValue rt" in reasons["Imported"]
    assert "subnet-1" in reasons


SG = resources("""\
    Open:
      Type: AWS::EC2::SecurityGroup
      Properties:
        GroupDescription: default egress kept
        VpcId: vpc-1
        SecurityGroupIngress:
          - {IpProtocol: TCP, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}
          - {IpProtocol: -1, SourceSecurityGroupId: !Ref Closed}
    Closed:
      Type: AWS::EC2::SecurityGroup
      Properties:
        GroupDescription: inline egress replaces the default
        VpcId: vpc-1
        SecurityGroupEgress:
          - {IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationPrefixListId: pl-s3}
    EmptyList:
      Type: AWS::EC2::SecurityGroup
      Properties: {GroupDescription: empty list keeps the default, SecurityGroupEgress: []}
    Separate:
      Type: AWS::EC2::SecurityGroupEgress
      Properties: {GroupId: !GetAtt Open.GroupId, IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}
    SeparateIn:
      Type: AWS::EC2::SecurityGroupIngress
      Properties: {GroupId: !Ref Closed, IpProtocol: tcp, FromPort: 443, ToPort: 443, SourceSecurityGroupId: !GetAtt Open.GroupId}
""")


def test_default_egress_is_replaced_by_any_egress_rule(load_yaml: Loader) -> None:
    """CloudFormation revokes the default allow-all egress when it adds an egress rule,
    inline or through a separate AWS::EC2::SecurityGroupEgress (CDK relies on it)."""
    inventory = load_yaml(SG)
    open_ = _get(inventory, "Open", SecurityGroup)
    assert isinstance(open_, SecurityGroup)
    egress = [(r.protocol, r.cidr_ipv4, r.cidr_ipv6, r.origin) for r in open_.egress]
    assert egress == [("tcp", "10.0.0.0/8", None, "Separate")]
    assert open_.ingress[0].protocol == "tcp" and open_.ingress[1].security_group == "Closed"
    closed = _get(inventory, "Closed", SecurityGroup)
    assert isinstance(closed, SecurityGroup)
    assert [(r.protocol, r.prefix_list) for r in closed.egress] == [("tcp", "pl-s3")]
    assert closed.ingress[0].security_group == "Open" and closed.ingress[0].origin == "SeparateIn"
    empty = _get(inventory, "EmptyList", SecurityGroup)
    assert isinstance(empty, SecurityGroup) and len(empty.egress) == 2


def test_unresolvable_egress_is_an_unknown_rule(load_yaml: Loader) -> None:
    inventory = load_yaml(
        """\
        Parameters:
          Locked: {Type: String}
        Conditions:
          IsLocked: !Equals [!Ref Locked, "yes"]
        Resources:
          Group:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: g
              SecurityGroupEgress: !If [IsLocked, [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.0.0.0/8}], !Ref AWS::NoValue]
        """
    )
    group = _get(inventory, "Group", SecurityGroup)
    assert isinstance(group, SecurityGroup)
    assert len(group.egress) == 1 and isinstance(group.egress[0].protocol, Unresolved)
    assert "parameter Locked has no default" in group.egress[0].protocol.reason

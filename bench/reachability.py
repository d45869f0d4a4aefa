"""Network path analysis benchmark: 100 VPCs, 1,000 subnets, 5,000 ENIs in under 1 s.

Usage: python bench/reachability.py [--vpcs 100] [--subnets-per-vpc 10] [--enis-per-subnet 5]
                                    [--runs 3] [--limit 1.0]

The generated estate mixes the shapes the analysis meets in practice: a third of the VPCs
are air-gapped (endpoints only), a third send private subnets through their own NAT
gateway, and a third are spokes of a transit gateway whose inspection VPC has a firewall
endpoint and a NAT gateway. Every VPC has an S3 gateway endpoint route (a prefix list that
is not in the inventory), network ACLs, a few security groups, and DNS Firewall on some.
The analysis (workload selection, every subject judged twice, DNS) is timed in-process;
the best of ``--runs`` is compared with the limit. Exits 1 when over the limit. The time of
the whole network control catalog (analysis included) is printed for information.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from airlock.analysis.reachability import Reach, analyse
from airlock.inventory.compute import NetworkInterface
from airlock.inventory.dns import (
    FirewallDomainList,
    FirewallRule,
    FirewallRuleGroup,
    FirewallRuleGroupAssociation,
)
from airlock.inventory.model import Inventory, Resource, SourceInfo, SourceKind
from airlock.inventory.network import (
    EndpointType,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    NetworkAclEntry,
    Route,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    SecurityGroupRule,
    Subnet,
    TransitGateway,
    TransitGatewayAttachment,
    TransitGatewayRoute,
    TransitGatewayRouteTable,
    Vpc,
    VpcEndpoint,
)

S3_LIST = "pl-6ea54007"


def _vpc_cidr(index: int) -> tuple[str, str]:
    base = f"10.{index // 2}.{(index % 2) * 128}"
    return f"{base}.0/17", base


def generate(vpcs: int, subnets_per_vpc: int, enis_per_subnet: int) -> Inventory:
    out: list[Resource] = []
    add = out.append
    add(
        TransitGateway(
            id="tgw",
            native_type="AWS::EC2::TransitGateway",
            default_route_table_association=False,
            default_route_table_propagation=False,
        )
    )
    # the inspection VPC: TGW subnet -> firewall endpoint -> NAT -> internet gateway
    add(Vpc(id="inspect", native_type="AWS::EC2::VPC", cidr_blocks=("100.64.0.0/16",)))
    for name, cidr in (
        ("inspect-tgw", "100.64.0.0/24"),
        ("inspect-fw", "100.64.1.0/24"),
        ("inspect-pub", "100.64.2.0/24"),
    ):
        add(Subnet(id=name, native_type="AWS::EC2::Subnet", vpc="inspect", cidr_block=cidr))
    add(
        InternetGateway(
            id="inspect-igw", native_type="AWS::EC2::InternetGateway", vpcs=("inspect",)
        )
    )
    add(NatGateway(id="inspect-nat", native_type="AWS::EC2::NatGateway", subnet="inspect-pub"))
    add(
        VpcEndpoint(
            id="inspect-fwe",
            native_type="AWS::EC2::VPCEndpoint",
            vpc="inspect",
            service_name="com.amazonaws.vpce.eu-central-1.vpce-svc-fw",
            endpoint_type=EndpointType.GATEWAY_LOAD_BALANCER,
            subnets=("inspect-fw",),
        )
    )
    back = Route(RouteTarget.TRANSIT_GATEWAY, "tgw", destination_cidr="10.0.0.0/8")
    for table, subnet, target_kind, target in (
        ("inspect-tgw-rt", "inspect-tgw", RouteTarget.VPC_ENDPOINT, "inspect-fwe"),
        ("inspect-fw-rt", "inspect-fw", RouteTarget.NAT_GATEWAY, "inspect-nat"),
        ("inspect-pub-rt", "inspect-pub", RouteTarget.INTERNET_GATEWAY, "inspect-igw"),
    ):
        default = Route(target_kind, target, destination_cidr="0.0.0.0/0")
        add(
            RouteTable(
                id=table,
                native_type="AWS::EC2::RouteTable",
                vpc="inspect",
                routes=(default, back),
                subnets=(subnet,),
            )
        )
    add(
        TransitGatewayAttachment(
            id="att-inspect",
            native_type="AWS::EC2::TransitGatewayAttachment",
            transit_gateway="tgw",
            vpc="inspect",
            subnets=("inspect-tgw",),
        )
    )
    spokes: list[str] = []
    add(
        FirewallDomainList(
            id="dl-aws",
            native_type="AWS::Route53Resolver::FirewallDomainList",
            domains=("*.amazonaws.com",),
        )
    )
    add(
        FirewallDomainList(
            id="dl-all", native_type="AWS::Route53Resolver::FirewallDomainList", domains=("*",)
        )
    )
    add(
        FirewallRuleGroup(
            id="frg",
            native_type="AWS::Route53Resolver::FirewallRuleGroup",
            rules=(FirewallRule(1, "ALLOW", "dl-aws"), FirewallRule(100, "BLOCK", "dl-all")),
        )
    )
    for v in range(vpcs):
        vpc = f"vpc{v}"
        cidr, base = _vpc_cidr(v)
        shape = v % 3  # 0 air-gapped, 1 own NAT, 2 transit spoke
        add(Vpc(id=vpc, native_type="AWS::EC2::VPC", cidr_blocks=(cidr,)))
        sg_open = SecurityGroup(
            id=f"{vpc}-sg-open",
            native_type="AWS::EC2::SecurityGroup",
            vpc=vpc,
            egress=(SecurityGroupRule("-1", cidr_ipv4="0.0.0.0/0"),),
        )
        sg_tight = SecurityGroup(
            id=f"{vpc}-sg-tight",
            native_type="AWS::EC2::SecurityGroup",
            vpc=vpc,
            egress=(
                SecurityGroupRule("tcp", 443, 443, cidr_ipv4=cidr),
                SecurityGroupRule("tcp", 443, 443, prefix_list=S3_LIST),
            ),
        )
        sg_db = SecurityGroup(
            id=f"{vpc}-sg-db",
            native_type="AWS::EC2::SecurityGroup",
            vpc=vpc,
            egress=(SecurityGroupRule("tcp", 5432, 5432, cidr_ipv4=cidr),),
        )
        out.extend((sg_open, sg_tight, sg_db))
        groups = [(sg_open.id,), (sg_tight.id,), (sg_tight.id, sg_db.id), (sg_db.id,)]
        s3 = Route(RouteTarget.GATEWAY_ENDPOINT, f"{vpc}-s3", destination_prefix_list=S3_LIST)
        add(
            VpcEndpoint(
                id=f"{vpc}-s3",
                native_type="AWS::EC2::VPCEndpoint",
                vpc=vpc,
                service_name="com.amazonaws.eu-central-1.s3",
                endpoint_type=EndpointType.GATEWAY,
                route_tables=(f"{vpc}-rt",),
            )
        )
        private_routes: tuple[Route, ...] = (s3,)
        public_count = 2 if shape == 1 else 0
        subnet_ids = [f"{vpc}-s{i}" for i in range(subnets_per_vpc)]
        private = subnet_ids[public_count:]
        public = subnet_ids[:public_count]
        for i, sid in enumerate(subnet_ids):
            add(
                Subnet(
                    id=sid,
                    native_type="AWS::EC2::Subnet",
                    vpc=vpc,
                    cidr_block=_subnet_cidr(base, i),
                )
            )
        if shape == 1:
            add(
                InternetGateway(
                    id=f"{vpc}-igw", native_type="AWS::EC2::InternetGateway", vpcs=(vpc,)
                )
            )
            add(NatGateway(id=f"{vpc}-nat", native_type="AWS::EC2::NatGateway", subnet=public[0]))
            add(
                RouteTable(
                    id=f"{vpc}-pub-rt",
                    native_type="AWS::EC2::RouteTable",
                    vpc=vpc,
                    routes=(
                        Route(
                            RouteTarget.INTERNET_GATEWAY, f"{vpc}-igw", destination_cidr="0.0.0.0/0"
                        ),
                    ),
                    subnets=tuple(public),
                )
            )
            private_routes += (
                Route(RouteTarget.NAT_GATEWAY, f"{vpc}-nat", destination_cidr="0.0.0.0/0"),
            )
        elif shape == 2:
            spokes.append(f"att-{vpc}")
            add(
                TransitGatewayAttachment(
                    id=f"att-{vpc}",
                    native_type="AWS::EC2::TransitGatewayAttachment",
                    transit_gateway="tgw",
                    vpc=vpc,
                    subnets=(private[0],),
                )
            )
            private_routes += (
                Route(RouteTarget.TRANSIT_GATEWAY, "tgw", destination_cidr="0.0.0.0/0"),
            )
        add(
            RouteTable(
                id=f"{vpc}-rt",
                native_type="AWS::EC2::RouteTable",
                vpc=vpc,
                routes=private_routes,
                subnets=tuple(private),
            )
        )
        add(
            NetworkAcl(
                id=f"{vpc}-acl",
                native_type="AWS::EC2::NetworkAcl",
                vpc=vpc,
                subnets=tuple(private),
                entries=(
                    NetworkAclEntry(
                        90, True, "17", False, cidr_ipv4="0.0.0.0/0", from_port=53, to_port=53
                    ),
                    NetworkAclEntry(100, True, "-1", True, cidr_ipv4="0.0.0.0/0"),
                    NetworkAclEntry(100, False, "-1", True, cidr_ipv4="0.0.0.0/0"),
                ),
            )
        )
        if v % 2 == 0:
            add(
                FirewallRuleGroupAssociation(
                    id=f"{vpc}-frga",
                    native_type="AWS::Route53Resolver::FirewallRuleGroupAssociation",
                    vpc=vpc,
                    rule_group="frg",
                    priority=101,
                )
            )
        total = enis_per_subnet * subnets_per_vpc
        for i, sid in enumerate(private):
            for e in range(_enis_for(i, len(private), total)):
                add(
                    NetworkInterface(
                        id=f"{sid}-eni{e}",
                        native_type="AWS::EC2::NetworkInterface",
                        subnet=sid,
                        security_groups=groups[(i + e) % len(groups)],
                        description="AWS Lambda VPC ENI",
                    )
                )
    add(
        TransitGatewayRouteTable(
            id="tgw-spokes",
            native_type="AWS::EC2::TransitGatewayRouteTable",
            transit_gateway="tgw",
            routes=(TransitGatewayRoute("0.0.0.0/0", "att-inspect"),),
            associations=tuple(spokes),
        )
    )
    add(
        TransitGatewayRouteTable(
            id="tgw-inspect",
            native_type="AWS::EC2::TransitGatewayRouteTable",
            transit_gateway="tgw",
            associations=("att-inspect",),
            propagations=tuple(spokes),
        )
    )
    return Inventory(SourceInfo(SourceKind.CLOUDFORMATION, "bench"), out)


def _subnet_cidr(base: str, index: int) -> str:
    first, second, third = base.split(".")
    return f"{first}.{second}.{int(third) + index}.0/24"


def _enis_for(index: int, subnets: int, total: int) -> int:
    return total // subnets + (1 if index < total % subnets else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vpcs", type=int, default=100)
    parser.add_argument("--subnets-per-vpc", type=int, default=10)
    parser.add_argument("--enis-per-subnet", type=int, default=5)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--limit", type=float, default=1.0)
    args = parser.parse_args()

    inventory = generate(args.vpcs, args.subnets_per_vpc, args.enis_per_subnet)
    enis = len(inventory.of(NetworkInterface))
    subnets = len(inventory.of(Subnet))
    vpcs = len(inventory.of(Vpc))
    times: list[float] = []
    cpu: list[float] = []
    result = None
    for _ in range(args.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = analyse(inventory)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert result is not None
    reach = Counter(s.reach.value for s in result.subjects)
    dns = Counter(d.reach.value for d in result.dns)
    best = min(times)
    from airlock.controls.catalog.network import CONTROLS
    from airlock.controls.engine import run
    from airlock.controls.model import Settings

    start = time.perf_counter()
    report = run(CONTROLS, inventory, Settings())
    catalog = time.perf_counter() - start
    print(f"inventory: {len(inventory)} resources, {vpcs} VPCs, {subnets} subnets, {enis} ENIs")
    print(
        f"subjects judged: {len(result.subjects)} "
        f"(open {reach.get(Reach.OPEN.value, 0)}, closed {reach.get(Reach.CLOSED.value, 0)}, "
        f"unknown {reach.get(Reach.UNKNOWN.value, 0)}); DNS per VPC: {dict(dns)}"
    )
    print(
        "runs (s): "
        + ", ".join(f"{t:.3f}" for t in times)
        + "  (CPU: "
        + ", ".join(f"{t:.3f}" for t in cpu)
        + ")"
    )
    print(
        f"(for information) the 10 network controls, analysis included: {catalog:.3f} s, "
        f"{len(report.findings)} findings"
    )
    print(
        f"best {best:.3f} s; limit {args.limit:.3f} s -> {'OK' if best <= args.limit else 'OVER'}"
    )
    return 0 if best <= args.limit else 1


if __name__ == "__main__":
    sys.exit(main())

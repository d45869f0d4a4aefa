"""VPC endpoints and the resources that configure them separately.

``vpc_endpoint_type`` defaults to ``Gateway`` and ``private_dns_enabled`` to false. ``policy``
is optional and computed: omitted, AWS applies the full-access default (``None``).

``aws_vpc_endpoint_policy`` sets the policy. When the plan deletes it, the provider calls
``ModifyVpcEndpoint(ResetPolicy=true)``: the endpoint goes back to the full-access default
(``None``), whatever restrictive policy the endpoint's own planned ``policy`` attribute still
shows (it was planned before the provider knew the policy resource goes away). The route table,
subnet and security group associations add to (or, deleted, remove from) the endpoint's lists.
An endpoint left with no security group gets the VPC's default security group. A route table
association with an endpoint outside the plan gives the plan's route table the gateway
endpoint's route (its prefix list unknown), so that the association is not lost.
"""

from __future__ import annotations

from airlock.inventory.model import Resource, Unresolved, Val
from airlock.inventory.network import EndpointType, Route, RouteTable, RouteTarget, VpcEndpoint
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView


def _endpoint_type(v: ResourceView) -> Val[EndpointType]:
    raw = v.text("vpc_endpoint_type", default=EndpointType.GATEWAY.value)
    if isinstance(raw, Unresolved):
        return raw
    for kind in EndpointType:
        if raw is not None and raw.lower() == kind.value.lower():
            return kind
    return Unresolved(f"unrecognised endpoint type {raw!r} in {v.where('vpc_endpoint_type')}")


def vpc_endpoint(v: ResourceView, out: Assembly) -> Resource:
    kind = _endpoint_type(v)
    # AWS takes route tables only for gateway endpoints, subnets and security groups only for
    # the others: a conditional expression that names both cannot give an endpoint the wrong kind
    gateway = kind is EndpointType.GATEWAY
    interface = kind in (EndpointType.INTERFACE, EndpointType.GATEWAY_LOAD_BALANCER)
    unsure = isinstance(kind, Unresolved)
    return VpcEndpoint(
        **v.base(),
        vpc=v.required_ref("vpc_id", family=F.VPC),
        service_name=v.required_text("service_name"),
        endpoint_type=kind,
        private_dns_enabled=v.flag("private_dns_enabled"),
        subnets=v.refs("subnet_ids", family=F.SUBNET) if interface or unsure else (),
        security_groups=(
            v.refs("security_group_ids", family=F.SECURITY_GROUP) if interface or unsure else ()
        ),
        route_tables=v.refs("route_table_ids", family=F.ROUTE_TABLE) if gateway or unsure else (),
        policy=v.policy("policy"),
    )


def _target(v: ResourceView, out: Assembly) -> str | None:
    return out.target(v, "vpc_endpoint_id", F.VPC_ENDPOINT, VpcEndpoint)


def endpoint_policy(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is None:
        return
    # deleted: ModifyVpcEndpoint(ResetPolicy=true), the full-access default
    out.set_policy(v, target, "policy", v.policy("policy"), reset=None)


def endpoint_route_table(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    table = v.required_ref("route_table_id", family=F.ROUTE_TABLE)
    if target is not None:
        out.contribute(v, target, "route_tables", [table], observed="route_table_ids")
        return
    # An endpoint outside the plan (a shared VPC's, read with data.aws_vpc_endpoint) still
    # puts its route in a table of the plan; only gateway endpoints take route tables.
    endpoint = v.ref("vpc_endpoint_id", family=F.VPC_ENDPOINT)
    if (
        endpoint is not None
        and isinstance(table, str)
        and isinstance(out.resources.get(table), RouteTable)
    ):
        unseen = Unresolved(f"the prefix list of gateway endpoint {endpoint} is not in this plan")
        route = Route(
            RouteTarget.GATEWAY_ENDPOINT,
            endpoint,
            destination_prefix_list=unseen,
            origin=v.address,
        )
        out.contribute(v, table, "routes", [route])


def endpoint_subnet(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is not None:
        subnet = v.required_ref("subnet_id", family=F.SUBNET)
        out.contribute(v, target, "subnets", [subnet], observed="subnet_ids")


def endpoint_security_group(v: ResourceView, out: Assembly) -> None:
    target = _target(v, out)
    if target is not None:
        group = v.required_ref("security_group_id", family=F.SECURITY_GROUP)
        out.contribute(v, target, "security_groups", [group], observed="security_group_ids")


BUILDERS: Builders = {"aws_vpc_endpoint": vpc_endpoint}

JOINERS: Joiners = {
    "aws_vpc_endpoint_policy": endpoint_policy,
    "aws_vpc_endpoint_route_table_association": endpoint_route_table,
    "aws_vpc_endpoint_subnet_association": endpoint_subnet,
    "aws_vpc_endpoint_security_group_association": endpoint_security_group,
}

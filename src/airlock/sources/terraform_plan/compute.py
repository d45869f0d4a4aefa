"""Compute that can call Bedrock: Lambda, EC2 instances and ENIs, ECS, EKS; elastic IPs.

A Lambda function without a ``vpc_config`` block (or with no subnets in it) runs outside any
VPC. An instance's ``public_ip`` is only taken when known: for a new instance it is decided by
``associate_public_ip_address`` and the subnet's ``map_public_ip_on_launch``, which are kept.
An elastic IP attached to an instance or ENI (``aws_eip``, ``aws_eip_association``) sets its
``public_ip`` (Unresolved until AWS allocates the address).
"""

from __future__ import annotations

import json
from typing import Any

from airlock.inventory.compute import (
    ContainerDefinition,
    EcsService,
    EcsTaskDefinition,
    EksCluster,
    EksNodeGroup,
    Instance,
    LambdaFunction,
    NetworkInterface,
)
from airlock.inventory.model import Resource, Unresolved, Val
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.lookup import State
from airlock.sources.terraform_plan.view import ResourceView


def lambda_function(v: ResourceView, out: Assembly) -> Resource:
    in_vpc: Val[bool] = False
    subnets: tuple[Val[str], ...] = ()
    groups: tuple[Val[str], ...] = ()
    missing = v.unresolved_collection("vpc_config")
    if missing is not None:
        in_vpc = missing
    elif v.blocks("vpc_config"):
        subnets = v.refs("vpc_config", 0, "subnet_ids", family=F.SUBNET)
        groups = v.refs("vpc_config", 0, "security_group_ids", family=F.SECURITY_GROUP)
        in_vpc = bool(subnets)
    environment = v.string_map("environment", 0, "variables")
    if v.found("environment", 0, "variables").state in (State.UNKNOWN, State.REDACTED):
        out.gap(
            v.type,
            f"the environment variables of {v.address} are not readable in the plan",
            v.address,
        )
    return LambdaFunction(
        **v.base(),
        name=v.computed("function_name"),
        role=v.ref("role", family=F.ROLE),
        subnets=subnets,
        security_groups=groups,
        in_vpc=in_vpc,
        environment=environment,
        kms_key=v.ref("kms_key_arn", family=F.KMS_KEY),
    )


def instance(v: ResourceView, out: Assembly) -> Resource:
    public_ip = v.known("public_ip")
    return Instance(
        **v.base(),
        subnet=v.ref("subnet_id", family=F.SUBNET),
        security_groups=v.refs("vpc_security_group_ids", family=F.SECURITY_GROUP),
        associate_public_ip=v.flag("associate_public_ip_address"),
        public_ip=public_ip if isinstance(public_ip, str) and public_ip else None,
        instance_profile=v.ref("iam_instance_profile", family=F.INSTANCE_PROFILE),
        enclave_enabled=v.flag("enclave_options", 0, "enabled"),
    )


def network_interface(v: ResourceView, out: Assembly) -> Resource:
    return NetworkInterface(
        **v.base(),
        subnet=v.required_ref("subnet_id", family=F.SUBNET),
        security_groups=v.refs("security_groups", family=F.SECURITY_GROUP),
        description=v.text("description") or None,
    )


def task_definition(v: ResourceView, out: Assembly) -> Resource:
    return EcsTaskDefinition(
        **v.base(),
        task_role=v.ref("task_role_arn", family=F.ROLE),
        execution_role=v.ref("execution_role_arn", family=F.ROLE),
        containers=_containers(v, out),
        network_mode=v.text("network_mode"),
    )


def _containers(v: ResourceView, out: Assembly) -> tuple[ContainerDefinition, ...]:
    """``container_definitions`` is a JSON string: names, environment, secrets."""
    text = v.text("container_definitions")
    parsed: Any = None
    problem = None
    if isinstance(text, Unresolved):
        problem = text.reason
    elif text:
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError) as err:
            problem = f"invalid JSON in {v.where('container_definitions')}: {err}"
    if parsed is not None and not isinstance(parsed, list):
        problem = f"{v.where('container_definitions')} is not a JSON array"
    if problem is not None:
        out.gap(v.type, f"the containers of {v.address} cannot be read: {problem}", v.address)
        return ()
    containers = []
    for item in parsed or []:
        if not isinstance(item, dict):
            continue
        environment: dict[str, Val[str]] = {}
        for pair in item.get("environment") or []:
            if isinstance(pair, dict) and isinstance(pair.get("name"), str):
                value = pair.get("value")
                environment[pair["name"]] = value if isinstance(value, str) else json.dumps(value)
        secrets = tuple(
            s["name"]
            for s in item.get("secrets") or []
            if isinstance(s, dict) and isinstance(s.get("name"), str)
        )
        name = item.get("name")
        containers.append(ContainerDefinition(str(name or ""), environment, secrets))
    return tuple(containers)


def ecs_service(v: ResourceView, out: Assembly) -> Resource:
    network = ("network_configuration", 0)
    return EcsService(
        **v.base(),
        task_definition=v.ref("task_definition", family=F.TASK_DEFINITION),
        subnets=v.refs(*network, "subnets", family=F.SUBNET),
        security_groups=v.refs(*network, "security_groups", family=F.SECURITY_GROUP),
        assign_public_ip=v.flag(*network, "assign_public_ip"),
    )


def eks_cluster(v: ResourceView, out: Assembly) -> Resource:
    return EksCluster(
        **v.base(),
        name=v.computed("name"),
        subnets=v.refs("vpc_config", 0, "subnet_ids", family=F.SUBNET),
        security_groups=v.refs("vpc_config", 0, "security_group_ids", family=F.SECURITY_GROUP),
        endpoint_public_access=v.flag("vpc_config", 0, "endpoint_public_access"),
        secrets_kms_key=v.ref("encryption_config", 0, "provider", 0, "key_arn", family=F.KMS_KEY),
    )


def eks_node_group(v: ResourceView, out: Assembly) -> Resource:
    return EksNodeGroup(
        **v.base(),
        cluster=v.ref("cluster_name", family=F.EKS_CLUSTER),
        subnets=v.refs("subnet_ids", family=F.SUBNET),
        node_role=v.ref("node_role_arn", family=F.ROLE),
    )


# -- configuring resources --------------------------------------------------------------------


def interface_security_group(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "network_interface_id", F.NETWORK_INTERFACE, NetworkInterface)
    if target is not None:
        group = v.required_ref("security_group_id", family=F.SECURITY_GROUP)
        out.contribute(v, target, "security_groups", [group], observed="security_groups")


def elastic_ip(v: ResourceView, out: Assembly) -> None:
    """``aws_eip`` (with ``instance``/``network_interface``) and ``aws_eip_association``."""
    association = v.type == "aws_eip_association"
    holders = (
        ("instance_id", F.INSTANCE, Instance),
        ("network_interface_id", F.NETWORK_INTERFACE, NetworkInterface),
    )
    if not association:
        holders = (
            ("instance", F.INSTANCE, Instance),
            ("network_interface", F.NETWORK_INTERFACE, NetworkInterface),
        )
    for attr, family, kind in holders:
        if v.ref(attr, family=family) is None:
            continue
        if not association and not v.declared(attr):
            continue  # computed: an address AWS attached itself (a NAT gateway's ENI)
        target = out.target(v, attr, family, kind)
        if target is None:
            return
        if v.deleted:
            out.reset(target, "public_ip", None)
        else:
            out.set(target, "public_ip", _address(v, association), v.address)
        return


def _address(v: ResourceView, association: bool) -> Val[str]:
    address = v.known("public_ip")
    if isinstance(address, str) and address:
        return address
    if association:
        allocation = v.ref("allocation_id", family=F.ELASTIC_IP)
        planned = v.ctx.plan.resources.get(allocation) if isinstance(allocation, str) else None
        if planned is not None:
            return _address(v.ctx.view(planned), False)
    return Unresolved(f"known after apply: the elastic IP address of {v.address}")


BUILDERS: Builders = {
    "aws_lambda_function": lambda_function,
    "aws_instance": instance,
    "aws_network_interface": network_interface,
    "aws_ecs_task_definition": task_definition,
    "aws_ecs_service": ecs_service,
    "aws_eks_cluster": eks_cluster,
    "aws_eks_node_group": eks_node_group,
}

JOINERS: Joiners = {
    "aws_network_interface_sg_attachment": interface_security_group,
    "aws_eip": elastic_ip,
    "aws_eip_association": elastic_ip,
}

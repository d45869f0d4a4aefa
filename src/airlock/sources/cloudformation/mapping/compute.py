"""Compute that can reach Bedrock: Lambda (and SAM functions), EC2, ENIs, ECS, EKS."""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
from collections.abc import Mapping
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
from airlock.inventory.model import Unresolved, Val
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props, as_text
from airlock.sources.cloudformation.mapping.network import required
from airlock.sources.cloudformation.template import Declaration

_UNRESOLVED_KEY = "(unresolved)"
_SECRET_ASSIGNMENT = re.compile(
    r"(?im)^\s*(?:export\s+|set\s+)?([A-Z0-9_]*(?:SECRET|PASSWORD|PASSWD|TOKEN|ACCESS_KEY|API_KEY)"
    r"[A-Z0-9_]*)\s*[=:]\s*\S"
)
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")


def variables(value: Any) -> Mapping[str, Val[str]]:
    """An environment-variable mapping; an unknowable one is kept as one unresolved entry."""
    if value is None:
        return {}
    if isinstance(value, Unresolved):
        return {_UNRESOLVED_KEY: value}
    if not isinstance(value, dict):
        return {_UNRESOLVED_KEY: Unresolved("the variables are not a mapping")}
    out: dict[str, Val[str]] = {}
    for key, item in value.items():
        text = as_text(item)
        out[key] = text if text is not None else ""
    return out


def _vpc_placement(p: Props) -> tuple[Val[bool], tuple[Val[str], ...], tuple[Val[str], ...]]:
    config = p.get("VpcConfig")
    if config is None:
        return False, (), ()
    if isinstance(config, Unresolved):
        return Unresolved(f"VpcConfig: {config.reason}"), (config,), ()
    subnets = p.rels("VpcConfig", "SubnetIds")
    groups = p.rels("VpcConfig", "SecurityGroupIds")
    if not subnets:
        return False, (), groups
    if all(isinstance(subnet, Unresolved) for subnet in subnets):
        first = subnets[0]
        assert isinstance(first, Unresolved)
        return Unresolved(f"the function's subnets are not known: {first.reason}"), subnets, groups
    return True, subnets, groups


def _function(d: Declaration, p: Props, ctx: MapContext) -> None:
    in_vpc, subnets, groups = _vpc_placement(p)
    ctx.add(
        LambdaFunction(
            **ctx.common(d, p),
            name=p.text("FunctionName"),
            role=p.rel("Role"),
            subnets=subnets,
            security_groups=groups,
            in_vpc=in_vpc,
            environment=variables(p.get("Environment", "Variables")),
            kms_key=p.rel("KmsKeyArn"),
        )
    )


def _merge(globals_: Any, local: Any) -> Any:
    """SAM's Globals: mappings merge, lists are prepended, local scalars win."""
    if isinstance(globals_, dict) and isinstance(local, dict):
        merged = dict(globals_)
        for key, value in local.items():
            merged[key] = _merge(globals_[key], value) if key in globals_ else value
        return merged
    if isinstance(globals_, list) and isinstance(local, list):
        return globals_ + local
    return local


def _serverless_function(d: Declaration, p: Props, ctx: MapContext) -> None:
    shared = ctx.resolver.template.globals.get("Function")
    if isinstance(shared, dict):
        p = Props(_merge(ctx.resolver.resolve(shared), p.data), p.index)
    in_vpc, subnets, groups = _vpc_placement(p)
    role = p.rel("Role")
    if role is None:  # the generated role's logical id is taken (see sources.cloudformation.sam)
        role = Unresolved("SAM generates this function's role, and its logical id is taken")
        ctx.gap(
            d.logical_id,
            "SAM generates this function's execution role, but another resource already has "
            "the role's logical id, so the role's permissions are not seen",
            resource_id=d.logical_id,
        )
    ctx.add(
        LambdaFunction(
            **ctx.common(d, p),
            name=p.text("FunctionName"),
            role=role,
            subnets=subnets,
            security_groups=groups,
            in_vpc=in_vpc,
            environment=variables(p.get("Environment", "Variables")),
            kms_key=p.rel("KmsKeyArn"),
        )
    )


def user_data_secrets(value: Any) -> tuple[str, ...]:
    """Names of credential-looking assignments in user data (base64 or plain)."""
    if not isinstance(value, str):
        return ()
    text = value
    with contextlib.suppress(binascii.Error, ValueError):
        text = base64.b64decode(value, validate=True).decode("utf-8")
    found = [match.group(1) for match in _SECRET_ASSIGNMENT.finditer(text)]
    if _ACCESS_KEY_ID.search(text):
        found.append("AWS access key id")
    return tuple(dict.fromkeys(found))


def _instance(d: Declaration, p: Props, ctx: MapContext) -> None:
    found = _launch_template(p, ctx)
    sources = [p] + ([found[1]] if found is not None else [])
    subnet: Val[str] | None = None
    groups: tuple[Val[str], ...] = ()
    public: Val[bool] | None = None
    profile: Val[str] | None = None
    enclave: Val[bool] | None = None
    secrets: tuple[str, ...] = ()
    for source in sources:
        interfaces = source.children("NetworkInterfaces")
        primary = _primary(interfaces) if isinstance(interfaces, list) else None
        if subnet is None:
            subnet = source.rel("SubnetId") or (primary.rel("SubnetId") if primary else None)
        if not groups:
            groups = source.rels("SecurityGroupIds") + source.rels("SecurityGroups")
            if primary is not None:
                groups += primary.rels("GroupSet") + primary.rels("Groups")
        if public is None and primary is not None:
            public = primary.flag("AssociatePublicIpAddress")
        if profile is None:
            profile = source.rel("IamInstanceProfile")
            if isinstance(source.get("IamInstanceProfile"), dict):
                profile = source.rel("IamInstanceProfile", "Arn") or source.rel(
                    "IamInstanceProfile", "Name"
                )
        if enclave is None:
            enclave = source.flag("EnclaveOptions", "Enabled")
        secrets = secrets or user_data_secrets(source.get("UserData"))
    common = ctx.common(d, p)
    if found is not None:
        common["configured_by"] = (found[0],)
    ctx.add(
        Instance(
            **common,
            subnet=subnet,
            security_groups=groups,
            associate_public_ip=public,
            instance_profile=profile,
            enclave_enabled=enclave,
            user_data_secrets=secrets,
        )
    )


def _primary(interfaces: list[Props]) -> Props | None:
    for interface in interfaces:
        if str(interface.get("DeviceIndex")) == "0":
            return interface
    return interfaces[0] if interfaces else None


def _launch_template(p: Props, ctx: MapContext) -> tuple[str, Props] | None:
    reference = p.rel("LaunchTemplate", "LaunchTemplateId") or p.rel(
        "LaunchTemplate", "LaunchTemplateName", types=("AWS::EC2::LaunchTemplate",)
    )
    declaration = ctx.declaration(reference)
    if declaration is None or declaration.type != "AWS::EC2::LaunchTemplate":
        return None
    return declaration.logical_id, ctx.props(declaration).child("LaunchTemplateData")


def _network_interface(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        NetworkInterface(
            **ctx.common(d, p),
            subnet=required(p, "SubnetId"),
            security_groups=p.rels("GroupSet"),
            description=p.text("Description"),
        )
    )


def _elastic_ip(d: Declaration, p: Props, ctx: MapContext) -> None:
    address = ctx.resolver.ref_text(d.logical_id)
    if p.has("InstanceId"):
        ctx.joins.assign(
            p.rel("InstanceId"), Instance, "public_ip", address, d.logical_id, "Elastic IP"
        )


def _eip_association(d: Declaration, p: Props, ctx: MapContext) -> None:
    address = (
        p.text("EIP") or p.rel("AllocationId") or Unresolved("the association names no address")
    )
    if isinstance(address, str) and ctx.type_of(address) == "AWS::EC2::EIP":
        address = ctx.resolver.ref_text(address)
    if p.has("InstanceId"):
        ctx.joins.assign(
            p.rel("InstanceId"),
            Instance,
            "public_ip",
            address,
            d.logical_id,
            "Elastic IP association",
        )
    if p.has("NetworkInterfaceId"):
        ctx.joins.assign(
            p.rel("NetworkInterfaceId"),
            NetworkInterface,
            "public_ip",
            address,
            d.logical_id,
            "Elastic IP association",
        )


def _container(item: Props) -> ContainerDefinition:
    name = item.text("Name")
    environment: dict[str, Val[str]] = {}
    entries = item.children("Environment")
    if isinstance(entries, Unresolved):
        environment[_UNRESOLVED_KEY] = entries
    else:
        for entry in entries:
            key = entry.text("Name")
            if isinstance(key, str):
                environment[key] = entry.text("Value") or ""
    secrets = item.children("Secrets")
    names = (
        ()
        if isinstance(secrets, Unresolved)
        else tuple(n for n in (s.text("Name") for s in secrets) if isinstance(n, str))
    )
    return ContainerDefinition(
        name=name if isinstance(name, str) else "(unresolved)",
        environment=environment,
        secrets=names,
    )


def _task_definition(d: Declaration, p: Props, ctx: MapContext) -> None:
    items = p.children("ContainerDefinitions")
    containers = () if isinstance(items, Unresolved) else tuple(_container(i) for i in items)
    if isinstance(items, Unresolved):
        ctx.gap(
            d.logical_id, f"the container definitions are not known: {items.reason}", d.logical_id
        )
    ctx.add(
        EcsTaskDefinition(
            **ctx.common(d, p),
            task_role=p.rel("TaskRoleArn"),
            execution_role=p.rel("ExecutionRoleArn"),
            containers=containers,
            network_mode=p.text("NetworkMode"),
        )
    )


def _ecs_service(d: Declaration, p: Props, ctx: MapContext) -> None:
    config = p.child("NetworkConfiguration", "AwsvpcConfiguration")
    assign = config.text("AssignPublicIp")
    public: Val[bool] | None = assign.upper() == "ENABLED" if isinstance(assign, str) else assign
    ctx.add(
        EcsService(
            **ctx.common(d, p),
            task_definition=p.rel("TaskDefinition"),
            subnets=config.rels("Subnets"),
            security_groups=config.rels("SecurityGroups"),
            assign_public_ip=public,
        )
    )


def _eks_cluster(d: Declaration, p: Props, ctx: MapContext) -> None:
    config = p.child("ResourcesVpcConfig")
    key: Val[str] | None = None
    encryption = p.children("EncryptionConfig")
    if isinstance(encryption, Unresolved):
        key = encryption
    else:
        for item in encryption:
            if "secrets" in item.texts("Resources"):
                key = item.rel("Provider", "KeyArn")
    ctx.add(
        EksCluster(
            **ctx.common(d, p),
            name=p.text("Name"),
            subnets=config.rels("SubnetIds"),
            security_groups=config.rels("SecurityGroupIds"),
            endpoint_public_access=config.flag("EndpointPublicAccess"),
            secrets_kms_key=key,
        )
    )


def _eks_nodegroup(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        EksNodeGroup(
            **ctx.common(d, p),
            cluster=p.rel("ClusterName", types=("AWS::EKS::Cluster",)),
            subnets=p.rels("Subnets"),
            node_role=p.rel("NodeRole"),
        )
    )


def _folded(d: Declaration, p: Props, ctx: MapContext) -> None:
    """Read through the resources that use it (launch templates)."""


MAPPERS: dict[str, Mapper] = {
    "AWS::Lambda::Function": _function,
    "AWS::Serverless::Function": _serverless_function,
    "AWS::EC2::Instance": _instance,
    "AWS::EC2::LaunchTemplate": _folded,
    "AWS::EC2::NetworkInterface": _network_interface,
    "AWS::EC2::EIP": _elastic_ip,
    "AWS::EC2::EIPAssociation": _eip_association,
    "AWS::ECS::TaskDefinition": _task_definition,
    "AWS::ECS::Service": _ecs_service,
    "AWS::EKS::Cluster": _eks_cluster,
    "AWS::EKS::Nodegroup": _eks_nodegroup,
}

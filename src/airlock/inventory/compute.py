"""Compute that can call Bedrock: Lambda, instances, ENIs, ECS, EKS."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from airlock.inventory.model import Resource, Val


@dataclass(frozen=True, kw_only=True)
class LambdaFunction(Resource):
    name: Val[str] | None = None
    role: Val[str] | None = None
    #: empty subnets and in_vpc False: the function runs outside any VPC (internet egress)
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()
    in_vpc: Val[bool] = False
    environment: Mapping[str, Val[str]] = field(default_factory=dict)
    kms_key: Val[str] | None = None  # environment encryption key


@dataclass(frozen=True, kw_only=True)
class Instance(Resource):
    subnet: Val[str] | None = None
    security_groups: tuple[Val[str], ...] = ()
    associate_public_ip: Val[bool] | None = None  # None: the subnet's setting applies
    public_ip: Val[str] | None = None
    instance_profile: Val[str] | None = None
    enclave_enabled: Val[bool] | None = None
    user_data_secrets: tuple[str, ...] = ()  # names of credential-looking user-data keys


@dataclass(frozen=True, kw_only=True)
class NetworkInterface(Resource):
    subnet: Val[str]
    security_groups: tuple[Val[str], ...] = ()
    public_ip: Val[str] | None = None
    description: Val[str] | None = None


@dataclass(frozen=True)
class ContainerDefinition:
    name: str
    environment: Mapping[str, Val[str]] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # names taken from Secrets Manager / SSM (fine)


@dataclass(frozen=True, kw_only=True)
class EcsTaskDefinition(Resource):
    task_role: Val[str] | None = None
    execution_role: Val[str] | None = None
    containers: tuple[ContainerDefinition, ...] = ()
    network_mode: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class EcsService(Resource):
    task_definition: Val[str] | None = None
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()
    assign_public_ip: Val[bool] | None = None


@dataclass(frozen=True, kw_only=True)
class EksCluster(Resource):
    name: Val[str] | None = None
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()
    endpoint_public_access: Val[bool] | None = None  # None: AWS default (true)
    secrets_kms_key: Val[str] | None = None


@dataclass(frozen=True, kw_only=True)
class EksNodeGroup(Resource):
    cluster: Val[str] | None = None
    subnets: tuple[Val[str], ...] = ()
    node_role: Val[str] | None = None

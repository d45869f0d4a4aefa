"""Compute that can call Bedrock: Lambda, instances, ENIs, ECS, EKS."""

from __future__ import annotations

from collections.abc import Mapping

from msgspec import Struct, field

from airlock.inventory.model import Resource, Val


class LambdaFunction(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    role: Val[str] | None = None
    #: empty subnets and in_vpc False: the function runs outside any VPC (internet egress)
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()
    in_vpc: Val[bool] = False
    environment: Mapping[str, Val[str]] = field(default_factory=dict)
    kms_key: Val[str] | None = None  # environment encryption key


class Instance(Resource, frozen=True, kw_only=True):
    subnet: Val[str] | None = None
    security_groups: tuple[Val[str], ...] = ()
    associate_public_ip: Val[bool] | None = None  # None: the subnet's setting applies
    public_ip: Val[str] | None = None
    instance_profile: Val[str] | None = None
    enclave_enabled: Val[bool] | None = None
    user_data_secrets: tuple[str, ...] = ()  # names of credential-looking user-data keys


class NetworkInterface(Resource, frozen=True, kw_only=True):
    subnet: Val[str]
    security_groups: tuple[Val[str], ...] = ()
    public_ip: Val[str] | None = None
    description: Val[str] | None = None


class ContainerDefinition(Struct, frozen=True):
    name: str
    environment: Mapping[str, Val[str]] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()  # names taken from Secrets Manager / SSM (fine)


class EcsTaskDefinition(Resource, frozen=True, kw_only=True):
    task_role: Val[str] | None = None
    execution_role: Val[str] | None = None
    containers: tuple[ContainerDefinition, ...] = ()
    network_mode: Val[str] | None = None


class EcsService(Resource, frozen=True, kw_only=True):
    task_definition: Val[str] | None = None
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()
    assign_public_ip: Val[bool] | None = None


class EksCluster(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    subnets: tuple[Val[str], ...] = ()
    security_groups: tuple[Val[str], ...] = ()
    endpoint_public_access: Val[bool] | None = None  # None: AWS default (true)
    secrets_kms_key: Val[str] | None = None


class EksNodeGroup(Resource, frozen=True, kw_only=True):
    cluster: Val[str] | None = None
    subnets: tuple[Val[str], ...] = ()
    node_role: Val[str] | None = None

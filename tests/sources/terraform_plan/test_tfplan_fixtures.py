"""The two hand-written plans, end to end: ids, relations, joins, unknowns, deletions."""

from __future__ import annotations

from airlock.inventory.audit import Trail
from airlock.inventory.bedrock import InvocationLogging
from airlock.inventory.compute import Instance, LambdaFunction
from airlock.inventory.encryption import KmsAlias, KmsKey, KmsReplicaKey, LogGroup, S3Bucket
from airlock.inventory.identity import ManagedPolicy, Role
from airlock.inventory.model import Inventory, Resource, SourceKind, Unresolved
from airlock.inventory.network import (
    EndpointType,
    InternetGateway,
    NatGateway,
    NetworkAcl,
    RouteTable,
    RouteTarget,
    SecurityGroup,
    Subnet,
    Vpc,
    VpcEndpoint,
)

NET = "module.network"
RUNTIME = 'module.endpoints.aws_vpc_endpoint.this["bedrock-runtime"]'
S3 = 'module.endpoints.aws_vpc_endpoint.this["s3"]'
SUBNETS = (
    f'{NET}.aws_subnet.private["eu-central-1a"]',
    f'{NET}.aws_subnet.private["eu-central-1b"]',
)
TABLES = (
    f'{NET}.aws_route_table.private["eu-central-1a"]',
    f'{NET}.aws_route_table.private["eu-central-1b"]',
)


def _get(inventory: Inventory, rid: str, kind: type[Resource]) -> Resource:
    found = inventory.get(rid, kind)
    assert found is not None, f"{rid} is not a {kind.__name__}"
    return found


# -- the new deployment built from modules ----------------------------------------------------


def test_source_info(airgap_modules: Inventory) -> None:
    source = airgap_modules.source
    assert source.kind is SourceKind.TERRAFORM_PLAN
    assert source.path.endswith("airgap_modules.json")
    assert source.region == "eu-central-1"  # provider region = var.region
    assert source.account == "111122223333"  # data.aws_caller_identity
    assert airgap_modules.gaps == []


def test_module_and_for_each_addresses_are_the_ids(airgap_modules: Inventory) -> None:
    vpc = _get(airgap_modules, f"{NET}.aws_vpc.this", Vpc)
    assert isinstance(vpc, Vpc) and vpc.cidr_blocks == ("10.20.0.0/16",)
    for subnet_id, cidr in zip(SUBNETS, ("10.20.1.0/24", "10.20.2.0/24"), strict=True):
        subnet = _get(airgap_modules, subnet_id, Subnet)
        assert isinstance(subnet, Subnet)
        assert subnet.vpc == f"{NET}.aws_vpc.this"
        assert subnet.cidr_block == cidr
        assert subnet.tags["airlock:workload"] == "true"
        assert subnet.location is not None and subnet.location.line is not None


def test_for_each_association_follows_each_value_and_each_key(airgap_modules: Inventory) -> None:
    for table_id, subnet_id in zip(TABLES, SUBNETS, strict=True):
        table = _get(airgap_modules, table_id, RouteTable)
        assert isinstance(table, RouteTable)
        assert table.subnets == (subnet_id,)
        assert table.configured_by == (
            table_id.replace("aws_route_table.", "aws_route_table_association."),
        )
        assert table.vpc == f"{NET}.aws_vpc.this"
        kinds = [r.target_kind for r in table.routes]
        assert kinds == [RouteTarget.LOCAL, RouteTarget.GATEWAY_ENDPOINT]
        assert table.routes[1].target == S3


def test_endpoints_resolve_through_module_outputs_and_variables(airgap_modules: Inventory) -> None:
    runtime = _get(airgap_modules, RUNTIME, VpcEndpoint)
    assert isinstance(runtime, VpcEndpoint)
    assert runtime.endpoint_type is EndpointType.INTERFACE
    assert runtime.private_dns_enabled is True
    assert runtime.vpc == f"{NET}.aws_vpc.this"
    assert runtime.subnets == SUBNETS
    assert runtime.security_groups == ("module.endpoints.aws_security_group.endpoints",)
    assert runtime.route_tables == ()  # an interface endpoint has none
    assert isinstance(runtime.policy, dict)
    assert runtime.policy["Statement"][0]["Action"] == [
        "bedrock:InvokeModel",
        "bedrock:InvokeModelWithResponseStream",
    ]
    s3 = _get(airgap_modules, S3, VpcEndpoint)
    assert isinstance(s3, VpcEndpoint)
    assert s3.endpoint_type is EndpointType.GATEWAY
    assert s3.route_tables == TABLES
    assert s3.subnets == () and s3.security_groups == ()
    # computed through a module local the plan does not show: cannot tell null from a policy
    assert isinstance(s3.policy, Unresolved)


def test_security_groups_have_no_implicit_egress(airgap_modules: Inventory) -> None:
    app = _get(airgap_modules, "aws_security_group.app", SecurityGroup)
    assert isinstance(app, SecurityGroup)
    assert app.ingress == ()
    assert len(app.egress) == 1
    rule = app.egress[0]
    assert (rule.protocol, rule.from_port, rule.to_port) == ("tcp", 443, 443)
    assert rule.security_group == "module.endpoints.aws_security_group.endpoints"
    assert rule.origin == "aws_vpc_security_group_egress_rule.app_to_endpoints"
    endpoints = _get(airgap_modules, "module.endpoints.aws_security_group.endpoints", SecurityGroup)
    assert isinstance(endpoints, SecurityGroup)
    assert endpoints.egress == ()
    assert [r.cidr_ipv4 for r in endpoints.ingress] == ["10.20.0.0/16"]


def test_adopted_default_security_group_has_no_rules(airgap_modules: Inventory) -> None:
    group = _get(airgap_modules, f"{NET}.aws_default_security_group.this", SecurityGroup)
    assert isinstance(group, SecurityGroup)
    assert group.is_default and group.ingress == () and group.egress == ()
    assert group.vpc == f"{NET}.aws_vpc.this"
    assert airgap_modules.get(f"{NET}.aws_vpc.this#default-security-group", SecurityGroup) is None
    main = _get(airgap_modules, f"{NET}.aws_vpc.this#main", RouteTable)
    assert isinstance(main, RouteTable) and main.is_main
    assert isinstance(
        _get(airgap_modules, f"{NET}.aws_vpc.this#default-network-acl", NetworkAcl), NetworkAcl
    )


def test_lambda_in_the_vpc_with_sensitive_environment(airgap_modules: Inventory) -> None:
    function = _get(airgap_modules, "aws_lambda_function.app", LambdaFunction)
    assert isinstance(function, LambdaFunction)
    assert function.in_vpc is True
    assert function.subnets == SUBNETS
    assert function.security_groups == ("aws_security_group.app",)
    assert function.role == "aws_iam_role.app"
    # terraform show -json prints sensitive values in plain text: the token is visible
    assert function.environment["API_TOKEN"] == "tok-7f3a9c"
    assert function.kms_key is None


def test_bucket_joins_on_a_new_bucket(airgap_modules: Inventory) -> None:
    bucket = _get(airgap_modules, "aws_s3_bucket.audit", S3Bucket)
    assert isinstance(bucket, S3Bucket)
    assert bucket.bucket_name == "acme-bedrock-audit-111122223333"
    assert (bucket.sse_algorithm, bucket.kms_key) == ("aws:kms", "aws_kms_key.logs")
    assert (bucket.object_lock_enabled, bucket.object_lock_mode, bucket.object_lock_days) == (
        True,
        "COMPLIANCE",
        400,
    )
    assert bucket.versioning == "Enabled"
    assert isinstance(bucket.policy, Unresolved)
    assert "data.aws_iam_policy_document.audit_bucket" in bucket.policy.reason
    assert set(bucket.configured_by) == {
        "aws_s3_bucket_object_lock_configuration.audit",
        "aws_s3_bucket_policy.audit",
        "aws_s3_bucket_server_side_encryption_configuration.audit",
        "aws_s3_bucket_versioning.audit",
    }


def test_keys_logs_trail_and_invocation_logging(airgap_modules: Inventory) -> None:
    key = _get(airgap_modules, "aws_kms_key.logs", KmsKey)
    assert isinstance(key, KmsKey)
    assert key.rotation_enabled is True and isinstance(key.policy, dict)
    assert (
        isinstance(key.arn, Unresolved)
        and key.arn.reason == "known after apply: aws_kms_key.logs.arn"
    )
    replica = _get(airgap_modules, "aws_kms_replica_key.logs_us", KmsReplicaKey)
    assert isinstance(replica, KmsReplicaKey)
    assert replica.primary_key == "aws_kms_key.logs"
    assert replica.region == "us-east-1"  # the aliased provider's region
    alias = _get(airgap_modules, "aws_kms_alias.logs", KmsAlias)
    assert isinstance(alias, KmsAlias) and alias.target_key == "aws_kms_key.logs"
    group = _get(airgap_modules, "aws_cloudwatch_log_group.invocations", LogGroup)
    assert isinstance(group, LogGroup) and group.kms_key == "aws_kms_key.logs"
    trail = _get(airgap_modules, "aws_cloudtrail.main", Trail)
    assert isinstance(trail, Trail)
    assert (trail.s3_bucket, trail.kms_key) == ("aws_s3_bucket.audit", "aws_kms_key.logs")
    assert trail.event_selectors is None
    assert trail.advanced_event_selectors is not None
    assert [s.name for s in trail.advanced_event_selectors] == [
        "Management events",
        "Bedrock data events",
    ]
    logging = _get(
        airgap_modules, "aws_bedrock_model_invocation_logging_configuration.this", InvocationLogging
    )
    assert isinstance(logging, InvocationLogging)
    assert logging.s3_bucket == "aws_s3_bucket.audit"
    assert logging.log_group == "aws_cloudwatch_log_group.invocations"
    assert logging.cloudwatch_role == "aws_iam_role.invocation_logging"
    assert logging.text_delivery is True


def test_role_joins(airgap_modules: Inventory) -> None:
    role = _get(airgap_modules, "aws_iam_role.app", Role)
    assert isinstance(role, Role)
    assert [p.name for p in role.inline_policies] == ["invoke-claude"]
    assert role.inline_policies[0].origin == "aws_iam_role_policy.app_invoke"
    assert role.managed_policies == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole",
    )


# -- the update that deletes configuring resources --------------------------------------------


def test_update_source(update_deletes: Inventory) -> None:
    assert update_deletes.source.region == "eu-west-1"
    assert update_deletes.source.account == "444455556666"
    assert update_deletes.gaps == []


def test_deleted_resources_are_gone_replacements_and_forgotten_stay(
    update_deletes: Inventory,
) -> None:
    assert update_deletes.get("aws_internet_gateway.legacy", InternetGateway) is None
    assert update_deletes.get("aws_nat_gateway.egress", NatGateway) is None
    replaced = _get(update_deletes, "aws_subnet.workload_b", Subnet)
    assert isinstance(replaced, Subnet) and replaced.cidr_block == "10.30.3.0/24"
    assert isinstance(replaced.aws_id, Unresolved)
    bastion = _get(
        update_deletes, "aws_instance.bastion", Instance
    )  # `removed` block: still in AWS
    assert isinstance(bastion, Instance) and bastion.public_ip == "52.18.0.44"
    assert bastion.subnet == "aws_subnet.workload"


def test_deleted_endpoint_policy_restores_full_access(update_deletes: Inventory) -> None:
    endpoint = _get(update_deletes, "aws_vpc_endpoint.bedrock", VpcEndpoint)
    assert isinstance(endpoint, VpcEndpoint)
    assert endpoint.policy is None  # the planned attribute still shows the old restrictive policy
    assert endpoint.configured_by == ()
    assert endpoint.subnets == ("aws_subnet.workload",)
    assert endpoint.security_groups == ("aws_security_group.endpoints",)


def test_deleted_route_leaves_the_table(update_deletes: Inventory) -> None:
    table = _get(update_deletes, "aws_route_table.workload", RouteTable)
    assert isinstance(table, RouteTable)
    assert [(r.target_kind, r.destination_cidr) for r in table.routes] == [
        (RouteTarget.LOCAL, "10.30.0.0/16"),
        (RouteTarget.TRANSIT_GATEWAY, "10.99.0.0/16"),
    ]
    assert table.routes[1].origin == "aws_route.to_tgw"
    assert table.subnets == ("aws_subnet.workload",)


def test_deleted_egress_rule_leaves_the_group(update_deletes: Inventory) -> None:
    group = _get(update_deletes, "aws_security_group.workload", SecurityGroup)
    assert isinstance(group, SecurityGroup)
    assert [(r.protocol, r.cidr_ipv4, r.security_group) for r in group.egress] == [
        ("tcp", None, "aws_security_group.endpoints")
    ]


def test_deleted_key_policy_restores_the_default(update_deletes: Inventory) -> None:
    key = _get(update_deletes, "aws_kms_key.logs", KmsKey)
    assert isinstance(key, KmsKey)
    assert key.policy is None
    assert key.rotation_enabled is False and key.rotation_period_days is None


def test_deleted_attachments_and_inline_policies_leave_the_role(update_deletes: Inventory) -> None:
    role = _get(update_deletes, "aws_iam_role.app", Role)
    assert isinstance(role, Role)
    assert role.managed_policies == ("aws_iam_policy.scoped",)
    assert role.inline_policies == ()
    assert role.arn == "arn:aws:iam::444455556666:role/bedrock-app"
    policy = _get(update_deletes, "aws_iam_policy.scoped", ManagedPolicy)
    assert isinstance(policy, ManagedPolicy) and policy.roles == ("aws_iam_role.app",)


def test_deleted_bucket_policy_and_versioning(update_deletes: Inventory) -> None:
    bucket = _get(update_deletes, "aws_s3_bucket.audit", S3Bucket)
    assert isinstance(bucket, S3Bucket)
    assert bucket.policy is None
    assert bucket.versioning == "Enabled"  # Object Lock keeps versioning on
    assert (bucket.object_lock_mode, bucket.object_lock_days) == ("COMPLIANCE", 365)
    assert bucket.kms_key == "aws_kms_key.logs"  # the key ARN names the planned key
    assert bucket.region == "eu-west-1" and bucket.arn == "arn:aws:s3:::acme-audit-444455556666"


def test_adopted_main_route_table_and_synthesized_defaults(update_deletes: Inventory) -> None:
    main = _get(update_deletes, "aws_default_route_table.main", RouteTable)
    assert isinstance(main, RouteTable) and main.is_main and main.vpc == "aws_vpc.main"
    assert update_deletes.get("aws_vpc.main#main", RouteTable) is None
    acl = _get(update_deletes, "aws_vpc.main#default-network-acl", NetworkAcl)
    assert isinstance(acl, NetworkAcl) and acl.is_default
    group = _get(update_deletes, "aws_vpc.main#default-security-group", SecurityGroup)
    assert isinstance(group, SecurityGroup)
    assert [r.cidr_ipv4 for r in group.egress] == ["0.0.0.0/0"]
    assert group.account == "444455556666"

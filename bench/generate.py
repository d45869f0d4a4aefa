"""Generate large, realistic deployments for benchmarks: a template and a plan of N resources.

Each "cell" is a slice of a Bedrock workload account (VPC, subnets, route tables, routes,
security groups, endpoints, roles, keys, buckets, functions), repeated until N resources.
"""

from __future__ import annotations

import json
from typing import Any

REGION = "eu-central-1"
ACCOUNT = "123456789012"


def _endpoint_policy(action: str, resource: str) -> dict[str, Any]:
    """A VPC endpoint policy: AWS requires a Principal in every statement."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": action, "Resource": resource}
        ],
    }


def cloudformation_template(n: int) -> dict[str, Any]:
    resources: dict[str, Any] = {}
    cell = 0
    while len(resources) < n:
        c = f"C{cell}"
        cidr = f"10.{cell % 250}.0.0/16"
        resources[f"{c}Vpc"] = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": cidr}}
        for s in range(2):
            resources[f"{c}Subnet{s}"] = {
                "Type": "AWS::EC2::Subnet",
                "Properties": {
                    "VpcId": {"Ref": f"{c}Vpc"},
                    "CidrBlock": f"10.{cell % 250}.{s}.0/24",
                    "Tags": [{"Key": "airlock:workload", "Value": "true"}],
                },
            }
            resources[f"{c}Assoc{s}"] = {
                "Type": "AWS::EC2::SubnetRouteTableAssociation",
                "Properties": {
                    "SubnetId": {"Ref": f"{c}Subnet{s}"},
                    "RouteTableId": {"Ref": f"{c}Rt"},
                },
            }
        resources[f"{c}Rt"] = {
            "Type": "AWS::EC2::RouteTable",
            "Properties": {"VpcId": {"Ref": f"{c}Vpc"}},
        }
        resources[f"{c}Route"] = {
            "Type": "AWS::EC2::Route",
            "Properties": {
                "RouteTableId": {"Ref": f"{c}Rt"},
                "DestinationCidrBlock": "192.168.0.0/16",
                "TransitGatewayId": "tgw-0123456789abcdef0",
            },
        }
        resources[f"{c}Sg"] = {
            "Type": "AWS::EC2::SecurityGroup",
            "Properties": {
                "GroupDescription": "endpoints",
                "VpcId": {"Ref": f"{c}Vpc"},
                "SecurityGroupIngress": [
                    {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": cidr}
                ],
            },
        }
        resources[f"{c}Endpoint"] = {
            "Type": "AWS::EC2::VPCEndpoint",
            "Properties": {
                "VpcId": {"Ref": f"{c}Vpc"},
                "ServiceName": {"Fn::Sub": "com.amazonaws.${AWS::Region}.bedrock-runtime"},
                "VpcEndpointType": "Interface",
                "PrivateDnsEnabled": True,
                "SubnetIds": [{"Ref": f"{c}Subnet0"}, {"Ref": f"{c}Subnet1"}],
                "SecurityGroupIds": [{"Ref": f"{c}Sg"}],
                "PolicyDocument": _endpoint_policy(
                    "bedrock:InvokeModel",
                    f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0",
                ),
            },
        }
        resources[f"{c}Key"] = {
            "Type": "AWS::KMS::Key",
            "Properties": {
                "EnableKeyRotation": True,
                "KeyPolicy": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "AWS": {"Fn::Sub": "arn:aws:iam::${AWS::AccountId}:root"}
                            },
                            "Action": "kms:*",
                            "Resource": "*",
                        }
                    ],
                },
            },
        }
        resources[f"{c}Bucket"] = {
            "Type": "AWS::S3::Bucket",
            "Properties": {
                "BucketEncryption": {
                    "ServerSideEncryptionConfiguration": [
                        {
                            "ServerSideEncryptionByDefault": {
                                "SSEAlgorithm": "aws:kms",
                                "KMSMasterKeyID": {"Fn::GetAtt": [f"{c}Key", "Arn"]},
                            }
                        }
                    ]
                }
            },
        }
        resources[f"{c}Role"] = {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "invoke",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "bedrock:InvokeModel",
                                    "Resource": f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0",
                                    "Condition": {
                                        "StringEquals": {"aws:SourceVpce": {"Ref": f"{c}Endpoint"}}
                                    },
                                }
                            ],
                        },
                    }
                ],
            },
        }
        resources[f"{c}Function"] = {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": {"Fn::GetAtt": [f"{c}Role", "Arn"]},
                "Code": {"ZipFile": "def handler(e, c): return 1"},
                "VpcConfig": {
                    "SubnetIds": [{"Ref": f"{c}Subnet0"}, {"Ref": f"{c}Subnet1"}],
                    "SecurityGroupIds": [{"Ref": f"{c}Sg"}],
                },
            },
        }
        cell += 1
    names = list(resources)[:n]
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Resources": {name: resources[name] for name in names},
    }


# ------------------------------------------------------------------------- terraform plan
def terraform_plan(n: int) -> dict[str, Any]:
    planned: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    config: list[dict[str, Any]] = []

    def add(
        rtype: str,
        name: str,
        values: dict[str, Any],
        refs: dict[str, list[str]],
        unknown: tuple[str, ...] = ("id", "arn"),
    ) -> None:
        address = f"{rtype}.{name}"
        planned.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "schema_version": 0,
                "values": values,
                "sensitive_values": {},
            }
        )
        changes.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_name": "registry.terraform.io/hashicorp/aws",
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": values,
                    "after_unknown": {k: True for k in unknown},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        expressions: dict[str, Any] = {k: {"references": v} for k, v in refs.items()}
        config.append(
            {
                "address": address,
                "mode": "managed",
                "type": rtype,
                "name": name,
                "provider_config_key": "aws",
                "expressions": expressions,
                "schema_version": 0,
            }
        )

    cell = 0
    while len(planned) < n:
        c = f"c{cell}"
        cidr = f"10.{cell % 250}.0.0/16"
        add("aws_vpc", c, {"cidr_block": cidr, "tags": {"Name": c}}, {})
        for s in range(2):
            add(
                "aws_subnet",
                f"{c}_{s}",
                {
                    "cidr_block": f"10.{cell % 250}.{s}.0/24",
                    "map_public_ip_on_launch": False,
                    "tags": {"airlock:workload": "true"},
                },
                {"vpc_id": [f"aws_vpc.{c}.id", f"aws_vpc.{c}"]},
            )
            add(
                "aws_route_table_association",
                f"{c}_{s}",
                {},
                {
                    "subnet_id": [f"aws_subnet.{c}_{s}.id", f"aws_subnet.{c}_{s}"],
                    "route_table_id": [f"aws_route_table.{c}.id", f"aws_route_table.{c}"],
                },
                unknown=("id", "subnet_id", "route_table_id"),
            )
        add(
            "aws_route_table",
            c,
            {},
            {"vpc_id": [f"aws_vpc.{c}.id", f"aws_vpc.{c}"]},
            unknown=("id", "arn", "vpc_id"),
        )
        add(
            "aws_security_group",
            c,
            {
                "description": "endpoints",
                "ingress": [
                    {
                        "cidr_blocks": [cidr],
                        "from_port": 443,
                        "to_port": 443,
                        "protocol": "tcp",
                        "ipv6_cidr_blocks": [],
                        "prefix_list_ids": [],
                        "security_groups": [],
                        "self": False,
                        "description": "",
                    }
                ],
                "egress": [],
            },
            {"vpc_id": [f"aws_vpc.{c}.id", f"aws_vpc.{c}"]},
            unknown=("id", "arn", "vpc_id"),
        )
        add(
            "aws_vpc_endpoint",
            c,
            {
                "service_name": f"com.amazonaws.{REGION}.bedrock-runtime",
                "vpc_endpoint_type": "Interface",
                "private_dns_enabled": True,
                "policy": json.dumps(
                    _endpoint_policy(
                        "bedrock:InvokeModel",
                        f"arn:aws:bedrock:{REGION}::foundation-model/amazon.nova-lite-v1:0",
                    )
                ),
            },
            {
                "vpc_id": [f"aws_vpc.{c}.id", f"aws_vpc.{c}"],
                "subnet_ids": [
                    f"aws_subnet.{c}_0.id",
                    f"aws_subnet.{c}_0",
                    f"aws_subnet.{c}_1.id",
                    f"aws_subnet.{c}_1",
                ],
                "security_group_ids": [f"aws_security_group.{c}.id", f"aws_security_group.{c}"],
            },
            unknown=("id", "arn", "vpc_id", "subnet_ids", "security_group_ids"),
        )
        add("aws_kms_key", c, {"enable_key_rotation": True}, {}, unknown=("id", "arn", "policy"))
        add("aws_s3_bucket", c, {"bucket": f"bench-{c}-{ACCOUNT}"}, {})
        add(
            "aws_iam_role",
            c,
            {
                "name": f"role-{c}",
                "assume_role_policy": json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": "sts:AssumeRole",
                                "Principal": {"Service": "lambda.amazonaws.com"},
                            }
                        ],
                    }
                ),
            },
            {},
        )
        add(
            "aws_lambda_function",
            c,
            {
                "function_name": f"fn-{c}",
                "runtime": "python3.12",
                "handler": "app.handler",
                "vpc_config": [{}],
            },
            {
                "role": [f"aws_iam_role.{c}.arn", f"aws_iam_role.{c}"],
                "vpc_config.subnet_ids": [f"aws_subnet.{c}_0.id", f"aws_subnet.{c}_0"],
                "vpc_config.security_group_ids": [
                    f"aws_security_group.{c}.id",
                    f"aws_security_group.{c}",
                ],
            },
            unknown=("id", "arn", "role", "vpc_config"),
        )
        cell += 1
    planned, changes, config = planned[:n], changes[:n], config[:n]
    return {
        "format_version": "1.2",
        "terraform_version": "1.9.8",
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": "registry.terraform.io/hashicorp/aws",
                    "expressions": {"region": {"constant_value": REGION}},
                }
            },
            "root_module": {"resources": config},
        },
        "applyable": True,
        "complete": True,
        "errored": False,
    }

"""A large plan for scale tests and measurements: ``stacks`` module instances of ~24 resources."""

from __future__ import annotations

from .plans import Plan, const, ref

UNKNOWN = {"id": True, "arn": True}
POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"bedrock:InvokeModel","Resource":"*"}]}'


def large_plan(stacks: int) -> Plan:
    plan = Plan()
    plan.module_call(("stack",), for_each=ref("var.stacks"))
    for s in range(stacks):
        m = f'module.stack["s{s}"]'
        add = plan.resource
        add(f"{m}.aws_vpc.this", {"cidr_block": "10.0.0.0/16"}, unknown={**UNKNOWN, "default_route_table_id": True},
            expressions={"cidr_block": const("10.0.0.0/16")})  # fmt: skip
        for i in range(3):
            add(f"{m}.aws_subnet.private[{i}]", {"cidr_block": f"10.0.{i}.0/24"}, unknown={**UNKNOWN, "vpc_id": True},
                expressions={"vpc_id": ref("aws_vpc.this.id")}, count=const(3))  # fmt: skip
            add(f"{m}.aws_route_table.private[{i}]", {}, unknown={**UNKNOWN, "vpc_id": True, "route": True},
                expressions={"vpc_id": ref("aws_vpc.this.id")}, count=const(3))  # fmt: skip
            add(f"{m}.aws_route_table_association.private[{i}]", {}, unknown={"id": True, "subnet_id": True, "route_table_id": True},
                expressions={"subnet_id": ref("aws_subnet.private", "count.index"),
                             "route_table_id": ref("aws_route_table.private", "count.index")}, count=const(3))  # fmt: skip
        add(f"{m}.aws_security_group.endpoints", {"name": f"ep{s}"}, unknown={**UNKNOWN, "vpc_id": True, "ingress": True, "egress": True},
            expressions={"vpc_id": ref("aws_vpc.this.id"), "name": const(f"ep{s}")})  # fmt: skip
        for direction in ("ingress", "egress"):
            add(f"{m}.aws_vpc_security_group_{direction}_rule.https", {"ip_protocol": "tcp", "from_port": 443, "to_port": 443,
                "cidr_ipv4": "10.0.0.0/16"}, unknown={"id": True, "security_group_id": True},
                expressions={"security_group_id": ref("aws_security_group.endpoints.id")})  # fmt: skip
        for name, kind in (("runtime", "Interface"), ("s3", "Gateway")):
            add(f'{m}.aws_vpc_endpoint.this["{name}"]', {"service_name": f"com.amazonaws.eu-central-1.{name}",
                "vpc_endpoint_type": kind, "private_dns_enabled": kind == "Interface"},
                unknown={**UNKNOWN, "vpc_id": True, "subnet_ids": True, "route_table_ids": True, "security_group_ids": True, "policy": True},
                expressions={"vpc_id": ref("aws_vpc.this.id"), "subnet_ids": ref("aws_subnet.private"),
                             "route_table_ids": ref("aws_route_table.private"),
                             "security_group_ids": ref("aws_security_group.endpoints.id")},
                for_each=ref("var.endpoints"))  # fmt: skip
        add(f"{m}.aws_vpc_endpoint_policy.runtime", {"policy": POLICY}, unknown={"id": True, "vpc_endpoint_id": True},
            expressions={"vpc_endpoint_id": ref('aws_vpc_endpoint.this["runtime"].id')})  # fmt: skip
        add(f"{m}.aws_iam_role.app", {"name": f"app{s}", "assume_role_policy": POLICY},
            unknown={**UNKNOWN, "inline_policy": True, "managed_policy_arns": True}, expressions={"name": const(f"app{s}")})  # fmt: skip
        add(f"{m}.aws_iam_role_policy.invoke", {"name": "invoke", "role": f"app{s}", "policy": POLICY}, unknown={"id": True},
            expressions={"role": ref("aws_iam_role.app.name")})  # fmt: skip
        add(f"{m}.aws_iam_role_policy_attachment.vpc", {"role": f"app{s}", "policy_arn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
            unknown={"id": True}, expressions={"role": ref("aws_iam_role.app.name")})  # fmt: skip
        add(
            f"{m}.aws_kms_key.logs",
            {"policy": POLICY, "enable_key_rotation": True},
            unknown={**UNKNOWN, "key_id": True},
            expressions={},
        )
        add(f"{m}.aws_s3_bucket.logs", {"bucket": f"logs-{s}"}, unknown={**UNKNOWN, "policy": True, "versioning": True},
            expressions={"bucket": const(f"logs-{s}")})  # fmt: skip
        for split in (
            "aws_s3_bucket_versioning",
            "aws_s3_bucket_public_access_block",
            "aws_s3_bucket_policy",
        ):
            add(f"{m}.{split}.logs", {"versioning_configuration": [{"status": "Enabled"}], "block_public_policy": True,
                "restrict_public_buckets": True, "policy": POLICY}, unknown={"id": True, "bucket": True},
                expressions={"bucket": ref("aws_s3_bucket.logs.id")})  # fmt: skip
    return plan

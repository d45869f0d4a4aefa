"""Known AWS identifiers of planned resources, for relations whose value is a literal.

A relation written as a literal (``vpc_id = "vpc-0abc"``), read from a data source, or
planned for an existing resource is a known string. When a resource of this plan has that id,
ARN or name, the relation becomes the resource's address, the inventory id controls look up.
Ids are matched within the expected resource types (a role and a bucket may share a name);
ARNs are matched across all types. ARNs that embed a name (S3 buckets, IAM roles, log groups,
KMS aliases) also match the name when the resource's own ARN is not known yet.
"""

from __future__ import annotations

import re
from typing import TypeVar

from airlock.sources.terraform_plan.families import Family
from airlock.sources.terraform_plan.plan import Plan
from airlock.sources.terraform_plan.resolver import VPC_DEFAULT_ATTRS, VPC_TYPES, Target

K = TypeVar("K")
_DEFAULT_OBJECT_TYPES = frozenset(
    {
        "aws_route_table", "aws_default_route_table", "aws_security_group",
        "aws_default_security_group", "aws_network_acl", "aws_default_network_acl",
    }
)  # fmt: skip

#: attributes (besides ``arn``) that hold a resource's own ARN
_OWN_ARN_ATTRS = (
    "arn", "guardrail_arn", "knowledge_base_arn", "agent_arn", "custom_model_arn",
    "inference_profile_arn", "collection_arn",
)  # fmt: skip
_NAME_IN_ARN = (
    (re.compile(r"^arn:[^:]+:s3:::([^/]+)$"), "aws_s3_bucket"),
    (re.compile(r"^arn:[^:]+:iam::[^:]*:role/(?:.*/)?([^/]+)$"), "aws_iam_role"),
    (re.compile(r"^arn:[^:]+:iam::[^:]*:user/(?:.*/)?([^/]+)$"), "aws_iam_user"),
    (re.compile(r"^arn:[^:]+:iam::[^:]*:group/(?:.*/)?([^/]+)$"), "aws_iam_group"),
    (
        re.compile(r"^arn:[^:]+:iam::[^:]*:instance-profile/(?:.*/)?([^/]+)$"),
        "aws_iam_instance_profile",
    ),
    (
        re.compile(r"^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)(?::\*)?$"),
        "aws_cloudwatch_log_group",
    ),
    (re.compile(r"^arn:[^:]+:kms:[^:]*:[^:]*:(alias/.+)$"), "aws_kms_alias"),
    (re.compile(r"^arn:[^:]+:kms:[^:]*:[^:]*:key/(.+)$"), "aws_kms_key"),
    (re.compile(r"^arn:[^:]+:eks:[^:]*:[^:]*:cluster/(.+)$"), "aws_eks_cluster"),
)


class IdIndex:
    def __init__(self, plan: Plan) -> None:
        self._by_type: dict[tuple[str, str], Target | None] = {}
        self._by_arn: dict[str, Target | None] = {}
        self._vpc_defaults: dict[str, Target] = {}
        for resource in plan.live():
            target = Target(resource.address, resource.type, resource.key, None)
            values = resource.values
            for attr in ("id", "name", "bucket", "function_name"):
                value = values.get(attr)
                if isinstance(value, str) and value:
                    _put(self._by_type, (resource.type, value), target)
            for attr in _OWN_ARN_ATTRS:
                value = values.get(attr)
                if isinstance(value, str) and value.startswith("arn:"):
                    _put(self._by_arn, value, target)
            if resource.type in VPC_TYPES:
                for attr in VPC_DEFAULT_ATTRS:
                    value = values.get(attr)
                    if isinstance(value, str) and value:
                        self._vpc_defaults.setdefault(
                            value, Target(resource.address, resource.type, resource.key, attr)
                        )

    def lookup(self, value: str, family: Family | None) -> Target | None:
        """The resource of ``family`` (any type when ``None``) known by ``value``."""
        found = self._by_arn.get(value)
        if found is not None:
            return found if family is None or found.type in family else None
        if family is None:
            return None
        for rtype in family:
            found = self._by_type.get((rtype, value))
            if found is not None:
                return found
        for pattern, rtype in _NAME_IN_ARN:
            if rtype in family:
                match = pattern.match(value)
                if match:
                    found = self._by_type.get((rtype, match.group(1)))
                    if found is not None:
                        return found
        if any(rtype in _DEFAULT_OBJECT_TYPES for rtype in family):
            return self._vpc_defaults.get(value)
        return None


def _put(index: dict[K, Target | None], key: K, target: Target) -> None:
    """Record ``target``; a key two resources share is ambiguous (``None``)."""
    if key in index and index[key] != target:
        index[key] = None
    else:
        index[key] = target

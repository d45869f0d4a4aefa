"""AWS managed IAM policies Airlock knows the relevant content of.

An AWS managed policy is referenced by ARN (``arn:aws:iam::aws:policy/AdministratorAccess``,
``.../service-role/AWSLambdaBasicExecutionRole``). Only a small table is known; the
statements below are the part that matters to Airlock's questions (Bedrock, KMS, S3), not a
copy of the whole policy. Policies not in the table make the questions that depend on them
UNKNOWN. The table was written from AWS's published policy summaries, as of 2026-10.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from airlock.controls.statements import split_arn

AS_OF = "2026-10"

_ALL: tuple[Mapping[str, Any], ...] = ({"Effect": "Allow", "Action": "*", "Resource": "*"},)

#: policy name -> the relevant statements (empty: grants nothing Airlock asks about)
KNOWN: Mapping[str, tuple[Mapping[str, Any], ...]] = {
    "AdministratorAccess": _ALL,
    "PowerUserAccess": (
        {
            "Effect": "Allow",
            "NotAction": ["iam:*", "organizations:*", "account:*"],
            "Resource": "*",
        },
    ),
    "AmazonBedrockFullAccess": ({"Effect": "Allow", "Action": ["bedrock:*"], "Resource": "*"},),
    "AmazonS3FullAccess": (
        {"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"},
    ),
    # service policies with no Bedrock, KMS-decrypt or S3-write permissions
    "AWSLambdaBasicExecutionRole": (),
    "AWSLambdaVPCAccessExecutionRole": (),
    "AWSLambdaENIManagementAccess": (),
    "AmazonECSTaskExecutionRolePolicy": (),
    "AmazonSSMManagedInstanceCore": (),
    "AmazonEKSWorkerNodePolicy": (),
    "AmazonEKSClusterPolicy": (),
    "AmazonEKS_CNI_Policy": (),
    "AmazonEKSVPCResourceController": (),
    "AmazonEC2ContainerRegistryReadOnly": (),
    "CloudWatchAgentServerPolicy": (),
    "AWSXRayDaemonWriteAccess": (),
}

#: AWS managed policies that should never be attached to a workload
BROAD_BEDROCK = frozenset({"AmazonBedrockFullAccess"})


def managed_name(ref: str) -> str | None:
    """The policy name of an AWS managed policy ARN, else None."""
    parts = split_arn(ref)
    if parts is not None and parts[2] == "iam" and parts[4] == "aws":
        resource = parts[5]
        if resource.startswith("policy/"):
            return resource.rsplit("/", 1)[-1]
    return None

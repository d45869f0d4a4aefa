"""Benchmark: 2,000 roles x 50 actions through the policy evaluator in under 2 s.

Generates a synthetic but realistic organization: two SCP levels (FullAWSAccess, then a
data-perimeter network deny, a region deny and a root deny), a pool of shared managed
policies (wildcard actions, ABAC conditions on tags, deny statements), per-role inline
policies, permissions boundaries on a third of the roles, and tags. Each role is asked
"is there any request context in which it can do A on R?" for 50 actions against resources
of its team. Prints the time and the limit; exits 1 when over the limit.

Each run generates fresh roles (not timed), clears the evaluator's caches and times the full
evaluation; the best of ``--repeat`` runs is compared with the limit (this machine is shared,
so single runs are noisy). ``--workers`` splits the roles over forked processes, one per core
by default; ``--workers 1`` measures one core.

Run: .venv/bin/python bench/policy_eval.py [--roles N] [--limit SECONDS] [--workers N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import sys
import time
from collections import Counter
from typing import Any

from airlock.analysis.policy import (
    PolicyDocument,
    PolicyKind,
    PolicySet,
    Principal,
    Verdict,
    can,
    clear_caches,
)

ACCOUNT = "111122223333"
REGION = "eu-west-1"
TEAMS = ("ml", "data", "risk", "payments", "fraud", "platform", "audit", "ops")
ENDPOINTS = ("vpce-0a1b2c3d4e5f60001", "vpce-0a1b2c3d4e5f60002")
MODELS = (
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "amazon.titan-embed-text-v2:0",
    "meta.llama3-70b-instruct-v1:0",
)

ACTIONS = (
    "s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucket",
    "s3:GetBucketPolicy", "s3:PutBucketPolicy", "s3:PutLifecycleConfiguration",
    "s3:PutBucketVersioning", "s3:GetObjectVersion", "kms:Decrypt", "kms:Encrypt",
    "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:CreateGrant", "kms:PutKeyPolicy",
    "kms:ScheduleKeyDeletion", "kms:DescribeKey", "bedrock:InvokeModel",
    "bedrock:InvokeModelWithResponseStream", "bedrock:ListFoundationModels",
    "bedrock:GetFoundationModel", "bedrock:CreateModelCustomizationJob", "bedrock:InvokeAgent",
    "bedrock:ApplyGuardrail", "bedrock:CallWithBearerToken", "logs:PutLogEvents",
    "logs:CreateLogStream", "logs:DeleteLogGroup", "dynamodb:GetItem", "dynamodb:PutItem",
    "dynamodb:DeleteTable", "dynamodb:Query", "sqs:SendMessage", "sqs:ReceiveMessage",
    "secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue", "iam:PassRole",
    "iam:CreateAccessKey", "iam:PutRolePolicy", "sts:AssumeRole", "ec2:DescribeInstances",
    "ec2:RunInstances", "ec2:CreateVpcEndpoint", "lambda:InvokeFunction",
    "lambda:UpdateFunctionCode", "cloudtrail:StopLogging", "cloudtrail:DeleteTrail",
    "organizations:LeaveOrganization", "sagemaker:CreateEndpoint",
)  # fmt: skip


def doc(statements: list[dict[str, Any]]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": statements}


def resource_for(action: str, team: str, rng: random.Random) -> str:
    service = action.split(":")[0]
    if service == "s3":
        bucket = f"{team}-data-{ACCOUNT}"
        if (
            action in ("s3:ListBucket", "s3:GetBucketPolicy", "s3:PutBucketPolicy")
            or "Configuration" in action
            or "Versioning" in action
        ):
            return f"arn:aws:s3:::{bucket}"
        return f"arn:aws:s3:::{bucket}/prefix/part-{rng.randrange(4):04d}.parquet"
    if service == "kms":
        return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{team}-0000-1111-2222-333344445555"
    if service == "bedrock":
        if action == "bedrock:ListFoundationModels":
            return "*"
        return f"arn:aws:bedrock:{REGION}::foundation-model/{rng.choice(MODELS)}"
    if service == "logs":
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/app/{team}"
    if service == "dynamodb":
        return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{team}-events"
    if service == "sqs":
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{team}-queue"
    if service == "secretsmanager":
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{team}/db-AbCdEf"
    if service in ("iam", "sts"):
        return f"arn:aws:iam::{ACCOUNT}:role/{team}-worker"
    if service == "lambda":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{team}-handler"
    if service == "cloudtrail":
        return f"arn:aws:cloudtrail:{REGION}:{ACCOUNT}:trail/org-trail"
    return "*"


def scps() -> tuple[tuple[PolicyDocument, ...], ...]:
    full = PolicyDocument.parse(
        doc([{"Effect": "Allow", "Action": "*", "Resource": "*"}]), PolicyKind.SCP, "FullAWSAccess"
    )
    perimeter = doc(
        [
            {
                "Sid": "EnforceNetworkPerimeter",
                "Effect": "Deny",
                "NotAction": ["es:ES*", "dax:*", "neptune-db:*", "rds-db:connect"],
                "Resource": "*",
                "Condition": {
                    "BoolIfExists": {"aws:ViaAWSService": "false"},
                    "StringNotEqualsIfExists": {
                        "aws:SourceVpce": list(ENDPOINTS),
                        "aws:PrincipalTag/dp:exclude:network": "true",
                    },
                    "ArnNotLikeIfExists": {
                        "aws:PrincipalArn": "arn:aws:iam::*:role/aws:ec2-infrastructure"
                    },
                    "StringEquals": {"aws:PrincipalTag/dp:include:network": "true"},
                },
            },
            {
                "Sid": "DenyOutsideRegions",
                "Effect": "Deny",
                "NotAction": ["iam:*", "organizations:*", "sts:*", "support:*", "cloudfront:*"],
                "Resource": "*",
                "Condition": {
                    "StringNotEquals": {"aws:RequestedRegion": ["eu-west-1", "eu-central-1"]}
                },
            },
            {
                "Sid": "DenyRoot",
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:root"}},
            },
            {
                "Sid": "ProtectAudit",
                "Effect": "Deny",
                "Action": [
                    "cloudtrail:StopLogging",
                    "cloudtrail:DeleteTrail",
                    "organizations:LeaveOrganization",
                ],
                "Resource": "*",
            },
        ]
    )
    ou = PolicyDocument.parse(perimeter, PolicyKind.SCP, "data-perimeter")
    return ((full,), (full, ou))


def managed_pool(rng: random.Random) -> list[PolicyDocument]:
    pool: list[PolicyDocument] = []
    for team in TEAMS:
        pool.append(
            PolicyDocument.parse(
                doc(
                    [
                        {
                            "Effect": "Allow",
                            "Action": ["s3:Get*", "s3:List*"],
                            "Resource": [
                                f"arn:aws:s3:::{team}-data-*",
                                f"arn:aws:s3:::{team}-data-*/*",
                            ],
                        },
                        {
                            "Effect": "Allow",
                            "Action": ["s3:PutObject"],
                            "Resource": f"arn:aws:s3:::{team}-data-*/prefix/*",
                        },
                        {
                            "Effect": "Deny",
                            "Action": ["s3:DeleteObjectVersion", "s3:PutBucketPolicy"],
                            "Resource": "*",
                        },
                    ]
                ),
                PolicyKind.IDENTITY,
                f"{team}-data-access",
            )
        )
        pool.append(
            PolicyDocument.parse(
                doc(
                    [
                        {
                            "Effect": "Allow",
                            "Action": ["kms:Decrypt", "kms:GenerateDataKey*", "kms:Encrypt"],
                            "Resource": f"arn:aws:kms:*:{ACCOUNT}:key/*",
                            "Condition": {
                                "StringEquals": {"aws:ResourceTag/team": "${aws:PrincipalTag/team}"}
                            },
                        },
                        {"Effect": "Allow", "Action": "kms:DescribeKey", "Resource": "*"},
                    ]
                ),
                PolicyKind.IDENTITY,
                f"{team}-kms-use",
            )
        )
    pool.append(
        PolicyDocument.parse(
            doc(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
                        "Resource": [
                            f"arn:aws:bedrock:{REGION}::foundation-model/{m}" for m in MODELS
                        ],
                        "Condition": {"StringEquals": {"aws:SourceVpce": list(ENDPOINTS)}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["bedrock:List*", "bedrock:Get*"],
                        "Resource": "*",
                    },
                ]
            ),
            PolicyKind.IDENTITY,
            "bedrock-invoke-private",
        )
    )
    pool.append(
        PolicyDocument.parse(
            doc(
                [
                    {
                        "Effect": "Allow",
                        "Action": [
                            "ec2:Describe*",
                            "logs:Describe*",
                            "cloudwatch:Get*",
                            "s3:ListAllMyBuckets",
                        ],
                        "Resource": "*",
                    }
                ]
            ),
            PolicyKind.IDENTITY,
            "read-only-ops",
        )
    )
    pool.append(
        PolicyDocument.parse(
            doc(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": f"arn:aws:logs:*:{ACCOUNT}:log-group:/app/*",
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                        "Resource": f"arn:aws:dynamodb:*:{ACCOUNT}:table/*",
                        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
                    },
                    {
                        "Effect": "Allow",
                        "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"],
                        "Resource": f"arn:aws:sqs:*:{ACCOUNT}:*",
                    },
                ]
            ),
            PolicyKind.IDENTITY,
            "app-runtime",
        )
    )
    pool.append(
        PolicyDocument.parse(
            doc([{"Effect": "Allow", "Action": "bedrock:*", "Resource": "*"}]),
            PolicyKind.IDENTITY,
            "AmazonBedrockFullAccess",
        )
    )
    rng.shuffle(pool)
    return pool


def boundary() -> PolicyDocument:
    return PolicyDocument.parse(
        doc(
            [
                {
                    "Effect": "Allow",
                    "NotAction": [
                        "iam:*",
                        "organizations:*",
                        "kms:PutKeyPolicy",
                        "kms:ScheduleKeyDeletion",
                    ],
                    "Resource": "*",
                },
                {
                    "Effect": "Allow",
                    "Action": ["iam:PassRole"],
                    "Resource": f"arn:aws:iam::{ACCOUNT}:role/*-worker",
                },
            ]
        ),
        PolicyKind.BOUNDARY,
        "workload-boundary",
    )


def inline(team: str, index: int, rng: random.Random) -> PolicyDocument:
    statements: list[dict[str, Any]] = [
        {
            "Sid": "Secrets",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{team}/*",
        },
        {
            "Sid": "Invoke",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{team}-*",
        },
    ]
    if rng.random() < 0.3:
        statements.append(
            {
                "Sid": "PassWorker",
                "Effect": "Allow",
                "Action": ["iam:PassRole", "sts:AssumeRole"],
                "Resource": f"arn:aws:iam::{ACCOUNT}:role/{team}-worker",
                "Condition": {"StringEquals": {"iam:PassedToService": "sagemaker.amazonaws.com"}},
            }
        )
    if rng.random() < 0.2:
        statements.append(
            {
                "Sid": "Deploy",
                "Effect": "Allow",
                "Action": ["lambda:UpdateFunctionCode", "ec2:RunInstances", "sagemaker:*"],
                "Resource": "*",
                "Condition": {"IpAddress": {"aws:SourceIp": "198.51.100.0/24"}},
            }
        )
    if rng.random() < 0.2:
        statements.append(
            {
                "Sid": "NoDelete",
                "Effect": "Deny",
                "Action": ["dynamodb:DeleteTable", "logs:DeleteLogGroup"],
                "Resource": "*",
            }
        )
    return PolicyDocument.parse(doc(statements), PolicyKind.IDENTITY, f"role-{index}-inline")


def build(roles: int, seed: int) -> list[tuple[Principal, PolicySet, list[tuple[str, str]]]]:
    rng = random.Random(seed)
    levels = scps()
    pool = managed_pool(rng)
    bound = boundary()
    cases = []
    for index in range(roles):
        team = rng.choice(TEAMS)
        tags = {"team": team, "env": rng.choice(("prod", "dev"))}
        if rng.random() < 0.8:
            tags["dp:include:network"] = "true"
        principal = Principal.role(f"arn:aws:iam::{ACCOUNT}:role/{team}/app-{index}", tags)
        identity = [inline(team, index, rng), *rng.sample(pool, rng.randint(2, 4))]
        policies = PolicySet(
            identity=tuple(identity),
            boundary=bound if rng.random() < 0.33 else None,
            scps=levels,
        )
        requests = [(action, resource_for(action, team, rng)) for action in ACTIONS]
        cases.append((principal, policies, requests))
    return cases


def evaluate_all(cases: list[tuple[Principal, PolicySet, list[tuple[str, str]]]]) -> Counter[str]:
    verdicts: Counter[str] = Counter()
    for principal, policies, requests in cases:
        for action, target in requests:
            verdicts[can(principal, action, target, policies).status.value] += 1
    return verdicts


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed_run(roles: int, seed: int, workers: int) -> tuple[float, float, Counter[str]]:
    """Generate fresh roles (untimed), clear the caches, then time one full evaluation.

    With several workers the roles are split between forked processes (one per core); each
    starts from the same cold caches.
    """
    cases = build(roles, seed)
    clear_caches()
    cpu = _cpu()
    if workers <= 1:
        start = time.perf_counter()
        verdicts = evaluate_all(cases)
        return time.perf_counter() - start, _cpu() - cpu, verdicts
    _shared.clear()
    _shared.extend(cases)  # inherited by the forked workers; nothing is pickled but counts
    context = multiprocessing.get_context("fork")
    start = time.perf_counter()
    with context.Pool(workers) as pool:
        results = pool.map(_evaluate_share, [(i, workers) for i in range(workers)])
    elapsed = time.perf_counter() - start
    total: Counter[str] = Counter()
    for result in results:
        total.update(result)
    return elapsed, _cpu() - cpu, total


_shared: list[tuple[Principal, PolicySet, list[tuple[str, str]]]] = []


def _evaluate_share(share: tuple[int, int]) -> Counter[str]:
    index, workers = share
    return evaluate_all(_shared[index::workers])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--roles", type=int, default=2000)
    parser.add_argument("--limit", type=float, default=2.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--workers", type=int, default=os.cpu_count() or 1, help="processes (default: one per core)"
    )
    parser.add_argument(
        "--repeat", type=int, default=3, help="fresh runs; the best is compared with the limit"
    )
    args = parser.parse_args()
    times: list[float] = []
    cpus: list[float] = []
    verdicts: Counter[str] = Counter()
    for run in range(args.repeat):
        elapsed, cpu, verdicts = timed_run(args.roles, args.seed + run, args.workers)
        times.append(elapsed)
        cpus.append(cpu)
    best = min(times)
    count = sum(verdicts.values())
    print(
        f"policy_eval: {args.roles} roles x {len(ACTIONS)} actions = {count} queries, {args.workers} worker(s)"
    )
    print(
        f"policy_eval: runs {', '.join(f'{t:.3f}' for t in times)} s; best {best:.3f} s ({count / best:,.0f} queries/s), limit {args.limit:.1f} s"
    )
    print(f"policy_eval: CPU time per run {', '.join(f'{c:.3f}' for c in cpus)} s (all processes)")
    print("policy_eval: verdicts " + ", ".join(f"{k}={v}" for k, v in sorted(verdicts.items())))
    if verdicts[Verdict.UNKNOWN.value]:
        print("policy_eval: unexpected UNKNOWN answers", file=sys.stderr)
        return 1
    if best > args.limit:
        print(
            f"policy_eval: FAIL, {best:.3f} s is over the {args.limit:.1f} s limit", file=sys.stderr
        )
        return 1
    print("policy_eval: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

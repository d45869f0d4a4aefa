"""Identity layer, static credentials: IAM user keys, credentials in compute, Bedrock API keys."""

from __future__ import annotations

from collections.abc import Iterator

from airlock.controls.coverage import absence_is_proof, gap
from airlock.controls.credentials import CredentialHit, inspect_environment
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ScanContext,
    Severity,
    Subject,
    Verdict,
    failed,
    passed,
    unknown,
)
from airlock.inventory.compute import EcsTaskDefinition, Instance, LambdaFunction
from airlock.inventory.identity import AccessKey, ServiceSpecificCredential
from airlock.inventory.model import Unresolved
from airlock.obligations.model import Topic

_IAM_SCOPES = ("iam", "AWS::IAM::AccessKey", "aws_iam_access_key", "AccessKey")


def _none_found(ctx: ScanContext, what: str) -> Verdict:
    missing = gap(ctx.inventory, *_IAM_SCOPES)
    if missing is not None:
        return unknown(ctx.account_ref(), f"IAM credentials could not be listed: {missing.reason}.")
    where = "the account" if absence_is_proof(ctx.inventory, *_IAM_SCOPES) else "this inventory"
    return passed(ctx.account_ref(), f"No {what} exists in {where}.")


def _bedrock_service(name: str) -> bool:
    return name.split(".", 1)[0].lower() in ("bedrock", "bedrock-mantle")


# --- AL-IAM-001 ------------------------------------------------------------------------


def _user_keys(ctx: ScanContext) -> Iterator[Verdict]:
    found = False
    for key in ctx.inventory.of(AccessKey):
        found = True
        status = (
            key.status
            if isinstance(key.status, str)
            else "Active"
            if key.status is None
            else "unresolved"
        )
        yield failed(
            key,
            f"Access key {key.id} is a long-term credential of IAM user {_user(key.user)} ({status}).",
            user=key.user,
            status=status,
        )
    for cred in ctx.inventory.of(ServiceSpecificCredential):
        service = cred.service_name
        if isinstance(service, str) and _bedrock_service(service):
            continue  # AL-IAM-003
        found = True
        yield failed(
            cred,
            f"Service-specific credential {cred.id} is a long-term password of IAM user {_user(cred.user)}.",
            service=service,
        )
    if not found:
        yield _none_found(ctx, "IAM user access key or service-specific credential")


def _user(ref: object) -> str:
    return ref if isinstance(ref, str) else "<unresolved>"


# --- AL-IAM-002 ------------------------------------------------------------------------


def _judge_hits(subject: Subject, what: str, hits: list[CredentialHit]) -> Verdict:
    sure = [h for h in hits if h.certain]
    if sure:
        names = ", ".join(h.variable for h in sure)
        return failed(
            subject,
            f"{what} carries credentials in plain configuration ({names}).",
            variables=[h.shown() for h in hits],
        )
    if hits:
        names = ", ".join(h.variable for h in hits)
        return unknown(
            subject,
            f"{what} sets credential-like variables whose values are unresolved ({names}).",
            variables=[h.shown() for h in hits],
        )
    return passed(subject, f"{what} carries no credential-looking configuration.")


def _compute(ctx: ScanContext) -> Iterator[Verdict]:
    for function in ctx.inventory.of(LambdaFunction):
        yield _judge_hits(
            function, f"Function {function.id}", inspect_environment(function.environment)
        )
    for task in ctx.inventory.of(EcsTaskDefinition):
        hits = [
            CredentialHit(f"{c.name}/{h.variable}", h.why, h.hint, h.certain)
            for c in task.containers
            for h in inspect_environment(c.environment)
        ]
        yield _judge_hits(task, f"Task definition {task.id}", hits)
    for instance in ctx.inventory.of(Instance):
        hits = [
            CredentialHit(name, "credential-like key in user data", "(redacted)")
            for name in instance.user_data_secrets
        ]
        yield _judge_hits(instance, f"Instance {instance.id}", hits)


# --- AL-IAM-003 ------------------------------------------------------------------------


def _bedrock_keys(ctx: ScanContext) -> Iterator[Verdict]:
    found = False
    for cred in ctx.inventory.of(ServiceSpecificCredential):
        service = cred.service_name
        if isinstance(service, Unresolved):
            found = True
            yield unknown(
                cred,
                f"The service of credential {cred.id} is unresolved; it may be a Bedrock API key.",
            )
        elif _bedrock_service(service):
            found = True
            yield failed(
                cred,
                f"Credential {cred.id} is a long-term Bedrock API key of IAM user {_user(cred.user)}.",
                service=service,
                status=cred.status,
            )
    if not found:
        yield _none_found(ctx, "long-term Bedrock API key")


_ctl = ControlFactory(Layer.IDENTITY, (Topic.AUTHENTICATION, Topic.ACCESS_CONTROL))


CONTROLS: tuple[Control, ...] = (
    _ctl(
        1,
        "IAM users have no long-term credentials",
        Severity.HIGH,
        "A long-term access key works from anywhere until someone deletes it; the reference "
        "architecture allows only short-lived federated sessions in the call path.",
        "Delete the access keys and service-specific credentials; use IAM roles (instance "
        "profiles, execution roles, IRSA, OIDC federation for CI) instead.",
        _user_keys,
    ),
    _ctl(
        2,
        "Compute configuration carries no credentials",
        Severity.HIGH,
        "Environment variables and user data are returned in plaintext by read-only APIs "
        "(lambda:GetFunctionConfiguration, ecs:DescribeTaskDefinition) and end up in logs and "
        "templates.",
        "Read credentials at run time from Secrets Manager (ECS secrets, the Lambda extension) "
        "and rely on the execution role for AWS access.",
        _compute,
        "CKV_AWS_45",
    ),
    _ctl(
        3,
        "No long-term Bedrock API keys exist",
        Severity.HIGH,
        "A long-term Bedrock API key is a bearer token tied to an IAM user: whoever holds it "
        "can call Bedrock without any AWS signature.",
        "Delete the bedrock.amazonaws.com service-specific credentials and deny "
        "iam:CreateServiceSpecificCredential for Bedrock with an SCP.",
        _bedrock_keys,
    ),
)

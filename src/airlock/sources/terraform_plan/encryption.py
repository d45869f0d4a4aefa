"""KMS keys, aliases, grants and key policies; log groups, secrets, OpenSearch Serverless.

``aws_kms_key.policy`` omitted means the default key policy (``None``); ``enable_key_rotation``
defaults to false. ``aws_kms_key_policy`` sets the policy; when the plan deletes it the provider
puts the default key policy back (``None``) -- unless it had
``bypass_policy_lockout_safety_check``, in which case it leaves the policy as it was.
An OpenSearch Serverless network policy is a JSON *array*; it is kept as
``{"Policies": [...]}`` so that every document is an object.
"""

from __future__ import annotations

import json

from airlock.inventory.encryption import (
    KmsAlias,
    KmsGrant,
    KmsKey,
    KmsReplicaKey,
    LogGroup,
    OpenSearchCollection,
    OpenSearchSecurityPolicy,
    Secret,
)
from airlock.inventory.model import PolicyValue, Resource, Unresolved
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView


def kms_key(v: ResourceView, out: Assembly) -> Resource:
    period = v.number("rotation_period_in_days")
    return KmsKey(
        **v.base(),
        policy=v.policy("policy"),
        rotation_enabled=v.flag("enable_key_rotation"),
        rotation_period_days=None if period == 0 else period,  # 0: rotation off
        multi_region=v.flag("multi_region"),
        key_usage=v.text("key_usage"),
        key_spec=v.text("customer_master_key_spec"),
        enabled=v.flag("is_enabled"),
        description=v.text("description") or None,
    )


def replica_key(v: ResourceView, out: Assembly) -> Resource:
    return KmsReplicaKey(
        **v.base(),
        primary_key=v.required_ref("primary_key_arn", family=F.KMS_KEY),
        policy=v.policy("policy"),
    )


def alias(v: ResourceView, out: Assembly) -> Resource:
    name = v.computed("name")
    return KmsAlias(
        **v.base(),
        name=name if name is not None else Unresolved(f"{v.where('name')} is not set in the plan"),
        target_key=v.required_ref("target_key_id", family=F.KMS_KEY),
    )


def grant(v: ResourceView, out: Assembly) -> Resource:
    return KmsGrant(
        **v.base(),
        key=v.required_ref("key_id", family=F.KMS_KEY),
        grantee_principal=v.required_ref("grantee_principal", family=F.ROLE | F.USER),
        operations=v.strs("operations"),
        retiring_principal=v.ref("retiring_principal", family=F.ROLE | F.USER),
    )


def log_group(v: ResourceView, out: Assembly) -> Resource:
    retention = v.number("retention_in_days")
    return LogGroup(
        **v.base(),
        name=v.computed("name"),
        kms_key=v.ref("kms_key_id", family=F.KMS_KEY),
        retention_days=None if retention == 0 else retention,  # 0: never expire
    )


def secret(v: ResourceView, out: Assembly) -> Resource:
    return Secret(
        **v.base(), name=v.computed("name"), kms_key=v.ref("kms_key_id", family=F.KMS_KEY)
    )


def collection(v: ResourceView, out: Assembly) -> Resource:
    return OpenSearchCollection(**v.base(), name=v.text("name"), collection_type=v.text("type"))


def security_policy(v: ResourceView, out: Assembly) -> Resource:
    return OpenSearchSecurityPolicy(
        **v.base(),
        name=v.text("name"),
        policy_type=v.required_text("type"),
        document=_document(v),
    )


def _document(v: ResourceView) -> PolicyValue:
    text = v.known("policy")
    if isinstance(text, str) and text.lstrip().startswith("["):
        try:
            rules = json.loads(text)
        except (ValueError, RecursionError) as err:
            return Unresolved(f"invalid JSON in {v.where('policy')}: {err}")
        return {"Policies": rules}
    return v.policy("policy")


# -- configuring resources --------------------------------------------------------------------


def key_policy(v: ResourceView, out: Assembly) -> None:
    target = out.target(v, "key_id", F.KMS_KEY, KmsKey)
    if target is None:
        return
    if v.deleted and v.flag("bypass_policy_lockout_safety_check") is True:
        return  # with the bypass, the provider leaves the policy as it is
    # deleted: the provider restores the default key policy
    out.set_policy(v, target, "policy", v.policy("policy"), reset=None)


BUILDERS: Builders = {
    "aws_kms_key": kms_key,
    "aws_kms_external_key": kms_key,
    "aws_kms_replica_key": replica_key,
    "aws_kms_alias": alias,
    "aws_kms_grant": grant,
    "aws_cloudwatch_log_group": log_group,
    "aws_secretsmanager_secret": secret,
    "aws_opensearchserverless_collection": collection,
    "aws_opensearchserverless_security_policy": security_policy,
}

JOINERS: Joiners = {"aws_kms_key_policy": key_policy}

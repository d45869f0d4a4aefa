"""Shapes in KMS key policies: open principals, principal-restricting conditions, size.

``Principal: "*"`` (or ``{"AWS": "*"}``) in an Allow gives the key to every identity in every
account unless a condition pins the caller: an account (``kms:CallerAccount``,
``aws:PrincipalAccount``), an organization (``aws:PrincipalOrgID``/``OrgPaths``), a principal
ARN, a VPC endpoint or VPC, or -- for AWS service principals -- a source account/ARN. A
condition only restricts when it is false for a request that lacks the key (a positive
operator without ``IfExists``) and its values are not bare wildcards. ``kms:ViaService`` or
an encryption context alone restrict nothing: any account can call the service or supply the
context. The account root as principal is the default "enable IAM policies" statement, not an
open principal.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from msgspec import Struct

from airlock.controls.statements import HOME_ACCOUNT, Condition, split_arn
from airlock.inventory.model import Unresolved

#: condition keys that pin who (or which network path) is calling
RESTRICTING_KEYS = (
    "kms:CallerAccount",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalArn",
    "aws:userid",
    "aws:username",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
)

#: the documented limit on a key policy, in bytes
KEY_POLICY_LIMIT_BYTES = 32_768
#: warn above this share of the limit (policy.md §1.3: "warn well before 32,768, e.g. 80%")
KEY_POLICY_WARN_RATIO = 0.8
#: what an unresolved value inside a policy (an account id, an ARN) may add, in bytes
UNRESOLVED_ALLOWANCE_BYTES = 100


def restricts(condition: Condition) -> bool:
    """Whether this condition pins the caller (see the module docstring)."""
    if not condition.on(*RESTRICTING_KEYS) or not condition.requires_key:
        return False
    if condition.unresolved and not condition.values:
        return True  # a value is set, it is just not known: still a restriction
    return bool(condition.values) and not any(_bare_wildcard(v) for v in condition.values)


def _bare_wildcard(value: str) -> bool:
    return value.strip("*?") == ""


class PolicySize(Struct, frozen=True):
    bytes: int
    #: the document held unresolved values; ``bytes`` includes an allowance for each
    estimated: bool

    @property
    def ratio(self) -> float:
        return self.bytes / KEY_POLICY_LIMIT_BYTES


def policy_size(document: Mapping[str, Any]) -> PolicySize:
    """The UTF-8 size of the document as compact JSON (a lower bound of the stored text),
    plus an allowance for every unresolved value."""
    holes = 0

    def plain(value: Any) -> Any:
        nonlocal holes
        if isinstance(value, Unresolved):
            holes += 1
            return ""
        if isinstance(value, Mapping):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    text = json.dumps(plain(document), separators=(",", ":"), ensure_ascii=False, default=str)
    size = len(text.encode("utf-8")) + holes * UNRESOLVED_ALLOWANCE_BYTES
    return PolicySize(size, holes > 0)


def root_account(principal: str) -> str | None:
    """The account of an account principal (``123456789012`` or ``arn:...:iam::N:root``);
    ``${AWS::AccountId}`` when a template names the account it is deployed to."""
    if (principal.isdigit() and len(principal) == 12) or principal == HOME_ACCOUNT:
        return principal
    parts = split_arn(principal)
    if parts is not None and parts[2] == "iam" and parts[5] == "root":
        return parts[4] or None
    return None

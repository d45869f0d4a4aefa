"""Deploy-time tokens in policy text, made safe for the policy evaluator and shown back as written.

A CloudFormation template leaves pseudo parameters to deploy time: policy documents and the
synthetic ARNs of template resources say ``${AWS::AccountId}`` and ``${AWS::Region}`` (see
:mod:`airlock.sources.cloudformation`). Inside an ARN such a token holds colons, so ARN
matching -- which splits an ARN at its colons -- would misread the account or region
segment. Before evaluation every ``${AWS::<Name>}`` token is replaced by a colon-free
stand-in that behaves like one value of that kind (one account, one region); evidence shows
the token again. Other tokens (``${LogicalId}``, ``${Resource.Attribute}``) hold no colon and
stay as they are: the evaluator treats them as literal text, which is right for an id or name
written the same way on both sides (``aws:SourceVpce`` = ``${Endpoint}``, the ARN of a template
resource that ends in ``${Key}``).

A token that *is* an ARN (``${Alias.AgentAliasArn}``: the ARN attribute of a resource type
whose ARN the source cannot write) is not such a value: as literal text it would match no
ARN, so an Allow naming it would grant nothing and a Deny deny nothing. Read as ``*`` instead,
it would grant (or deny) more than the policy does. Neither is sound, so :func:`unwritten_arn`
marks it, and the policy reader makes its statement unresolved: every answer the statement
could change is UNKNOWN. The same holds for any token that opens a ``Resource`` or
``NotResource`` entry (``!Ref`` of such a resource), since that element holds ARNs only.

When the account of the scan is unknown, the token ``${AWS::AccountId}`` *is* the workload
account: its stand-in is what principals, resources and conditions of that account carry.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

ACCOUNT_TOKEN = "${AWS::AccountId}"
REGION_TOKEN = "${AWS::Region}"
#: a twelve-digit value no real account has, so that account-shaped checks treat it as one
ACCOUNT_STAND_IN = "000000000000"
_PSEUDO = re.compile(r"\$\{AWS::([A-Za-z]+)\}")
#: a leading token of a template resource (not a pseudo parameter); group 1: its attribute
_LEADING = re.compile(r"^\$\{(?!AWS::)[A-Za-z0-9]+(?:\.([A-Za-z0-9.]+))?\}")
_STAND_INS = {"AccountId": ACCOUNT_STAND_IN, "Region": "airlock-deploy-region"}


def _stand_in(name: str) -> str:
    return _STAND_INS.get(name) or f"airlock-deploy-{name.lower()}"


_SHOWN = {_stand_in(name): f"${{AWS::{name}}}" for name in _STAND_INS}
_GENERIC = re.compile(r"airlock-deploy-([a-z]+)")


def for_evaluator(text: str) -> str:
    """``text`` with every ``${AWS::<Name>}`` token replaced by its stand-in."""
    if "${AWS::" not in text:
        return text
    return _PSEUDO.sub(lambda match: _stand_in(match.group(1)), text)


def unwritten_arn(text: str, resource: bool = False) -> str | None:
    """Why ``text`` stands for an ARN nobody wrote out, if it does (see the module docstring).

    ``resource``: ``text`` is an entry of ``Resource`` or ``NotResource``.
    """
    match = _LEADING.match(text)
    if match is None:
        return None
    attribute = match.group(1) or ""
    if resource or attribute.endswith(("Arn", "ARN")):
        return f"{match.group(0)} stands for an ARN known only after deployment, which Airlock cannot write"
    return None


def shown(text: str) -> str:
    """``text`` with the stand-ins turned back into the tokens they stand for."""
    for stand_in, token in _SHOWN.items():
        if stand_in in text:
            text = text.replace(stand_in, token)
    if "airlock-deploy-" in text:
        text = _GENERIC.sub(lambda m: f"${{AWS::{_pseudo_name(m.group(1))}}}", text)
    return text


def _pseudo_name(lower: str) -> str:
    known = {"stackname": "StackName", "stackid": "StackId", "partition": "Partition"}
    return known.get(lower, lower)


def shown_value(value: Any) -> Any:
    """:func:`shown` applied to every string of a JSON-like value."""
    if isinstance(value, str):
        return shown(value)
    if isinstance(value, Mapping):
        return {shown(str(k)): shown_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [shown_value(v) for v in value]
    if isinstance(value, Enum):  # ABSENT
        return value.value
    return value

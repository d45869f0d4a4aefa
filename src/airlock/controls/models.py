"""Bedrock model references: ARNs and ids of models and inference profiles.

Forms (reference/iac.md §6)::

    arn:aws:bedrock:eu-central-1::foundation-model/anthropic.claude-...      one region
    arn:aws:bedrock:::foundation-model/anthropic.claude-...                  no region: global CRIS
    arn:aws:bedrock:eu-central-1:123:inference-profile/eu.anthropic.claude-... geography "eu"
    arn:aws:bedrock:eu-central-1:123:application-inference-profile/abc123    copies a model/profile
    anthropic.claude-...  /  eu.anthropic.claude-...                         bare ids
"""

from __future__ import annotations

from enum import StrEnum

from msgspec import Struct

from airlock.analysis.residency import profile_prefix
from airlock.controls.statements import (
    arns_intersect,
    globs_intersect,
    has_placeholder,
    has_wildcard,
    split_arn,
)


class ModelKind(StrEnum):
    FOUNDATION_MODEL = "foundation-model"
    SYSTEM_PROFILE = "inference-profile"
    APPLICATION_PROFILE = "application-inference-profile"
    GUARDRAIL_PROFILE = "guardrail-profile"
    CUSTOM_MODEL = "custom-model"
    PROVISIONED_MODEL = "provisioned-model"
    IMPORTED_MODEL = "imported-model"


_KINDS = {kind.value: kind for kind in ModelKind}


class ModelRef(Struct, frozen=True):
    raw: str
    kind: ModelKind
    #: None: the reference carries no region (a bare id, or a deploy-time placeholder);
    #: "": an ARN with an empty region
    region: str | None
    account: str | None
    model_id: str
    #: the geography prefix of a system or guardrail profile
    geo: str | None = None

    @property
    def wildcard_region(self) -> bool:
        return self.region is not None and has_wildcard(self.region)


def parse_model_ref(value: str) -> ModelRef | None:
    """A model reference, or None when the value names something else (an agent, a bucket)."""
    if value.startswith("arn:"):
        parts = split_arn(value)
        if parts is None or parts[2] != "bedrock":
            return None
        kind_name, sep, model_id = parts[5].partition("/")
        kind = _KINDS.get(kind_name)
        if kind is None or not sep:
            return None
        geo = (
            profile_prefix(model_id)
            if kind in (ModelKind.SYSTEM_PROFILE, ModelKind.GUARDRAIL_PROFILE)
            else None
        )
        region: str | None = None if has_placeholder(parts[3]) else parts[3]
        return ModelRef(value, kind, region, parts[4] or None, model_id, geo)
    if "." not in value or "/" in value or value.startswith("*"):
        return None
    geo = profile_prefix(value)
    if geo is None:
        return ModelRef(value, ModelKind.FOUNDATION_MODEL, None, None, value)
    rest = value.split(".", 1)[1]
    kind = (
        ModelKind.GUARDRAIL_PROFILE if rest.startswith("guardrail.") else ModelKind.SYSTEM_PROFILE
    )
    return ModelRef(value, kind, None, None, value, geo)


def unscoped_model_resource(pattern: str) -> bool:
    """Whether an IAM ``Resource`` pattern grants every model (``*``, ``foundation-model/*``).

    A provider- or family-level pattern (``foundation-model/anthropic.*``) counts as scoped.
    """
    if pattern == "*":
        return True
    parts = split_arn(pattern)
    if parts is None:
        return has_wildcard(pattern)
    if not globs_intersect(parts[2], "bedrock"):
        return False
    resource = parts[5]
    if resource.startswith("*") or resource.startswith("?"):
        return True
    kind, sep, rest = resource.partition("/")
    return not sep or rest.strip("*?") == "" or has_wildcard(kind)


GLOBAL_PROFILE_PATTERN = "arn:*:bedrock:*:*:inference-profile/global.*"


def reaches_global_profile(pattern: str) -> bool:
    """Whether an IAM ``Resource`` pattern matches some ``global.`` inference profile."""
    return arns_intersect(pattern, GLOBAL_PROFILE_PATTERN)

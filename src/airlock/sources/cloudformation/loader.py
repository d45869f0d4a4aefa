"""Template → Inventory: resolve, map each resource, add what AWS adds, join, report gaps."""

from __future__ import annotations

import re
from collections.abc import Mapping

from airlock.errors import InputError, UsageError
from airlock.inventory.model import (
    CONDITIONAL_GAP,
    CoverageGap,
    Inventory,
    SourceInfo,
    SourceKind,
    Unresolved,
)
from airlock.sources.cloudformation.context import MapContext
from airlock.sources.cloudformation.document import read_document
from airlock.sources.cloudformation.fields import RelationIndex
from airlock.sources.cloudformation.functions import FUNCTIONS
from airlock.sources.cloudformation.implicit import add_implicit, add_local_routes
from airlock.sources.cloudformation.mapping import MAPPERS
from airlock.sources.cloudformation.mapping.bedrock import invocation_logging
from airlock.sources.cloudformation.mapping.identity import organization_policy
from airlock.sources.cloudformation.resolver import Resolver
from airlock.sources.cloudformation.sam import with_implicit_roles
from airlock.sources.cloudformation.template import (
    LANGUAGE_EXTENSIONS,
    SAM_TRANSFORM,
    Template,
    build_template,
)

_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]+")
_ACCOUNT = re.compile(r"[0-9]{12}")
#: Types outside these families cannot change whether a Bedrock deployment is private.
RELEVANT_PREFIXES = (
    "AWS::EC2::",
    "AWS::IAM::",
    "AWS::SSO::",
    "AWS::KMS::",
    "AWS::S3::",
    "AWS::S3Express::",
    "AWS::S3Vectors::",
    "AWS::Bedrock::",
    "AWS::BedrockAgentCore::",
    "AWS::Route53Resolver::",
    "AWS::Route53::",
    "AWS::SecretsManager::",
    "AWS::Logs::",
    "AWS::CloudTrail::",
    "AWS::CloudWatch::",
    "AWS::Organizations::",
    "AWS::OpenSearchServerless::",
    "AWS::OpenSearchService::",
    "AWS::Lambda::",
    "AWS::Serverless::",
    "AWS::ECS::",
    "AWS::EKS::",
    "AWS::SageMaker::",
    "AWS::NetworkFirewall::",
    "AWS::RAM::",
    "AWS::DirectConnect::",
    "AWS::NetworkManager::",
    "AWS::CodeArtifact::",
    "AWS::ECR::",
    "AWS::CloudFormation::",
    "Custom::",
)
REGION_REASON = "AWS::Region is chosen at deploy time (--region pins it)"
ACCOUNT_REASON = "AWS::AccountId is the account the stack is deployed to (--account pins it)"


def is_custom(resource_type: str) -> bool:
    return resource_type.startswith("Custom::") or (
        resource_type == "AWS::CloudFormation::CustomResource"
    )


def load_template(
    path: str,
    parameters: Mapping[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
) -> Inventory:
    overrides = dict(parameters or {})
    region = region or overrides.get("AWS::Region")
    account = account or overrides.get("AWS::AccountId")
    _check_pins(region, account)
    pins = {"AWS::Region": region, "AWS::AccountId": account}
    values = {**overrides, **{name: value for name, value in pins.items() if value is not None}}
    template = with_implicit_roles(build_template(read_document(path), path, values))
    _check_overrides(template, overrides)
    resolver = Resolver(template, overrides, region, account, FUNCTIONS)
    try:
        return _assemble(template, resolver)
    except RecursionError:
        raise InputError(path, "references are nested too deeply to resolve") from None


def _check_pins(region: str | None, account: str | None) -> None:
    if region is not None and not _REGION.fullmatch(region):
        raise UsageError(f"'{region}' is not an AWS region name")
    if account is not None and not _ACCOUNT.fullmatch(account):
        raise UsageError(f"'{account}' is not a 12-digit AWS account id")


def _check_overrides(template: Template, overrides: Mapping[str, str]) -> None:
    unknown = sorted(
        name
        for name in overrides
        if name not in template.parameters and not name.startswith("AWS::")
    )
    if unknown:
        raise UsageError(f"{template.path} declares no parameter named {', '.join(unknown)}")
    for name, value in overrides.items():
        declared = template.parameters.get(name)
        if not isinstance(declared, Mapping) or not isinstance(declared.get("AllowedValues"), list):
            continue
        allowed = declared["AllowedValues"]
        listed = str(declared.get("Type", "")).startswith(("List<", "CommaDelimitedList"))
        items = [v.strip() for v in value.split(",")] if listed else [value]
        # YAML reads `true` and `5` as a boolean and a number; CloudFormation compares text
        choices = [str(a).lower() if isinstance(a, bool) else str(a) for a in allowed]
        rejected = [item for item in items if item not in choices]
        if rejected:
            # CloudFormation refuses the stack: judging it would judge a deployment that
            # cannot exist (a mistyped environment name would read as a clean one)
            raise UsageError(
                f"parameter {name}: {rejected[0]!r} is not one of its AllowedValues "
                f"({', '.join(choices)})"
            )


def _exclude(template: Template, resolver: Resolver) -> list[CoverageGap]:
    gaps: list[CoverageGap] = []
    for declaration in template.resources:
        if declaration.condition is None:
            continue
        decision = resolver.condition(declaration.condition)
        if decision is False:
            resolver.excluded[declaration.logical_id] = (
                f"not created: its condition {declaration.condition} is false"
            )
        elif isinstance(decision, Unresolved) and _judged(declaration.type):
            gaps.append(
                CoverageGap(
                    scope=declaration.logical_id,
                    reason=f"judged as if created, but it {CONDITIONAL_GAP} "
                    f"{declaration.condition} holds ({decision.reason})",
                    resource_id=declaration.logical_id,
                )
            )
    return gaps


def _judged(kind: str) -> bool:
    """Whether a resource of this type can weigh on a finding (AWS::CDK::Metadata cannot)."""
    return kind in MAPPERS or is_custom(kind) or kind.startswith(RELEVANT_PREFIXES)


def _index(template: Template, resolver: Resolver) -> RelationIndex:
    index = RelationIndex()
    for declaration in template.resources:
        logical_id = declaration.logical_id
        if logical_id in resolver.excluded:
            continue
        kind = declaration.type
        index.add(resolver.ref_text(logical_id), logical_id, kind)
        index.add(resolver.physical_id(logical_id), logical_id, kind)
        index.add(resolver.name_text(logical_id), logical_id, kind)
        arn = resolver.arn_text(logical_id)
        if arn is not None:
            index.add(arn, logical_id, kind)
            if arn.endswith(":*"):
                index.add(arn[:-2], logical_id, kind)
    return index


def _assemble(template: Template, resolver: Resolver) -> Inventory:
    gaps = _exclude(template, resolver)
    region = resolver.region or Unresolved(REGION_REASON)
    account = resolver.account or Unresolved(ACCOUNT_REASON)
    ctx = MapContext(resolver, _index(template, resolver), region, account)
    unmodelled: dict[str, list[str]] = {}
    for declaration in template.resources:
        if declaration.logical_id in resolver.excluded:
            continue
        props = ctx.props(declaration)
        kind = declaration.type
        mapper = MAPPERS.get(kind)
        if mapper is not None:
            mapper(declaration, props, ctx)
        elif (is_custom(kind) and invocation_logging(declaration, props, ctx)) or (
            kind == "AWS::Organizations::Policy" and organization_policy(declaration, props, ctx)
        ):
            pass
        elif kind.startswith(RELEVANT_PREFIXES):
            unmodelled.setdefault(kind, []).append(declaration.logical_id)
            if kind == "AWS::CloudFormation::Stack":
                ctx.gap(
                    declaration.logical_id,
                    "nested stack: Airlock does not follow TemplateURL, so the resources it "
                    "creates are not seen (scan the nested template too)",
                    declaration.logical_id,
                )
    add_implicit(ctx.resources, ctx.joins)
    gaps += ctx.joins.apply(ctx.resources)
    add_local_routes(ctx.resources)
    gaps += ctx.gaps
    gaps += _template_gaps(template, unmodelled)
    source = SourceInfo(
        kind=SourceKind.CLOUDFORMATION, path=template.path, account=account, region=region
    )
    return Inventory(source, list(ctx.resources.values()), gaps)


def _template_gaps(template: Template, unmodelled: Mapping[str, list[str]]) -> list[CoverageGap]:
    gaps: list[CoverageGap] = []
    if unmodelled:
        listed = "; ".join(
            f"{kind} ({', '.join(ids[:5])}{', ...' if len(ids) > 5 else ''})"
            for kind, ids in sorted(unmodelled.items())
        )
        gaps.append(
            CoverageGap(
                scope="unmodelled-types",
                reason=f"Airlock does not model these resource types, which could affect the "
                f"deployment's privacy: {listed}",
            )
        )
    for transform in template.transforms:
        if transform not in (SAM_TRANSFORM, LANGUAGE_EXTENSIONS):
            gaps.append(
                CoverageGap(
                    scope="transform",
                    reason=f"the template uses the transform {transform}; what it generates at "
                    "deploy time is not seen",
                )
            )
    for loop in template.loops:
        if loop.resource is not None:
            gaps.append(
                CoverageGap(
                    scope=loop.resource,
                    reason=f"judged without the properties {loop.loop} generates, which is not "
                    f"expanded: {loop.reason}",
                    resource_id=loop.resource,
                )
            )
        else:
            made = "resources" if loop.section == "Resources" else "conditions"
            gaps.append(
                CoverageGap(
                    scope="transform",
                    reason=f"{loop.loop} is not expanded, so the {made} it declares are not "
                    f"seen: {loop.reason}",
                )
            )
    return gaps

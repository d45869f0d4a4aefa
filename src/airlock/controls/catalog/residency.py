"""Residency layer: resources, keys and inference destinations inside the allowed regions.

Every control is NOT_APPLICABLE when no residency constraint was asked for
(``Settings.allowed_regions`` is None).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from msgspec import Struct

from airlock.analysis.residency import TABLE_DATE, destinations_of
from airlock.controls.coverage import complete_view
from airlock.controls.invocation import ANY_BEDROCK
from airlock.controls.model import (
    Control,
    ControlFactory,
    Layer,
    ScanContext,
    Severity,
    Status,
    Subject,
    Verdict,
    failed,
    not_applicable,
    passed,
    unknown,
)
from airlock.controls.models import ModelKind, ModelRef, parse_model_ref
from airlock.controls.regions import is_global, region_of
from airlock.controls.statements import Statement, has_wildcard, parse_policy
from airlock.inventory.bedrock import (
    Agent,
    CustomModel,
    Guardrail,
    InferenceProfile,
    KnowledgeBase,
    Prompt,
)
from airlock.inventory.encryption import KmsKey, KmsReplicaKey
from airlock.inventory.identity import Group, ManagedPolicy, Role, User
from airlock.inventory.model import Inventory, PolicyValue, Resource, Unresolved, Val
from airlock.obligations.model import Topic

Check = Callable[[ScanContext], Iterator[Verdict]]


def _constrained(check: Callable[[ScanContext, frozenset[str]], Iterator[Verdict]]) -> Check:
    def run(ctx: ScanContext) -> Iterator[Verdict]:
        allowed = ctx.settings.allowed_regions
        if allowed is None:
            yield not_applicable(ctx.account_ref(), "No residency constraint was asked for.")
            return
        yield from check(ctx, allowed)

    return run


# --- AL-RES-001 ------------------------------------------------------------------------


def _resources(ctx: ScanContext, allowed: frozenset[str]) -> Iterator[Verdict]:
    """Resources with their own region outside the set fail one by one; everything else is
    summed up in one account-level verdict (a template's deploy-time region is one fact)."""
    inventory = ctx.inventory
    inside: Counter[str] = Counter()
    unknown_ids: list[str] = []
    outside_source = 0
    source = inventory.source.region
    for resource in inventory:
        if is_global(resource) or isinstance(resource, KmsKey | KmsReplicaKey):
            continue
        region, from_source = region_of(inventory, resource)
        if region is None:
            unknown_ids.append(resource.id)
        elif region not in allowed and not from_source:
            yield failed(
                resource,
                f"{resource.id} is in {region}, outside the allowed regions.",
                region=region,
                allowed=sorted(allowed),
            )
        elif region not in allowed:
            outside_source += 1
        else:
            inside[region] += 1
    evidence: dict[str, Any] = {
        "allowed": sorted(allowed),
        "regions": dict(inside),
        "unknown_region": unknown_ids[:20],
        "unknown_count": len(unknown_ids),
    }
    if outside_source:
        yield failed(
            ctx.account_ref(),
            f"The inventory deploys {outside_source} resources to {source}, outside the allowed regions.",
            **evidence,
        )
    elif unknown_ids:
        why = source.reason if isinstance(source, Unresolved) else "no region is recorded"
        yield unknown(
            ctx.account_ref(),
            f"The region of {len(unknown_ids)} resources is not known: {why}.",
            **evidence,
        )
    else:
        yield passed(
            ctx.account_ref(), "Every regional resource is inside the allowed regions.", **evidence
        )


# --- AL-RES-002 ------------------------------------------------------------------------


def _keys(ctx: ScanContext, allowed: frozenset[str]) -> Iterator[Verdict]:
    inventory = ctx.inventory
    keys: list[KmsKey | KmsReplicaKey] = [*inventory.of(KmsKey), *inventory.of(KmsReplicaKey)]
    for key in keys:
        region, _ = region_of(inventory, key)
        evidence = {"region": region, "allowed": sorted(allowed)}
        if region is None:
            yield unknown(key, f"The region of key {key.id} is not known.", **evidence)
        elif region not in allowed:
            kind = "replica key" if isinstance(key, KmsReplicaKey) else "key"
            yield failed(
                key, f"The {kind} {key.id} is in {region}, outside the allowed regions.", **evidence
            )
        elif isinstance(key, KmsKey) and isinstance(key.multi_region, Unresolved):
            yield unknown(key, f"Whether key {key.id} is multi-region is unresolved.", **evidence)
        elif isinstance(key, KmsKey) and key.multi_region and not complete_view(inventory):
            replicas = [r.id for r in inventory.of(KmsReplicaKey) if _replica_of(inventory, r, key)]
            yield unknown(
                key,
                f"Key {key.id} is multi-region: replicas outside this inventory may exist in any region.",
                replicas_here=replicas,
                **evidence,
            )
        else:
            yield passed(
                key, f"Key {key.id} is in {region}, inside the allowed regions.", **evidence
            )


def _replica_of(inventory: Inventory, replica: KmsReplicaKey, key: KmsKey) -> bool:
    primary = replica.primary_key
    return isinstance(primary, str) and inventory.find(primary, KmsKey) is key


# --- AL-RES-003 ------------------------------------------------------------------------


class Route(Struct, frozen=True):
    reference: str
    status: Status
    detail: str

    def shown(self) -> dict[str, str]:
        return {"reference": self.reference, "status": self.status.value, "detail": self.detail}


def judge_reference(
    inventory: Inventory,
    ref: ModelRef,
    holder_region: str | None,
    allowed: frozenset[str],
    depth: int = 0,
) -> Route:
    """Where a model reference may process data, against the allowed regions."""
    if ref.kind in (ModelKind.SYSTEM_PROFILE, ModelKind.GUARDRAIL_PROFILE):
        if ref.geo is None:
            return Route(ref.raw, Status.UNKNOWN, "the profile's geography is not known")
        source = ref.region if ref.region and not has_wildcard(ref.region) else holder_region
        dests = destinations_of(ref.geo, source, ref.model_id)
        outside = dests.outside(allowed)
        if outside is None:
            return Route(ref.raw, Status.FAIL, f"{dests.why} (a {ref.geo}. profile)")
        if not dests.known:
            return Route(ref.raw, Status.UNKNOWN, dests.why)
        listed = ", ".join(sorted(outside))
        if outside and dests.surely_outside(allowed):
            return Route(ref.raw, Status.FAIL, f"may process in {listed}")
        if outside:
            # The geography's regions stand in for the profile's own, which may leave them out.
            return Route(
                ref.raw,
                Status.UNKNOWN,
                f"the {ref.geo}. profile may route to {listed} per its geography; its per-model destinations are not known to Airlock",
            )
        return Route(ref.raw, Status.PASS, f"{ref.geo}. destinations are all allowed")
    if ref.kind is ModelKind.APPLICATION_PROFILE:
        return _application_profile(inventory, ref, holder_region, allowed, depth)
    region = ref.region
    if region == "" and ref.kind is ModelKind.FOUNDATION_MODEL:
        return Route(
            ref.raw,
            Status.FAIL,
            "is the global cross-region route (a foundation-model ARN without a region)",
        )
    if region is None or region == "":
        region = holder_region
    if region is None:
        return Route(ref.raw, Status.UNKNOWN, "the region of the call is not known")
    if has_wildcard(region):
        return Route(
            ref.raw,
            Status.UNKNOWN,
            f"the region pattern {region!r} does not fix where the model runs",
        )
    if region not in allowed:
        return Route(ref.raw, Status.FAIL, f"runs in {region}")
    return Route(ref.raw, Status.PASS, f"runs in {region}")


def _application_profile(
    inventory: Inventory,
    ref: ModelRef,
    holder_region: str | None,
    allowed: frozenset[str],
    depth: int,
) -> Route:
    if ref.region and not has_wildcard(ref.region) and ref.region not in allowed:
        return Route(ref.raw, Status.FAIL, f"is an application profile in {ref.region}")
    profile = inventory.find(ref.raw, InferenceProfile) or inventory.find(
        ref.model_id, InferenceProfile
    )
    if profile is None or depth > 2:
        return Route(
            ref.raw,
            Status.UNKNOWN,
            "the model the application profile copies is not in the inventory",
        )
    source = profile.model_source
    inner = parse_model_ref(source) if isinstance(source, str) else None
    if inner is None:
        return Route(ref.raw, Status.UNKNOWN, f"the source of profile {profile.id} is unresolved")
    route = judge_reference(inventory, inner, ref.region or holder_region, allowed, depth + 1)
    return Route(ref.raw, route.status, f"copies {inner.raw}, which {route.detail}")


def _policy_references(statements: list[Statement]) -> tuple[list[str], list[Statement]]:
    refs: list[str] = []
    unspecified: list[Statement] = []
    for stmt in statements:
        if not stmt.allows or stmt.covers_any(ANY_BEDROCK) is not True or stmt.not_resource:
            continue
        refs += [r for r in stmt.resources if r != "*"]
        for cond in stmt.conditions_on("aws:RequestedRegion"):
            if not cond.negated and "unspecified" in [v.lower() for v in cond.values]:
                unspecified.append(stmt)
    return refs, unspecified


def _statements(policies: list[PolicyValue]) -> list[Statement]:
    out: list[Statement] = []
    for document in policies:
        parsed = parse_policy(document)
        if parsed is not None and not isinstance(parsed, Unresolved):
            out += parsed.statements
    return out


def _holders(inventory: Inventory) -> Iterator[tuple[Resource, list[Val[str]], list[Statement]]]:
    for policy in inventory.of(ManagedPolicy):
        yield policy, [], _statements([policy.document])
    principals: list[Role | User | Group] = [
        *inventory.of(Role),
        *inventory.of(User),
        *inventory.of(Group),
    ]
    for principal in principals:
        yield principal, [], _statements([p.document for p in principal.inline_policies])
    for agent in inventory.of(Agent):
        yield agent, [agent.foundation_model] if agent.foundation_model is not None else [], []
    for kb in inventory.of(KnowledgeBase):
        yield kb, [kb.embedding_model] if kb.embedding_model is not None else [], []
    for profile in inventory.of(InferenceProfile):
        yield profile, [profile.model_source] if profile.model_source is not None else [], []
    for prompt in inventory.of(Prompt):
        yield prompt, list(prompt.models), []
    for model in inventory.of(CustomModel):
        yield model, [model.base_model] if model.base_model is not None else [], []
    for guardrail in inventory.of(Guardrail):
        profile_ref = guardrail.cross_region_profile
        yield guardrail, [profile_ref] if profile_ref is not None else [], []


def _routes(ctx: ScanContext, allowed: frozenset[str]) -> Iterator[Verdict]:
    inventory = ctx.inventory
    for holder, values, statements in _holders(inventory):
        policy_refs, unspecified = _policy_references(statements)
        routes: list[Route] = []
        region, _ = region_of(inventory, holder)
        for value in [*values, *policy_refs]:
            if isinstance(value, Unresolved):
                routes.append(
                    Route(
                        f"<unresolved: {value.reason}>",
                        Status.UNKNOWN,
                        "the model reference is unresolved",
                    )
                )
                continue
            ref = parse_model_ref(value)
            if ref is not None:
                routes.append(judge_reference(inventory, ref, region, allowed))
        for stmt in unspecified:
            routes.append(
                Route(
                    f"policy statement {stmt.index}",
                    Status.FAIL,
                    'allows aws:RequestedRegion "unspecified", the global cross-region route',
                )
            )
        if routes:
            yield _combine(holder, routes, allowed)


def _combine(subject: Subject, routes: list[Route], allowed: frozenset[str]) -> Verdict:
    evidence = {
        "routes": [r.shown() for r in routes],
        "allowed": sorted(allowed),
        "profile_table": TABLE_DATE.isoformat(),
    }
    name = subject.id
    bad = [r for r in routes if r.status is Status.FAIL]
    if bad:
        return failed(
            subject,
            f"In {name}, {bad[0].reference} {bad[0].detail}, outside the allowed regions.",
            **evidence,
        )
    doubtful = [r for r in routes if r.status is Status.UNKNOWN]
    if doubtful:
        return unknown(
            subject,
            f"Where {doubtful[0].reference} (in {name}) processes data is not known: {doubtful[0].detail}.",
            **evidence,
        )
    return passed(
        subject, f"Every model route of {name} stays inside the allowed regions.", **evidence
    )


_ctl = ControlFactory(Layer.RESIDENCY, (Topic.RESIDENCY,))


CONTROLS: tuple[Control, ...] = (
    _ctl(
        1,
        "Resources are in allowed regions",
        Severity.HIGH,
        "Where data is stored and processed is what cross-border transfer rules (NDPA, GDPR "
        "Chapter V) judge.",
        "Deploy every regional resource in a region of the regime's allowed set, and deny the "
        "others with an aws:RequestedRegion SCP.",
        _constrained(_resources),
    ),
    _ctl(
        2,
        "Keys and replicas are in allowed regions",
        Severity.HIGH,
        "A replica of a multi-region key in another region can decrypt data copied there; the "
        "key boundary is part of the residency argument.",
        "Keep keys single-region, or replicate them only into allowed regions (and deny "
        "kms:ReplicateKey to other regions).",
        _constrained(_keys),
    ),
    _ctl(
        3,
        "Inference stays in allowed regions",
        Severity.HIGH,
        "Cross-region inference profiles process prompts in other regions: global. routes "
        "anywhere, eu. can reach Zurich and London, apac. can reach the UAE.",
        "Use in-region foundation models or a geography whose every destination is allowed; "
        'remove global. profiles and aws:RequestedRegion "unspecified" grants.',
        _constrained(_routes),
    ),
)

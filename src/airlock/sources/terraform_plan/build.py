"""From an indexed plan to the inventory: build, adopt defaults, join, derive."""

from __future__ import annotations

from typing import Any

from airlock.inventory.model import Inventory, SourceInfo, SourceKind
from airlock.sources.terraform_plan.assembly import Assembly
from airlock.sources.terraform_plan.context import PlanContext
from airlock.sources.terraform_plan.defaults import add_implicit_routes, find_defaults, synthesize
from airlock.sources.terraform_plan.plan import index_plan
from airlock.sources.terraform_plan.registry import BUILDERS, JOINERS


def build_inventory(path: str, document: dict[str, Any], text: str = "") -> Inventory:
    """The inventory of a checked plan document (see :func:`reading.read_document`)."""
    plan = index_plan(path, document, text)
    ctx = PlanContext(plan)
    find_defaults(ctx)
    out = Assembly(ctx)
    for resource in plan.live():
        builder = BUILDERS.get(resource.type)
        if builder is not None:
            built = builder(ctx.view(resource), out)
            if built is not None:
                out.add_resource(built)
    synthesize(ctx, out)
    for resource in plan.resources.values():
        joiner = JOINERS.get(resource.type)
        if joiner is not None:
            joiner(ctx.view(resource), out)
    out.finish()
    add_implicit_routes(ctx, out)
    _plan_gaps(ctx, out)
    source = SourceInfo(
        kind=SourceKind.TERRAFORM_PLAN,
        path=path,
        account=ctx.providers.source_account,
        region=ctx.providers.source_region(),
    )
    return Inventory(source, list(out.resources.values()), out.gaps)


def _plan_gaps(ctx: PlanContext, out: Assembly) -> None:
    plan = ctx.plan
    if plan.errored:
        out.gap("plan", "Terraform reported errors while planning: the plan may be incomplete")
    if not plan.has_configuration:
        out.gap(
            "plan",
            "the plan has no configuration section: relations through values unknown until "
            "apply cannot be followed",
        )
    for address, rtype, reason in plan.deferred:
        out.gap(
            rtype or "plan", f"Terraform deferred {address} to a later plan ({reason})", address
        )

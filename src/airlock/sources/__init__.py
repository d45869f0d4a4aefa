"""Sources turn what the user points at into an :class:`~airlock.inventory.Inventory`.

Each source module exposes ``load(path: str) -> Inventory`` and raises
:class:`airlock.errors.InputError` (one line, naming the file and line) on bad input.
"""

from __future__ import annotations

from collections.abc import Mapping

from airlock.errors import UsageError
from airlock.inventory.model import Inventory, SourceKind


def load(
    kind: SourceKind,
    path: str,
    *,
    parameters: Mapping[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
) -> Inventory:
    """Load an inventory from an offline source file. A template's parameters, region and
    account are chosen at deploy time and may be pinned; a plan already has its values."""
    if kind is SourceKind.CLOUDFORMATION:
        from airlock.sources.cloudformation import load as load_cloudformation

        return load_cloudformation(path, parameters, region, account)
    if kind is SourceKind.TERRAFORM_PLAN:
        if parameters or region or account:
            raise UsageError(
                "--parameter, --region and --account pin a CloudFormation template's "
                "deploy-time values; a Terraform plan already carries them"
            )
        from airlock.sources.terraform_plan import load as load_plan

        return load_plan(path)
    raise ValueError(f"no offline loader for source {kind.value}")

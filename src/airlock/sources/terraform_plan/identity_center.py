"""IAM Identity Center permission sets (``aws_ssoadmin_permission_set``)."""

from __future__ import annotations

from airlock.inventory.identity import PermissionSet, duration_seconds
from airlock.inventory.model import Resource
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView


def permission_set(v: ResourceView, out: Assembly) -> Resource:
    # the provider fills in the AWS default PT1H when the argument is omitted; an empty
    # string is "not set" too
    duration = v.text("session_duration") or None
    return PermissionSet(
        **v.base(),
        name=v.text("name"),
        session_duration=duration_seconds(duration) if isinstance(duration, str) else duration,
    )


BUILDERS: Builders = {"aws_ssoadmin_permission_set": permission_set}

JOINERS: Joiners = {}

"""Which Terraform resource types become inventory resources, and which are folded in.

An explicit table, so that the supported types can be listed (and tested) in one place.
Types in neither table are not part of the air-gap question and are ignored.
"""

from __future__ import annotations

from airlock.sources.terraform_plan import (
    audit,
    bedrock,
    buckets,
    compute,
    dns,
    encryption,
    endpoints,
    firewalls,
    identity,
    identity_center,
    network,
    operations,
    routing,
)
from airlock.sources.terraform_plan.assembly import Builders, Joiners

_MODULES = (
    network,
    routing,
    endpoints,
    firewalls,
    compute,
    identity,
    identity_center,
    encryption,
    buckets,
    audit,
    bedrock,
    dns,
    operations,
)

BUILDERS: Builders = {t: b for m in _MODULES for t, b in m.BUILDERS.items()}
JOINERS: Joiners = {t: j for m in _MODULES for t, j in m.JOINERS.items()}

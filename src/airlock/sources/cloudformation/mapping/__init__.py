"""One module per service; each exposes ``MAPPERS``: CloudFormation type → mapper."""

from __future__ import annotations

from airlock.sources.cloudformation.context import Mapper
from airlock.sources.cloudformation.mapping import (
    audit,
    bedrock,
    compute,
    dns,
    encryption,
    firewall,
    identity,
    identity_center,
    network,
    operations,
    routing,
    storage,
)

MAPPERS: dict[str, Mapper] = {
    **network.MAPPERS,
    **routing.MAPPERS,
    **firewall.MAPPERS,
    **compute.MAPPERS,
    **dns.MAPPERS,
    **encryption.MAPPERS,
    **storage.MAPPERS,
    **identity.MAPPERS,
    **identity_center.MAPPERS,
    **audit.MAPPERS,
    **bedrock.MAPPERS,
    **operations.MAPPERS,
}

__all__ = ["MAPPERS"]

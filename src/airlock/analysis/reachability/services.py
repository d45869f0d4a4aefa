"""VPC endpoint service names: ``com.amazonaws.<region>.<service>``.

Templates often build the name with the region as a parameter or pseudo parameter, so the
region part may be anything; matching is on the service part after it.
"""

from __future__ import annotations

import re
from functools import lru_cache

from airlock.inventory.model import Val
from airlock.inventory.network import EndpointType, VpcEndpoint

_NAME = re.compile(r"^(?:[a-z0-9-]+\.)?com\.amazonaws\.[^.]+\.(?P<service>.+)$", re.IGNORECASE)


def service_of(name: Val[str]) -> str | None:
    """The service part of an endpoint service name (None: unresolved or not an AWS name)."""
    if not isinstance(name, str):
        return None
    return _service(name)


@lru_cache(maxsize=4096)
def _service(name: str) -> str | None:
    match = _NAME.match(name.strip())
    return match.group("service").lower() if match else None


def endpoint_service(endpoint: VpcEndpoint) -> str | None:
    return service_of(endpoint.service_name)


def is_bedrock(service: str | None) -> bool:
    return service is not None and (service == "bedrock" or service.startswith("bedrock-"))


def is_interface(endpoint: VpcEndpoint) -> bool:
    return endpoint.endpoint_type == EndpointType.INTERFACE


def is_gateway(endpoint: VpcEndpoint) -> bool:
    return endpoint.endpoint_type == EndpointType.GATEWAY


def same_service(service: str | None, wanted: str) -> bool:
    """``bedrock-runtime`` also matches its FIPS variant ``bedrock-runtime-fips``."""
    return service is not None and service in (wanted, f"{wanted}-fips")

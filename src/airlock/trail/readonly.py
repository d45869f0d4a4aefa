"""boto3 clients that can only read: any call other than Get/List/Head/Describe is refused.

The guard runs in botocore's ``before-call`` hook, so a refused operation never reaches the
network. The trail reader needs ``s3:ListBucket``, ``s3:GetObject`` and, for online key
retrieval, ``cloudtrail:ListPublicKeys``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from airlock.errors import TrailError

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client

READ_ONLY_PREFIXES = ("Get", "List", "Head", "Describe")


def refuse_writes(model: object, **_: object) -> None:
    """botocore ``before-call`` handler: raise unless the operation only reads."""
    name = str(getattr(model, "name", ""))
    if not name.startswith(READ_ONLY_PREFIXES):
        raise TrailError(f"refusing AWS operation {name}: the trail reader is read-only")


def _config() -> Any:
    from botocore.config import Config

    # Retries follow the user's AWS configuration (AWS_RETRY_MODE, AWS_MAX_ATTEMPTS).
    return Config(max_pool_connections=32, user_agent_extra="airlock-trail")


def s3_client(session: boto3.Session) -> S3Client:
    client = session.client("s3", config=_config())
    client.meta.events.register("before-call", refuse_writes)
    return client


class PublicKeyLister(Protocol):
    """The one CloudTrail call the verifier makes."""

    def list_public_keys(self, **kwargs: Any) -> dict[str, Any]: ...


def cloudtrail_client(session: boto3.Session, region: str) -> PublicKeyLister:
    client = session.client("cloudtrail", region_name=region, config=_config())
    client.meta.events.register("before-call", refuse_writes)
    lister: PublicKeyLister = client
    return lister


def client_error_text(exc: BaseException) -> str:
    """``Code Message`` of a botocore ClientError, or the exception text."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error", {})
        if isinstance(error, dict) and error.get("Code"):
            return f"{error.get('Code')} {error.get('Message', '')}".strip()
    return str(exc) or type(exc).__name__

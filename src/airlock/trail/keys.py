"""Public keys that verify digest signatures, matched by fingerprint.

CloudTrail names the signing key of each digest by ``digestPublicKeyFingerprint`` =
``md5(DER)`` of the key as ``ListPublicKeys`` returns it (PKCS#1 ``RSAPublicKey``, sometimes
X.509 ``SubjectPublicKeyInfo``). boto3 already base64-decodes ``Value``: do not decode twice.
A local PEM file matches under either DER encoding's fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from msgspec import Struct, field

from airlock.errors import InputError
from airlock.trail.readonly import client_error_text, cloudtrail_client

if TYPE_CHECKING:
    import boto3


class PublicKey(Struct, frozen=True):
    """An RSA public key and every fingerprint it is known by."""

    fingerprints: frozenset[str]
    key: rsa.RSAPublicKey
    source: str
    """The PEM file, or ``ListPublicKeys <region>``."""
    region: str | None = None
    """Region the key signs for (from ListPublicKeys); ``None`` for local keys."""
    valid_from: datetime | None = None
    valid_to: datetime | None = None


def fingerprints_of(key: rsa.RSAPublicKey) -> frozenset[str]:
    """md5 of the PKCS#1 and of the SubjectPublicKeyInfo DER encodings."""
    pkcs1 = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    spki = key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return frozenset({hashlib.md5(pkcs1).hexdigest(), hashlib.md5(spki).hexdigest()})


def load_pem_key(path: Path) -> PublicKey:
    """A PEM public key file (``BEGIN PUBLIC KEY`` or ``BEGIN RSA PUBLIC KEY``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(str(path), f"cannot read public key: {exc.strerror}") from exc
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise InputError(str(path), "not a PEM public key") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise InputError(str(path), "not an RSA public key (CloudTrail signs with RSA)")
    return PublicKey(fingerprints_of(key), key, str(path))


class KeyRing(Struct, frozen=True):
    """The keys available for verification, and the regions whose keys could not be had."""

    keys: tuple[PublicKey, ...] = ()
    unavailable: dict[str, str] = field(default_factory=dict)
    """Region → why its keys could not be retrieved (never treated as "no keys")."""

    def find(self, fingerprint: str, region: str) -> PublicKey | None:
        fingerprint = fingerprint.lower()
        for candidate in self.keys:
            if fingerprint in candidate.fingerprints and candidate.region in (None, region):
                return candidate
        return None

    def describe(self) -> list[dict[str, Any]]:
        """What each key is, for the report: its fingerprints, origin and validity."""
        return [
            {
                "fingerprints": sorted(k.fingerprints),
                "source": k.source,
                "region": k.region,
                "valid_from": k.valid_from.isoformat() if k.valid_from else None,
                "valid_to": k.valid_to.isoformat() if k.valid_to else None,
            }
            for k in self.keys
        ]


def local_key_ring(paths: Iterable[Path]) -> KeyRing:
    return KeyRing(tuple(load_pem_key(p) for p in paths))


def cloudtrail_key_ring(
    session: boto3.Session, regions: Iterable[str], start: datetime, end: datetime
) -> KeyRing:
    """Keys from ``ListPublicKeys`` per region, over ``[start, end + 2 h]`` as the AWS CLI does."""
    keys: list[PublicKey] = []
    unavailable: dict[str, str] = {}
    for region in sorted(set(regions)):
        try:
            keys.extend(_list_region(session, region, start, end + timedelta(hours=2)))
        except Exception as exc:  # botocore raises many unrelated types; all mean "unavailable"
            unavailable[region] = f"ListPublicKeys failed: {client_error_text(exc)}"
    return KeyRing(tuple(keys), unavailable)


def _list_region(
    session: boto3.Session, region: str, start: datetime, end: datetime
) -> list[PublicKey]:
    client = cloudtrail_client(session, region)
    found: list[PublicKey] = []
    token: str | None = None
    while True:
        kwargs: dict[str, Any] = {"StartTime": start, "EndTime": end}
        if token:
            kwargs["NextToken"] = token
        response = client.list_public_keys(**kwargs)
        for item in response.get("PublicKeyList", []):
            der = item["Value"]
            key = serialization.load_der_public_key(der)
            if not isinstance(key, rsa.RSAPublicKey):
                continue
            names = {hashlib.md5(der).hexdigest(), *fingerprints_of(key)}
            if item.get("Fingerprint"):
                names.add(str(item["Fingerprint"]).lower())
            found.append(
                PublicKey(
                    frozenset(names),
                    key,
                    f"ListPublicKeys {region}",
                    region=region,
                    valid_from=item.get("ValidityStartTime"),
                    valid_to=item.get("ValidityEndTime"),
                )
            )
        token = response.get("NextToken")
        if not token:
            return found

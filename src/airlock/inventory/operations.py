"""Artefact mirrors: what lets an air-gapped VPC install software without the internet."""

from __future__ import annotations

from airlock.inventory.model import Resource, Val


class CodeArtifactRepository(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    domain: Val[str] | None = None
    external_connections: tuple[Val[str], ...] = ()


class EcrRepository(Resource, frozen=True, kw_only=True):
    name: Val[str] | None = None
    kms_key: Val[str] | None = None
    encryption_type: Val[str] | None = None  # AES256 | KMS

"""Artefact mirrors: CodeArtifact repositories and ECR repositories."""

from __future__ import annotations

from airlock.inventory.model import Resource
from airlock.inventory.operations import CodeArtifactRepository, EcrRepository
from airlock.sources.terraform_plan import families as F
from airlock.sources.terraform_plan.assembly import Assembly, Builders, Joiners
from airlock.sources.terraform_plan.view import ResourceView


def codeartifact_repository(v: ResourceView, out: Assembly) -> Resource:
    connections = tuple(
        name
        for block in v.blocks("external_connections")
        if (name := block.text("external_connection_name")) is not None
    )
    return CodeArtifactRepository(
        **v.base(),
        name=v.text("repository"),
        domain=v.text("domain"),
        external_connections=connections,
    )


def ecr_repository(v: ResourceView, out: Assembly) -> Resource:
    encryption = v.at("encryption_configuration", 0)
    return EcrRepository(
        **v.base(),
        name=v.text("name"),
        kms_key=encryption.ref("kms_key", family=F.KMS_KEY) or None,
        encryption_type=encryption.text("encryption_type"),
    )


BUILDERS: Builders = {
    "aws_codeartifact_repository": codeartifact_repository,
    "aws_ecr_repository": ecr_repository,
}

JOINERS: Joiners = {}

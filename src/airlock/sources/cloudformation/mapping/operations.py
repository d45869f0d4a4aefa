"""Artefact mirrors: CodeArtifact and ECR repositories."""

from __future__ import annotations

from airlock.inventory.operations import CodeArtifactRepository, EcrRepository
from airlock.sources.cloudformation.context import MapContext, Mapper
from airlock.sources.cloudformation.fields import Props
from airlock.sources.cloudformation.template import Declaration


def _codeartifact(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        CodeArtifactRepository(
            **ctx.common(d, p),
            name=p.text("RepositoryName"),
            domain=p.text("DomainName"),
            external_connections=p.texts("ExternalConnections"),
        )
    )


def _ecr(d: Declaration, p: Props, ctx: MapContext) -> None:
    ctx.add(
        EcrRepository(
            **ctx.common(d, p),
            name=p.text("RepositoryName"),
            kms_key=p.rel("EncryptionConfiguration", "KmsKey"),
            encryption_type=p.text("EncryptionConfiguration", "EncryptionType"),
        )
    )


MAPPERS: dict[str, Mapper] = {
    "AWS::CodeArtifact::Repository": _codeartifact,
    "AWS::ECR::Repository": _ecr,
}

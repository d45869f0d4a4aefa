"""Where a trail is read from: a local folder in the bucket's key layout, or S3 (read-only).

Both sources answer the same three questions: which objects exist, what bytes an object
holds, and what S3 user metadata it carries. A local folder answers the last from the
``<file>.metadata.json`` sidecar that ``airlock trail fetch`` writes; when the sidecar is
absent the metadata is *unknown* (``None``), never empty.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from msgspec import Struct

from airlock.errors import InputError, TrailError
from airlock.trail.layout import (
    FETCH_MANIFEST,
    S3Location,
    is_s3_uri,
    is_sidecar,
    parse_s3_uri,
    sidecar_name,
)
from airlock.trail.readonly import client_error_text, s3_client

if TYPE_CHECKING:
    import boto3
    from mypy_boto3_s3 import S3Client


class ListedObject(Struct, frozen=True):
    """One object as listed: its key and size (and ETag in S3)."""

    key: str
    size: int
    etag: str = ""


class ObjectContent(Struct, frozen=True):
    """The bytes of one object and its S3 user metadata (``None`` when unknown)."""

    key: str
    data: bytes
    metadata: Mapping[str, str] | None


class ObjectMissing(TrailError):
    """An object that was expected (listed or referenced) is not there."""

    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"{key}: not found")


class TrailSource(Protocol):
    """A trail to read: local folder or S3 prefix."""

    @property
    def description(self) -> str:
        """The path or URI, for messages and reports."""
        ...

    @property
    def bucket(self) -> str | None:
        """The bucket the keys belong to, when known (used for the digest location check)."""
        ...

    @property
    def workers(self) -> int:
        """How many objects to read at once."""
        ...

    def list(self) -> list[ListedObject]:
        """Every object of the trail (sidecars excluded), sorted by key."""
        ...

    def read(self, key: str, *, with_metadata: bool = False) -> ObjectContent:
        """The object's bytes, and its user metadata when asked; raises ``ObjectMissing``."""
        ...


class LocalSource:
    """A folder whose relative paths are the bucket's keys (as written by ``trail fetch``)."""

    def __init__(self, root: Path) -> None:
        if not root.is_dir():
            raise InputError(
                str(root), "not a folder (expected a trail folder or s3://bucket/prefix)"
            )
        self.root = root
        self._bucket = _manifest_bucket(root)

    @property
    def description(self) -> str:
        return str(self.root)

    @property
    def bucket(self) -> str | None:
        return self._bucket

    @property
    def workers(self) -> int:
        return max(2, os.cpu_count() or 2)

    def list(self) -> list[ListedObject]:
        found: list[ListedObject] = []
        root = str(self.root)
        for folder, _dirs, files in os.walk(root):
            rel_folder = os.path.relpath(folder, root)
            for name in files:
                if is_sidecar(name) or (rel_folder == "." and name == FETCH_MANIFEST):
                    continue
                rel = name if rel_folder == "." else f"{rel_folder}/{name}"
                key = rel.replace(os.sep, "/")
                try:
                    size = os.stat(os.path.join(folder, name)).st_size
                except OSError as exc:
                    raise InputError(
                        os.path.join(folder, name), f"cannot read: {exc.strerror}"
                    ) from exc
                found.append(ListedObject(key, size))
        found.sort(key=lambda o: o.key)
        return found

    def path_of(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def read(self, key: str, *, with_metadata: bool = False) -> ObjectContent:
        path = self.path_of(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise ObjectMissing(key) from exc
        except OSError as exc:
            raise InputError(str(path), f"cannot read: {exc.strerror}") from exc
        metadata = read_sidecar(path) if with_metadata else None
        return ObjectContent(key, data, metadata)


def read_sidecar(path: Path) -> dict[str, str] | None:
    """The metadata map in ``<path>.metadata.json``; ``None`` when there is no sidecar."""
    sidecar = path.with_name(sidecar_name(path.name))
    try:
        text = sidecar.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(str(sidecar), f"cannot read: {exc.strerror}") from exc
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(sidecar), f"not JSON: {exc.msg}", line=exc.lineno) from exc
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise InputError(
            str(sidecar), "expected a JSON object of string values (the S3 Metadata map)"
        )
    return dict(value)


def _manifest_bucket(root: Path) -> str | None:
    manifest = root / FETCH_MANIFEST
    try:
        value = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(str(manifest), f"unreadable fetch manifest: {exc}") from exc
    bucket = value.get("bucket") if isinstance(value, dict) else None
    return bucket if isinstance(bucket, str) else None


class S3Source:
    """A trail under ``s3://bucket/prefix``, read with GetObject/ListObjectsV2 only."""

    def __init__(self, location: S3Location, session: boto3.Session | None = None) -> None:
        import boto3

        self.location = location
        self._session = session or boto3.Session()
        self._client: S3Client = s3_client(self._session)

    @property
    def session(self) -> boto3.Session:
        return self._session

    @property
    def description(self) -> str:
        return self.location.uri

    @property
    def bucket(self) -> str | None:
        return self.location.bucket

    @property
    def workers(self) -> int:
        return 16

    def list(self) -> list[ListedObject]:
        from botocore.exceptions import BotoCoreError, ClientError

        found: list[ListedObject] = []
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(
                Bucket=self.location.bucket, Prefix=self.location.prefix
            ):
                for item in page.get("Contents", []):
                    key = item["Key"]
                    if key.endswith("/") or is_sidecar(key):
                        continue
                    found.append(ListedObject(key, item.get("Size", 0), item.get("ETag", "")))
        except ClientError as exc:
            raise TrailError(f"{self.location.uri}: cannot list: {client_error_text(exc)}") from exc
        except BotoCoreError as exc:
            raise TrailError(f"{self.location.uri}: cannot list: {exc}") from exc
        found.sort(key=lambda o: o.key)
        return found

    def read(self, key: str, *, with_metadata: bool = False) -> ObjectContent:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.get_object(Bucket=self.location.bucket, Key=key)
            data = response["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise ObjectMissing(key) from exc
            raise TrailError(
                f"s3://{self.location.bucket}/{key}: {client_error_text(exc)}"
            ) from exc
        except BotoCoreError as exc:
            raise TrailError(f"s3://{self.location.bucket}/{key}: {exc}") from exc
        metadata = dict(response.get("Metadata", {})) if with_metadata else None
        return ObjectContent(key, data, metadata)

    def get_object(self, key: str) -> tuple[bytes, dict[str, str], str, str]:
        """Bytes, user metadata, ETag and VersionId of one object (for ``trail fetch``)."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.get_object(Bucket=self.location.bucket, Key=key)
            data = response["Body"].read()
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise ObjectMissing(key) from exc
            raise TrailError(
                f"s3://{self.location.bucket}/{key}: {client_error_text(exc)}"
            ) from exc
        except BotoCoreError as exc:
            raise TrailError(f"s3://{self.location.bucket}/{key}: {exc}") from exc
        return (
            data,
            dict(response.get("Metadata", {})),
            response.get("ETag", ""),
            response.get("VersionId", "") or "",
        )


def open_source(where: str, session: boto3.Session | None = None) -> LocalSource | S3Source:
    """A local folder path or an ``s3://bucket/prefix`` URI."""
    if is_s3_uri(where):
        return S3Source(parse_s3_uri(where), session)
    return LocalSource(Path(where))


T = TypeVar("T")
R = TypeVar("R")


def parallel_map(workers: int, fn: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """``map`` over a thread pool, results in input order; zlib and hashlib release the GIL."""
    materialised = list(items)
    if workers <= 1 or len(materialised) <= 1:
        yield from map(fn, materialised)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        yield from pool.map(fn, materialised)

"""Generated trails for the trail tests: generated once per session, copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import msgspec.structs
import pytest

from airlock.trail.keys import KeyRing, PublicKey, fingerprints_of
from airlock.trail.synthetic import GeneratedTrail, SigningKey, TrailSpec, write_trail

SPEC = TrailSpec(hours=4, files_per_hour=3, records_per_file=40, services=2)


@pytest.fixture(scope="session")
def signing_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def attacker_key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture(scope="session")
def key_ring(signing_key: SigningKey) -> KeyRing:
    public = signing_key.private_key.public_key()
    return KeyRing((PublicKey(fingerprints_of(public), public, "test"),))


@pytest.fixture(scope="session")
def public_key_pem(signing_key: SigningKey, tmp_path_factory: pytest.TempPathFactory) -> Path:
    pem = tmp_path_factory.mktemp("keys") / "cloudtrail-test.pem"
    pem.write_bytes(signing_key.public_pem())
    return pem


@pytest.fixture(scope="session")
def pristine(signing_key: SigningKey, tmp_path_factory: pytest.TempPathFactory) -> GeneratedTrail:
    return write_trail(SPEC, tmp_path_factory.mktemp("pristine") / "bucket", signing_key)


def copy_of(trail: GeneratedTrail, target: Path) -> GeneratedTrail:
    shutil.copytree(trail.root, target)
    return msgspec.structs.replace(trail, root=target)


@pytest.fixture
def trail(pristine: GeneratedTrail, tmp_path: Path) -> GeneratedTrail:
    """A private copy of the pristine trail, free to tamper with."""
    return copy_of(pristine, tmp_path / "bucket")


@pytest.fixture
def make_trail(signing_key: SigningKey, tmp_path: Path) -> Callable[..., GeneratedTrail]:
    """Generate a trail with spec overrides, e.g. ``make_trail(stopped_hours=(2,))``."""
    counter = iter(range(1000))

    def make(**overrides: object) -> GeneratedTrail:
        spec = msgspec.structs.replace(SPEC, **overrides)  # type: ignore[arg-type]
        return write_trail(spec, tmp_path / f"generated-{next(counter)}", signing_key)

    return make

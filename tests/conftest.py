"""Shared fixtures.

``moto_server``: one moto ``ThreadedMotoServer`` per test session on 127.0.0.1 (a free port),
with the environment pointing every boto3 client at it (``AWS_ENDPOINT_URL``) and fake
credentials, so code under test runs unchanged over real HTTP and can never reach AWS.
``aws``: a boto3 session on that server, with moto's state reset before the test.

Use ``aws`` in tests; use ``moto_server`` directly for the endpoint or an explicit reset.
"""

from __future__ import annotations

import logging
import os
import socket
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

_LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class MotoServer:
    """A running moto server; all state lives in this test process."""

    endpoint: str
    region: str = "us-east-1"

    def reset(self) -> None:
        """Forget every resource in every account and region."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST", data=b"")
        with opener.open(request, timeout=10) as response:
            if response.status != 200:
                raise RuntimeError(f"moto reset failed: HTTP {response.status}")

    def session(self, region: str | None = None) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            aws_session_token="testing",
            region_name=region or self.region,
        )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((_LOOPBACK, 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MotoServer]:
    empty: Path = tmp_path_factory.mktemp("aws-config") / "none"
    patch = pytest.MonkeyPatch()
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CA_BUNDLE",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
    ):
        patch.delenv(name, raising=False)
    settings = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(empty),
        "AWS_SHARED_CREDENTIALS_FILE": str(empty),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_RETRY_MODE": "standard",
        "AWS_MAX_ATTEMPTS": "1",
        "MOTO_EC2_LOAD_DEFAULT_AMIS": "false",
        "NO_PROXY": f"{_LOOPBACK},localhost",
        "no_proxy": f"{_LOOPBACK},localhost",
    }
    for name, value in settings.items():
        patch.setenv(name, value)

    from moto.server import ThreadedMotoServer  # import after the environment is set

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address=_LOOPBACK, port=_free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == _LOOPBACK, host
    endpoint = f"http://{_LOOPBACK}:{port}"
    patch.setenv("AWS_ENDPOINT_URL", endpoint)
    try:
        yield MotoServer(endpoint)
    finally:
        server.stop()
        patch.undo()


@pytest.fixture
def aws(moto_server: MotoServer) -> boto3.Session:
    """A boto3 session on a freshly reset moto server."""
    moto_server.reset()
    assert os.environ["AWS_ENDPOINT_URL"] == moto_server.endpoint
    return moto_server.session()

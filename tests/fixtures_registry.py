"""Pytest fixtures for OCI tests: a plain loopback registry and one behind TLS and basic auth."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from tests.gitservers import TLSFiles
from tests.registries import USERNAME, Registry, serve_registry
from tests.tokenserver import ISSUER, SERVICE, TokenServer, serve_tokens


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry on loopback over plain HTTP that takes anonymous pushes and pulls."""
    with serve_registry(tmp_path_factory.mktemp("registry")) as running:
        yield running


@pytest.fixture(scope="session")
def auth_registry(tmp_path_factory: pytest.TempPathFactory, tls_files: TLSFiles) -> Iterator[Registry]:
    """A registry on loopback over HTTPS (the session CA) that wants basic auth for everything."""
    with serve_registry(tmp_path_factory.mktemp("auth-registry"), tls=tls_files, authenticated=True) as running:
        yield running


@pytest.fixture(scope="session")
async def token_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TokenServer]:
    """A Docker token server on loopback giving `USERNAME` (with its password) bearer tokens."""
    async with serve_tokens(tmp_path_factory.mktemp("token-server"), USERNAME) as server:
        yield server


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory, token_server: TokenServer) -> Iterator[Registry]:
    """A plain-HTTP registry that wants bearer tokens from `token_server` (the Docker Hub and GHCR scheme)."""
    token = {
        "realm": token_server.realm,
        "service": SERVICE,
        "issuer": ISSUER,
        "rootcertbundle": str(token_server.bundle),
    }
    with serve_registry(tmp_path_factory.mktemp("token-registry"), token=token) as running:
        yield Registry(host=running.host, tls=False, username=token_server.username, password=token_server.password)


@pytest.fixture
def registry_repository(request: pytest.FixtureRequest) -> str:
    """A repository path no other test uses: the test's own name, cleaned for OCI."""
    name = "".join(char if char.isalnum() else "-" for char in request.node.name.lower()).strip("-")
    return f"tests/{name[:100]}"

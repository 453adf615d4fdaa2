"""Pytest fixtures for OCI tests: a plain loopback registry and one behind TLS and basic auth."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.gitservers import TLSFiles
from tests.registries import Registry, serve_registry


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


@pytest.fixture
def registry_repository(request: pytest.FixtureRequest) -> str:
    """A repository path no other test uses: the test's own name, cleaned for OCI."""
    name = "".join(char if char.isalnum() else "-" for char in request.node.name.lower()).strip("-")
    return f"tests/{name[:100]}"

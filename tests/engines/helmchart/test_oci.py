"""Charts in OCI registries: the tag of a version, and the registry client that reads their signatures."""

from __future__ import annotations

import json

import pytest

from reflow.engines.helmchart.oci import RegistryAccess, chart_tag, docker_config, signature_reader


@pytest.mark.parametrize(
    ("version", "tag"),
    [
        pytest.param("1.2.3", "1.2.3", id="plain"),
        pytest.param("1.2.3+build.7", "1.2.3_build.7", id="build-metadata-as-underscore"),
    ],
)
def test_chart_tag_writes_build_metadata_as_helm_pushes_it(version: str, tag: str) -> None:
    assert chart_tag(version) == tag


def test_signature_reader_uses_the_repository_credentials_for_the_chart_repository() -> None:
    config = docker_config({"username": b"me", "password": b"secret"}, "registry.test:5000")
    assert config is not None
    access = RegistryAccess(docker_config=config, plain_http=True, timeout=12)
    client = signature_reader(access, "oci://registry.test:5000/charts/web")
    assert str(client.repository) == "registry.test:5000/charts/web"
    assert client.credentials is not None
    assert (client.credentials.username, client.credentials.password) == ("me", "secret")
    assert client.transport.insecure
    assert client.transport.timeout == 12


def test_signature_reader_sends_no_credentials_of_another_registry() -> None:
    config = json.dumps({"auths": {"elsewhere.test": {"auth": "bWU6c2VjcmV0"}}}).encode()
    client = signature_reader(RegistryAccess(docker_config=config), "oci://registry.test/charts/web")
    assert client.credentials is None

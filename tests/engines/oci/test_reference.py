"""`oci://` addresses read as go-containerregistry and Flux read them."""

from __future__ import annotations

import pytest

from reflow.engines.oci import InvalidReference, Reference, Repository, parse_reference, parse_repository

DIGEST = "sha256:" + "a" * 64


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("oci://ghcr.io/org/app", Repository("ghcr.io", "org/app"), id="registry-with-dot"),
        pytest.param("oci://127.0.0.1:5000/tests/app", Repository("127.0.0.1:5000", "tests/app"), id="host-port"),
        pytest.param("oci://localhost/app", Repository("localhost", "app"), id="localhost"),
        pytest.param("oci://org/app", Repository("index.docker.io", "org/app"), id="docker-hub-implied"),
        pytest.param("oci://docker.io/nginx", Repository("index.docker.io", "library/nginx"), id="docker-hub-library"),
    ],
)
def test_repository_urls_name_the_registry_and_repository(url: str, expected: Repository) -> None:
    assert parse_repository(url) == expected


@pytest.mark.parametrize(
    ("url", "message"),
    [
        pytest.param("https://ghcr.io/org/app", "URL must be in format 'oci://<domain>/<org>/<repo>'", id="scheme"),
        pytest.param("oci://ghcr.io/org/app:v1", "URL must not contain a tag; remove ':v1'", id="tag"),
        pytest.param(f"oci://ghcr.io/org/app@{DIGEST}", "must not contain a digest", id="digest"),
        pytest.param("oci://ghcr.io/Org/App", "must be lowercase", id="uppercase"),
        pytest.param("oci://", "URL must be in format", id="empty"),
    ],
)
def test_bad_repository_urls_say_what_to_change(url: str, message: str) -> None:
    with pytest.raises(InvalidReference, match=message.replace("(", r"\(")) as raised:
        parse_repository(url)
    assert raised.value.reason == "URLInvalid"


@pytest.mark.parametrize(
    ("url", "tag", "digest"),
    [
        pytest.param("oci://127.0.0.1:5000/app:v1.2.3", "v1.2.3", None, id="tag"),
        pytest.param("oci://127.0.0.1:5000/app", "latest", None, id="default-latest"),
        pytest.param(f"oci://127.0.0.1:5000/app@{DIGEST}", None, DIGEST, id="digest"),
    ],
)
def test_artifact_urls_carry_a_tag_or_a_digest(url: str, tag: str | None, digest: str | None) -> None:
    reference = parse_reference(url)
    assert reference == Reference(Repository("127.0.0.1:5000", "app"), tag=tag, digest=digest)
    assert str(reference) == url.removeprefix("oci://") + (":latest" if url.endswith("/app") else "")


def test_loopback_registries_are_recognised() -> None:
    assert Repository("127.0.0.1:5000", "a").loopback
    assert Repository("localhost:5000", "a").loopback
    assert Repository("[::1]:5000", "a").loopback
    assert not Repository("ghcr.io", "a").loopback
    assert not Repository("10.0.0.1:5000", "a").loopback

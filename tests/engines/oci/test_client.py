"""The distribution client against Debian's docker-registry: plain, and behind TLS and basic auth."""

from __future__ import annotations

import hashlib
import secrets
from pathlib import Path

import pytest

from reflow.engines.helmrepo import TLSConfig
from reflow.engines.oci import (
    AuthCache,
    AuthenticationFailed,
    Credentials,
    Descriptor,
    LayerFailed,
    ReferenceNotFound,
    RegistryClient,
    Transport,
    Unreachable,
    artifact_annotations,
    ignore_matcher,
    parse_reference,
    parse_repository,
    push_artifact,
    select_layer,
)
from tests.registries import Registry
from tests.tokenserver import TokenServer

NOTES = artifact_annotations(
    source="https://example.com/repo", revision="main@sha1:abc", created="2026-01-01T00:00:00Z", extra={}
)


def source_tree(root: Path, text: str = "a: 1\n") -> Path:
    (root / "deploy").mkdir(parents=True)
    (root / "deploy" / "config.yaml").write_text(text)
    return root


def auth_client(registry: Registry, repository: str, **overrides: object) -> RegistryClient:
    assert registry.ca is not None
    assert registry.username
    assert registry.password
    options: dict[str, object] = {
        "credentials": Credentials(registry.username, registry.password),
        "transport": Transport(tls=TLSConfig(ca=registry.ca.read_bytes())),
        "actions": "pull,push",
        **overrides,
    }
    return RegistryClient(parse_repository(registry.oci_url(repository)), **options)  # type: ignore[arg-type]


async def test_push_then_resolve_read_and_download(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    repository = parse_repository(registry.oci_url(registry_repository))
    async with RegistryClient(repository, actions="pull,push") as client:
        pushed = await push_artifact(
            client, "v1.0.0", source_tree(tmp_path / "src"), matcher=ignore_matcher([]), annotations=NOTES
        )
        for tag in ("v1.1.0", "v2.0.0", "latest"):
            await push_artifact(client, tag, tmp_path / "src", matcher=ignore_matcher([]), annotations=NOTES)
    async with RegistryClient(repository) as client:
        reference = parse_reference(f"{registry.oci_url(registry_repository)}:v1.0.0")
        assert await client.resolve(reference) == pushed.digest
        assert client.requests == 1
        descriptor, manifest, raw = await client.get_manifest(reference)
        assert descriptor.digest == pushed.digest == "sha256:" + hashlib.sha256(raw).hexdigest()
        assert manifest.annotations == NOTES
        layer = select_layer(manifest, "application/vnd.cncf.flux.content.v1.tar+gzip")
        assert layer.digest == pushed.layer.digest
        await client.download_blob(layer, tmp_path / "layer.tgz", max_size=1 << 20)
        assert "sha256:" + hashlib.sha256((tmp_path / "layer.tgz").read_bytes()).hexdigest() == layer.digest
        assert sorted(await client.tags()) == ["latest", "v1.0.0", "v1.1.0", "v2.0.0"]


async def test_unknown_tags_and_repositories_are_named(registry: Registry, registry_repository: str) -> None:
    async with RegistryClient(parse_repository(registry.oci_url(registry_repository))) as client:
        with pytest.raises(ReferenceNotFound, match=f"'{registry.host}/{registry_repository}:nope' not found"):
            await client.resolve(parse_reference(f"{registry.oci_url(registry_repository)}:nope"))
        with pytest.raises(ReferenceNotFound, match="not found in the registry"):
            await client.tags()


async def test_a_layer_over_the_limit_or_damaged_is_refused(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    repository = parse_repository(registry.oci_url(registry_repository))
    async with RegistryClient(repository, actions="pull,push") as client:
        (tmp_path / "src").mkdir()
        (tmp_path / "src" / "big.bin").write_bytes(secrets.token_bytes(64 << 10))
        await push_artifact(client, "v1", tmp_path / "src", matcher=ignore_matcher([]), annotations=NOTES)
        _, manifest, _ = await client.get_manifest(parse_reference(f"{registry.oci_url(registry_repository)}:v1"))
        layer = manifest.layers[0]
        with pytest.raises(LayerFailed, match=f"is {layer.size} bytes, over the limit of 1000 bytes"):
            await client.download_blob(layer, tmp_path / "out", max_size=1000)
        lying = type(layer)(media_type=layer.media_type, digest=layer.digest, size=layer.size - 1)
        with pytest.raises(LayerFailed, match="over the limit"):
            await client.download_blob(lying, tmp_path / "out", max_size=layer.size - 1)
        shorter = type(layer)(media_type=layer.media_type, digest=layer.digest, size=layer.size + 1)
        with pytest.raises(LayerFailed, match="arrived damaged"):
            await client.download_blob(shorter, tmp_path / "out", max_size=1 << 20)


async def test_basic_auth_over_tls_with_the_ca(
    auth_registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    cache = AuthCache()
    async with auth_client(auth_registry, registry_repository, cache=cache) as client:
        pushed = await push_artifact(
            client, "v1", source_tree(tmp_path / "src"), matcher=ignore_matcher([]), annotations=NOTES
        )
    reference = parse_reference(f"{auth_registry.oci_url(registry_repository)}:v1")
    async with auth_client(auth_registry, registry_repository, cache=cache, actions="pull") as client:
        assert await client.resolve(reference) == pushed.digest
        assert client.requests == 1, "the known Basic challenge is answered up front"
    async with auth_client(auth_registry, registry_repository) as client:
        assert await client.resolve(reference) == pushed.digest
        assert client.requests == 2, "a fresh cache learns the challenge from one 401"


async def test_refused_and_missing_credentials_are_clear_and_hold_no_password(
    auth_registry: Registry, registry_repository: str
) -> None:
    reference = parse_reference(f"{auth_registry.oci_url(registry_repository)}:v1")
    wrong = Credentials(auth_registry.username or "", "not-the-password")
    async with auth_client(auth_registry, registry_repository, credentials=wrong) as client:
        with pytest.raises(AuthenticationFailed, match="refused the credentials of user 'reflow'") as raised:
            await client.resolve(reference)
    assert "not-the-password" not in str(raised.value)
    async with auth_client(auth_registry, registry_repository, credentials=None) as client:
        with pytest.raises(AuthenticationFailed, match=r"wants credentials and none were given; set spec\.secretRef"):
            await client.resolve(reference)


async def test_tls_without_the_ca_and_unreachable_registries(auth_registry: Registry, registry_repository: str) -> None:
    async with auth_client(auth_registry, registry_repository, transport=Transport()) as client:
        with pytest.raises(Unreachable, match=r"TLS handshake failed: .*certificate.*check certSecretRef's 'ca\.crt'"):
            await client.resolve(parse_reference(f"{auth_registry.oci_url(registry_repository)}:v1"))
    async with RegistryClient(parse_repository("oci://127.0.0.1:1/app"), transport=Transport(timeout=5)) as client:
        with pytest.raises(Unreachable, match=r"cannot reach the registry at '127\.0\.0\.1:1'"):
            await client.resolve(parse_reference("oci://127.0.0.1:1/app:v1"))


async def test_bearer_tokens_from_the_realm_are_fetched_once_and_reused(
    token_registry: Registry, token_server: TokenServer, registry_repository: str, tmp_path: Path
) -> None:
    cache = AuthCache()
    repository = parse_repository(token_registry.oci_url(registry_repository))
    credentials = Credentials(token_server.username, token_server.password)
    async with RegistryClient(repository, credentials=credentials, cache=cache, actions="pull,push") as client:
        pushed = await push_artifact(
            client, "v1", source_tree(tmp_path / "src"), matcher=ignore_matcher([]), annotations=NOTES
        )
    reference = parse_reference(f"{token_registry.oci_url(registry_repository)}:v1")
    issued = token_server.issued
    async with RegistryClient(repository, credentials=credentials, cache=cache) as client:
        assert await client.resolve(reference) == pushed.digest
        assert client.requests == 2, "a pull scope needs its own token: one 401, then the HEAD"
    assert token_server.issued == issued + 1
    async with RegistryClient(repository, credentials=credentials, cache=cache) as client:
        assert await client.resolve(reference) == pushed.digest
        assert client.requests == 1, "the live pull token goes with the first request"
    assert token_server.issued == issued + 1


async def test_bearer_realms_refuse_wrong_and_missing_credentials(
    token_registry: Registry, token_server: TokenServer, registry_repository: str
) -> None:
    repository = parse_repository(token_registry.oci_url(registry_repository))
    reference = parse_reference(f"{token_registry.oci_url(registry_repository)}:v1")
    wrong = Credentials(token_server.username, "not-the-password")
    async with RegistryClient(repository, credentials=wrong) as client:
        with pytest.raises(AuthenticationFailed, match=r"the token server at '127\.0\.0\.1:\d+' refused the cred"):
            await client.resolve(reference)
    async with RegistryClient(repository) as client:
        with pytest.raises(AuthenticationFailed, match="the registry wants credentials and none were given"):
            await client.resolve(reference)


async def test_a_manifest_naming_a_malformed_layer_digest_sends_nothing(
    registry: Registry, registry_repository: str, tmp_path: Path
) -> None:
    hostile = Descriptor(media_type="application/x", digest="sha256:../../../v2/other/blobs/x", size=10)
    async with RegistryClient(parse_repository(registry.oci_url(registry_repository))) as client:
        with pytest.raises(LayerFailed, match="is not 'sha256:' and 64 hex digits"):
            await client.download_blob(hostile, tmp_path / "out", max_size=100)
        assert client.requests == 0
    assert not (tmp_path / "out").exists()

"""Helpers for the artifact verbs' tests: a source tree, pushing it with `reflow push artifact`, uploading
hand-made layers, and a client for checking what the registry holds."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

from reflow.engines.helmrepo import TLSConfig
from reflow.engines.oci import (
    CONTENT_MEDIA_TYPE,
    EMPTY_CONFIG,
    Credentials,
    Descriptor,
    RegistryClient,
    Repository,
    Transport,
    config_descriptor,
    manifest_bytes,
    parse_reference,
)
from reflow.engines.oci.manifest import OCI_MANIFEST
from tests.cli.runner import run_reflow
from tests.registries import Registry

SOURCE = "https://github.com/org/config"
REVISION = "main@sha1:0123456789abcdef0123456789abcdef01234567"


def tree(root: Path) -> Path:
    """A source folder with manifests, plus a `.git` folder and a `.png` file that Flux's defaults leave out."""
    for name, content in {
        "deploy/app.yaml": "kind: ConfigMap\n",
        "deploy/logo.png": "png",
        ".git/HEAD": "ref: refs/heads/main\n",
        "README.md": "# config\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return root


def auth_env(registry: Registry, tmp_path: Path) -> dict[str, str]:
    """The environment a command needs to trust the TLS registry, with an empty docker config."""
    assert registry.ca is not None
    return {"SSL_CERT_FILE": str(registry.ca), "DOCKER_CONFIG": str(tmp_path / "no-docker-config")}


def creds(registry: Registry) -> str:
    return f"--creds={registry.username}:{registry.password}"


async def push_tree(url: str, source: Path, *extra: str, env: dict[str, str] | None = None) -> str:
    """Push `source` reproducibly with `reflow push artifact`; the manifest digest."""
    result = await run_reflow(
        "push", "artifact", url, f"--path={source}", f"--source={SOURCE}", f"--revision={REVISION}",
        "--reproducible", "-o", "json", *extra, env=env,
    )  # fmt: skip
    assert result.code == 0, result.stderr
    digest = result.stdout.split('"digest": "')[1].split('"')[0]
    assert digest.startswith("sha256:")
    return digest


def client(registry: Registry, repository: str, *, actions: str = "pull") -> RegistryClient:
    """A client of one repository of the test registry, with its credentials and CA when it has them."""
    tls = TLSConfig(ca=registry.ca.read_bytes()) if registry.ca else None
    credentials = Credentials(registry.username, registry.password) if registry.username and registry.password else None
    return RegistryClient(
        Repository(registry.host, repository), credentials=credentials, transport=Transport(tls=tls), actions=actions
    )


async def upload_layer(registry: Registry, url: str, layer: bytes, annotations: dict[str, str]) -> str:
    """Store `layer` bytes as the content layer of a Flux artifact at `url` (a tag); the manifest digest."""
    reference = parse_reference(url)
    digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    async with client(registry, reference.repository.path, actions="pull,push") as registry_client:
        config = config_descriptor()
        await registry_client.upload_blob(config.digest, config.size, lambda: EMPTY_CONFIG)
        await registry_client.upload_blob(digest, len(layer), lambda: layer)
        content = Descriptor(media_type=CONTENT_MEDIA_TYPE, digest=digest, size=len(layer))
        return await registry_client.put_manifest(
            reference.tag or "latest", manifest_bytes(content, annotations), OCI_MANIFEST
        )


def tarball(members: dict[str, bytes]) -> bytes:
    """A gzip'd tarball of regular files, names as given (even hostile ones)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()

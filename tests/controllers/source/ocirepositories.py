"""Helpers for OCIRepository tests: push artifacts to the loopback registries and write OCIRepository objects."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from collections.abc import Callable
from pathlib import Path

from reflow.api.meta import Manifest, ObjectRef
from reflow.engines.helmrepo import TLSConfig
from reflow.engines.oci import (
    CONTENT_MEDIA_TYPE,
    EMPTY_CONFIG,
    OCI_MANIFEST,
    Credentials,
    Descriptor,
    Pushed,
    RegistryClient,
    Transport,
    artifact_annotations,
    config_descriptor,
    ignore_matcher,
    manifest_bytes,
    parse_repository,
    push_artifact,
)
from reflow.kube.client import Kube
from reflow.kube.wait import wait_for
from tests.registries import Registry

SOURCE = "source.toolkit.fluxcd.io/v1"
ORIGIN = "https://github.com/org/config"
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  value: {value!r}\n"


def client(registry: Registry, repository: str) -> RegistryClient:
    """A pushing client for `registry` (with its CA and credentials when it has them)."""
    credentials = Credentials(registry.username, registry.password) if registry.username and registry.password else None
    tls = TLSConfig(ca=registry.ca.read_bytes()) if registry.ca else None
    return RegistryClient(
        parse_repository(registry.oci_url(repository)),
        credentials=credentials,
        transport=Transport(tls=tls),
        actions="pull,push",
    )


async def push_configmap(
    registry: Registry, repository: str, tag: str, value: str, workdir: Path, *, commit: str = "1" * 40
) -> Pushed:
    """Push a Flux artifact holding `deploy/config.yaml` (a ConfigMap `from-oci` with `value`)."""
    root = workdir / f"{tag}-{value}"
    (root / "deploy").mkdir(parents=True, exist_ok=True)
    (root / "deploy" / "config.yaml").write_text(CONFIGMAP.format(name="from-oci", value=value))
    (root / "notes.txt").write_text("not a manifest\n")
    notes = artifact_annotations(
        source=ORIGIN, revision=f"main@sha1:{commit}", created="2026-01-01T00:00:00Z", extra={}
    )
    async with client(registry, repository) as pushing:
        return await push_artifact(pushing, tag, root, matcher=ignore_matcher([]), annotations=notes)


async def push_layer(
    registry: Registry, repository: str, tag: str, layer: bytes, media_type: str = CONTENT_MEDIA_TYPE
) -> str:
    """Push an artifact whose one layer is `layer` as given (e.g. a hostile tarball); its manifest digest."""
    digest = "sha256:" + hashlib.sha256(layer).hexdigest()
    async with client(registry, repository) as pushing:
        config = config_descriptor()
        await pushing.upload_blob(config.digest, config.size, lambda: EMPTY_CONFIG)
        await pushing.upload_blob(digest, len(layer), lambda: layer)
        descriptor = Descriptor(media_type=media_type, digest=digest, size=len(layer))
        return await pushing.put_manifest(tag, manifest_bytes(descriptor, {}), OCI_MANIFEST)


def tarball(members: dict[str, bytes], *, links: dict[str, str] | None = None) -> bytes:
    """A gzip'd tarball with these files (names as given, `..` included) and symlinks."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            archive.addfile(info)
    return buffer.getvalue()


def oci_repository(namespace: str, name: str, url: str, **spec: object) -> Manifest:
    return {
        "apiVersion": SOURCE,
        "kind": "OCIRepository",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"url": url, "interval": "1h", "timeout": "10s", **spec},
    }


def ref(namespace: str, name: str) -> ObjectRef:
    return ObjectRef(SOURCE, "OCIRepository", name, namespace)


def docker_secret(namespace: str, name: str, config: bytes) -> Manifest:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "kubernetes.io/dockerconfigjson",
        "metadata": {"name": name, "namespace": namespace},
        "data": {".dockerconfigjson": base64.b64encode(config).decode()},
    }


async def until(kube: Kube, namespace: str, name: str, check: Callable[[Manifest | None], bool]) -> Manifest:
    """The OCIRepository once `check` holds for it (within a minute)."""
    obj = await wait_for(kube, ref(namespace, name), check, timeout=60, what="as expected")
    assert obj is not None
    return obj

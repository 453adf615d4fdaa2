"""The real cosign for the verification tests, and plain-HTTP access to a loopback registry's distribution API.

cosign runs with the key's password in its environment, no transparency log, no signing config
from TUF, and proxies that lead nowhere, so nothing it does can leave the machine.
`RegistryReader` is the tests' own `SignatureFetcher`; `push_blob`/`push_manifest` upload test
artifacts and the doctored signatures the attack tests need.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from reflow.dev.gobuild import binary
from tests.gitservers import run
from tests.registries import Registry

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
ACCEPT = ", ".join((OCI_MANIFEST, OCI_INDEX, "application/vnd.docker.distribution.manifest.v2+json"))
EMPTY_CONFIG = b"{}"
SIGNATURE = "dev.cosignproject.cosign/signature"


@dataclass(frozen=True, slots=True)
class KeyPair:
    """A cosign key pair on disk: the encrypted private key, its password and the PEM public key."""

    private: Path
    password: str
    public: bytes


def _environment(home: Path, password: str) -> dict[str, str]:
    nowhere = "http://127.0.0.1:9"
    return {
        "HOME": str(home),
        "COSIGN_PASSWORD": password,
        "HTTPS_PROXY": nowhere,
        "HTTP_PROXY": nowhere,
        "NO_PROXY": "127.0.0.1",
        "SIGSTORE_NO_CACHE": "1",
    }


def generate_key_pair(directory: Path) -> KeyPair:
    """`cosign generate-key-pair` in `directory`: cosign's default ECDSA P-256 key pair."""
    directory.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    run(binary("cosign"), "generate-key-pair", cwd=directory, env=_environment(directory, password))
    return KeyPair(directory / "cosign.key", password, (directory / "cosign.pub").read_bytes())


def import_key_pair(directory: Path, pem_private_key: bytes) -> KeyPair:
    """`cosign import-key-pair` of an unencrypted PKCS #8 key (RSA, ECDSA or Ed25519) made by the test."""
    directory.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(12)
    source = directory / "imported.pem"
    source.write_bytes(pem_private_key)
    run(binary("cosign"), "import-key-pair", "--key", source, cwd=directory, env=_environment(directory, password))
    return KeyPair(directory / "import-cosign.key", password, (directory / "import-cosign.pub").read_bytes())


def sign(key: KeyPair, reference: str, *, bundle: bool = True, registry: Registry | None = None) -> None:
    """`cosign sign` of `host/repository@digest` over plain HTTP; `bundle=False` writes the legacy `.sig` tag.
    With a `registry` that has a CA and credentials, over HTTPS with its CA and a docker config of its login."""
    args: list[str | Path] = [binary("cosign"), "sign", "--key", key.private, "--yes", "--allow-http-registry"]
    args += ["--tlog-upload=false", "--use-signing-config=false", f"--new-bundle-format={str(bundle).lower()}"]
    env = _environment(key.private.parent, key.password)
    if registry is not None and registry.ca is not None:
        config = key.private.parent / "docker"
        config.mkdir(exist_ok=True)
        (config / "config.json").write_bytes(registry.docker_config())
        args += ["--registry-cacert", registry.ca]
        env["DOCKER_CONFIG"] = str(config)
    run(*args, reference, cwd=key.private.parent, env=env)


def cosign_verifies(key: KeyPair, reference: str, *, bundle: bool) -> bool:
    """Whether `cosign verify --key` (no transparency log) accepts the artifact: the reference verdict."""
    directory = key.private.parent
    public = directory / "verify.pub"
    public.write_bytes(key.public)
    args = [binary("cosign"), "verify", "--key", public, "--insecure-ignore-tlog", "--allow-http-registry"]
    args += [f"--new-bundle-format={str(bundle).lower()}", reference]
    env = {**os.environ, **_environment(directory, key.password)}
    done = subprocess.run([str(arg) for arg in args], cwd=directory, env=env, capture_output=True, check=False)
    return done.returncode == 0


def digest_of(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class RegistryReader:
    """A repository of a plain-HTTP registry, read and written through the distribution API."""

    session: aiohttp.ClientSession
    registry: Registry
    repository: str

    def _url(self, kind: str, reference: str) -> str:
        return f"{self.registry.base_url}/v2/{self.repository}/{kind}/{reference}"

    async def fetch_manifest(self, reference: str) -> tuple[bytes, str] | None:
        async with self.session.get(self._url("manifests", reference), headers={"Accept": ACCEPT}) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return await response.read(), response.headers.get("Content-Type", "")

    async def fetch_blob(self, digest: str) -> bytes:
        async with self.session.get(self._url("blobs", digest)) as response:
            response.raise_for_status()
            return await response.read()

    async def referrers(self, digest: str) -> bytes | None:
        async with self.session.get(self._url("referrers", digest), headers={"Accept": OCI_INDEX}) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            return await response.read()

    async def push_blob(self, data: bytes) -> str:
        """Upload a blob in one request; its digest."""
        digest = digest_of(data)
        async with self.session.post(f"{self.registry.base_url}/v2/{self.repository}/blobs/uploads/") as started:
            started.raise_for_status()
            location = started.headers["Location"]
        if location.startswith("/"):
            location = self.registry.base_url + location
        separator = "&" if "?" in location else "?"
        headers = {"Content-Type": "application/octet-stream"}
        async with self.session.put(f"{location}{separator}digest={digest}", data=data, headers=headers) as done:
            done.raise_for_status()
        return digest

    async def push_manifest(self, reference: str, data: bytes, media_type: str = OCI_MANIFEST) -> str:
        """Put a manifest or index at a tag (or its digest); its digest."""
        headers = {"Content-Type": media_type}
        async with self.session.put(self._url("manifests", reference), data=data, headers=headers) as response:
            response.raise_for_status()
        return digest_of(data)

    async def push_artifact(self, tag: str, content: bytes) -> str:
        """An OCI artifact with one layer holding `content`, tagged; the manifest digest cosign signs."""
        layer = await self.push_blob(content)
        config = await self.push_blob(EMPTY_CONFIG)
        manifest = {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {"mediaType": "application/vnd.oci.empty.v1+json", "digest": config, "size": 2},
            "layers": [{"mediaType": "application/octet-stream", "digest": layer, "size": len(content)}],
        }
        return await self.push_manifest(tag, json.dumps(manifest).encode())

    def reference(self, digest: str) -> str:
        """The `host/repository@digest` reference cosign signs."""
        return f"{self.registry.host}/{self.repository}@{digest}"


def _flip(data: bytes) -> bytes:
    middle = len(data) // 2
    return data[:middle] + bytes([data[middle] ^ 1]) + data[middle + 1 :]


def reformat(payload: bytes) -> bytes:
    """The same JSON with one more space: what it says is unchanged, the signed bytes are not."""
    return payload.replace(b"{", b"{ ", 1)


def corrupt(signature: bytes) -> bytes:
    """The signature with one bit flipped."""
    return _flip(signature)


def _same(data: bytes) -> bytes:
    return data


Edit = Callable[[bytes], bytes]


async def _replace_layer(reader: RegistryReader, manifest: dict[str, Any], layer: dict[str, Any], blob: bytes) -> bytes:
    layer["digest"], layer["size"] = await reader.push_blob(blob), len(blob)
    return json.dumps(manifest).encode()


async def rewrite_signature(
    reader: RegistryReader, digest: str, *, bundle: bool, payload: Edit = _same, signature: Edit = _same
) -> None:
    """Replace what cosign stored for `digest` by a doctored copy: its signed payload and/or signature edited."""
    tag = digest.replace(":", "-")
    if not bundle:
        fetched = await reader.fetch_manifest(f"{tag}.sig")
        assert fetched is not None, "no .sig manifest to doctor"
        manifest = json.loads(fetched[0])
        layer = manifest["layers"][0]
        layer["annotations"][SIGNATURE] = _b64(signature(base64.b64decode(layer["annotations"][SIGNATURE])))
        doctored = await _replace_layer(reader, manifest, layer, payload(await reader.fetch_blob(layer["digest"])))
        await reader.push_manifest(f"{tag}.sig", doctored)
        return
    fetched = await reader.fetch_manifest(tag)
    assert fetched is not None, "no referrers index to doctor"
    index = json.loads(fetched[0])
    entry = index["manifests"][0]
    referrer = await reader.fetch_manifest(entry["digest"])
    assert referrer is not None
    manifest = json.loads(referrer[0])
    layer = manifest["layers"][0]
    document = json.loads(await reader.fetch_blob(layer["digest"]))
    envelope = document["dsseEnvelope"]
    envelope["payload"] = _b64(payload(base64.b64decode(envelope["payload"])))
    envelope["signatures"][0]["sig"] = _b64(signature(base64.b64decode(envelope["signatures"][0]["sig"])))
    doctored = await _replace_layer(reader, manifest, layer, json.dumps(document).encode())
    entry["digest"], entry["size"] = await reader.push_manifest(digest_of(doctored), doctored), len(doctored)
    await reader.push_manifest(tag, json.dumps(index).encode(), OCI_INDEX)


async def copy_signature(reader: RegistryReader, source: str, target: str, *, bundle: bool) -> None:
    """Attach the signature cosign made for `source` to `target`, as an attacker with push rights could."""
    suffix = "" if bundle else ".sig"
    fetched = await reader.fetch_manifest(source.replace(":", "-") + suffix)
    assert fetched is not None, "no signature to copy"
    await reader.push_manifest(target.replace(":", "-") + suffix, fetched[0], fetched[1])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()

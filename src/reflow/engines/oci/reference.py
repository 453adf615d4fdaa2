"""Parse `oci://` addresses into a registry, a repository and a tag or digest, as go-containerregistry reads them.

A first path component with a `.` or a `:`, or `localhost`, names the registry; otherwise the
repository is on Docker Hub (`index.docker.io`, with `library/` before one-component names).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from reflow.engines.oci.errors import InvalidReference

PREFIX = "oci://"
DOCKER_HUB = "index.docker.io"
DOCKER_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
DEFAULT_TAG = "latest"
_REPOSITORY = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$")
_TAG = re.compile(r"^\w[\w.-]{0,127}$")
DIGEST = re.compile(r"^sha256:[a-f0-9]{64}$")
_REGISTRY = re.compile(r"^(?:\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(?::[0-9]+)?$")
FORMAT_HINT = "URL must be in format 'oci://<domain>/<org>/<repo>'"


@dataclass(frozen=True, slots=True)
class Repository:
    """A repository in a registry: `registry` is `host[:port]`, `path` the repository's name in it."""

    registry: str
    path: str

    def __str__(self) -> str:
        return f"{self.registry}/{self.path}"

    @property
    def hostname(self) -> str:
        host = self.registry.rpartition(":")[0] if not self.registry.endswith("]") else self.registry
        return (host or self.registry).strip("[]")

    @property
    def loopback(self) -> bool:
        """Whether the registry is on this machine: go-containerregistry then also tries plain HTTP."""
        if self.hostname == "localhost":
            return True
        try:
            return ipaddress.ip_address(self.hostname).is_loopback
        except ValueError:
            return False


@dataclass(frozen=True, slots=True)
class Reference:
    """One artifact: a repository and a tag or a digest (`sha256:<hex>`)."""

    repository: Repository
    tag: str | None = None
    digest: str | None = None

    @property
    def identifier(self) -> str:
        """What goes after `/manifests/` in the API: the digest when there is one, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    def __str__(self) -> str:
        if self.digest:
            return f"{self.repository}@{self.digest}"
        return f"{self.repository}:{self.tag or DEFAULT_TAG}"


def _split_registry(address: str, shown: str) -> Repository:
    first, slash, rest = address.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, path = first, rest
    else:
        registry, path = DOCKER_HUB, address
    if registry in DOCKER_HUB_ALIASES:
        registry = DOCKER_HUB
        if "/" not in path:
            path = f"library/{path}"
    if not _REGISTRY.match(registry):
        raise InvalidReference(f"'{shown}' invalid URL: registry '{registry}' is not a host[:port]")
    if not _REPOSITORY.match(path):
        raise InvalidReference(
            f"'{shown}' invalid URL: repository '{path}' must be lowercase letters, digits and separators (. _ - /)"
        )
    return Repository(registry, path)


def _strip(url: str) -> str:
    if not url.startswith(PREFIX):
        raise InvalidReference(FORMAT_HINT)
    address = url.removeprefix(PREFIX)
    if not address:
        raise InvalidReference(FORMAT_HINT)
    return address


def parse_repository(url: str) -> Repository:
    """An OCIRepository's `spec.url`: `oci://host[:port]/repo`, with no tag or digest (Flux refuses them)."""
    address = _strip(url)
    first, slash, rest = address.partition("/")
    name = rest if slash and ("." in first or ":" in first or first == "localhost") else address
    if "@" in name:
        raise InvalidReference(f"URL must not contain a digest; set spec.ref.digest instead: '{url}'")
    if ":" in name:
        raise InvalidReference(f"URL must not contain a tag; remove ':{name.split(':', 1)[1]}'")
    return _split_registry(address, url)


def parse_reference(url: str) -> Reference:
    """An artifact address as `reflow push artifact` takes it: `oci://host/repo[:tag|@sha256:…]`, tag `latest`."""
    address = _strip(url)
    address, at, digest = address.partition("@")
    tag = None
    head, colon, tail = address.rpartition(":")
    if colon and "/" not in tail:
        address, tag = head, tail
    repository = _split_registry(address, url)
    if at:
        return Reference(repository, digest=check_digest(digest))
    return Reference(repository, tag=check_tag(tag or DEFAULT_TAG))


def check_tag(tag: str) -> str:
    if not _TAG.match(tag):
        raise InvalidReference(f"tag '{tag}' is invalid: letters, digits, '_', '.' and '-', at most 128")
    return tag


def check_digest(digest: str) -> str:
    if not DIGEST.match(digest):
        raise InvalidReference(f"digest '{digest}' is invalid: it must be 'sha256:' and 64 lowercase hex digits")
    return digest

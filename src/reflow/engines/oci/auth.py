"""Registry credentials from docker-config Secrets, matched to a repository as Kubernetes' keyring does,
and the `WWW-Authenticate` challenges registries answer with.

A Secret's `.dockerconfigjson` (or the older `.dockercfg`) maps registry keys to entries holding
`auth` (base64 `user:password`, which wins) or `username` and `password`. A key matches a repository
when its host has as many labels as the registry's, each label matching (a key label may be a `*`
glob), the ports are equal and the key's path (without a `/v1/` or `/v2/`) is a prefix of the
repository's. The most specific key
wins: keys are tried in reverse lexical order, the first Secret's before the next's.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from reflow.engines.oci.errors import AuthenticationFailed
from reflow.engines.oci.reference import DOCKER_HUB, DOCKER_HUB_ALIASES, Repository

DOCKER_CONFIG_JSON = ".dockerconfigjson"
DOCKER_CONFIG = ".dockercfg"
_PARAM = re.compile(r'\s*([A-Za-z0-9_.-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*,?')


@dataclass(frozen=True, slots=True)
class Credentials:
    """A username and password (or identity token as password) for one registry."""

    username: str
    password: str = field(repr=False)

    def basic(self) -> str:
        """The value of a Basic `Authorization` header."""
        return "Basic " + base64.b64encode(f"{self.username}:{self.password}".encode()).decode()


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One `auths` key of a docker config and its credentials."""

    key: str
    credentials: Credentials


def _entry_credentials(key: str, entry: object, name: str) -> Credentials | None:
    if not isinstance(entry, Mapping):
        raise AuthenticationFailed(f"secret '{name}': the entry for '{key}' is not an object")
    encoded = entry.get("auth")
    if encoded:
        try:
            decoded = base64.b64decode(str(encoded), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as error:
            raise AuthenticationFailed(f"secret '{name}': the 'auth' of '{key}' is not base64") from error
        username, colon, password = decoded.partition(":")
        if not colon:
            raise AuthenticationFailed(f"secret '{name}': the 'auth' of '{key}' must decode to 'username:password'")
        return Credentials(username, password.strip("\x00"))
    user, secret = entry.get("username"), entry.get("password")
    if not user and not secret:
        return None
    return Credentials(str(user or ""), str(secret or ""))


def docker_config_entries(data: Mapping[str, bytes], name: str) -> list[KeyEntry]:
    """The registry entries of a decoded docker-config Secret `name`; `AuthenticationFailed` says what is wrong."""
    raw = data.get(DOCKER_CONFIG_JSON)
    legacy = raw is None
    if legacy:
        raw = data.get(DOCKER_CONFIG)
    if raw is None:
        raise AuthenticationFailed(
            f"secret '{name}' has neither '{DOCKER_CONFIG_JSON}' nor '{DOCKER_CONFIG}'; "
            "create it with `kubectl create secret docker-registry`"
        )
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        key = DOCKER_CONFIG if legacy else DOCKER_CONFIG_JSON
        raise AuthenticationFailed(f"secret '{name}': '{key}' is not valid JSON") from error
    auths = document if legacy else (document or {}).get("auths") if isinstance(document, Mapping) else None
    if not isinstance(auths, Mapping):
        raise AuthenticationFailed(f"secret '{name}': the docker config has no 'auths' object")
    found = []
    for key, entry in auths.items():
        credentials = _entry_credentials(str(key), entry, name)
        if credentials is not None:
            found.append(KeyEntry(str(key), credentials))
    return sorted(found, key=lambda item: item.key, reverse=True)


def _host_parts(key: str) -> tuple[str, str, str]:
    """(host, port, path) of a keyring key or an image name, read as an https URL."""
    parts = urlsplit(key if "://" in key else f"https://{key}")
    try:
        port = str(parts.port or "")
    except ValueError:
        port = ""
    return (parts.hostname or "").lower(), port, parts.path.rstrip("/")


def key_matches(key: str, repository: Repository) -> bool:
    """Whether a docker-config key applies to the repository (globs per host label, same port, path prefix)."""
    key_host, key_port, key_path = _host_parts(key)
    if key_path.startswith(("/v1", "/v2")) and key_path[3:4] in ("", "/"):
        key_path = key_path[3:]  # `https://r.io/v1/` means the whole host, as in the docker client
    host, port, path = _host_parts(f"{repository.registry}/{repository.path}")
    if key_host in DOCKER_HUB_ALIASES:
        key_host = DOCKER_HUB
    if key_port != port:
        return False
    labels, wanted = key_host.split("."), host.split(".")
    if len(labels) != len(wanted) or not all(fnmatch.fnmatchcase(w, g) for g, w in zip(labels, wanted, strict=True)):
        return False
    return path.startswith(key_path)


def credentials_for(keyring: Iterable[Iterable[KeyEntry]], repository: Repository) -> Credentials | None:
    """The credentials of the first matching key, Secrets in order and each Secret's keys most specific first."""
    for entries in keyring:
        for entry in entries:
            if key_matches(entry.key, repository):
                return entry.credentials
    return None


@dataclass(frozen=True, slots=True)
class Challenge:
    """A `WWW-Authenticate` answer: `scheme` in lower case (`basic`, `bearer`) and its parameters."""

    scheme: str
    params: Mapping[str, str] = field(default_factory=dict)


def parse_challenge(header: str) -> Challenge:
    """The first challenge of a `WWW-Authenticate` header, e.g. `Bearer realm="…",service="…",scope="…"`."""
    scheme, _, rest = header.strip().partition(" ")
    params = {}
    for match in _PARAM.finditer(rest):
        quoted, bare = match.group(2), match.group(3)
        params[match.group(1).lower()] = re.sub(r"\\(.)", r"\1", quoted) if quoted is not None else bare or ""
    return Challenge(scheme.lower(), params)


def scope(repository: Repository, actions: str) -> str:
    """The token scope for a repository: `repository:<path>:pull` or `…:pull,push`."""
    return f"repository:{repository.path}:{actions}"

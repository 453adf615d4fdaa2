"""How to reach a Helm repository: basic auth and TLS, read from the Secrets a HelmRepository names.

The basic-auth Secret (`secretRef`) holds `username` and `password`; the TLS Secret (`certSecretRef`)
holds `ca.crt` and/or `tls.crt` with `tls.key` (the older `caFile`, `certFile`, `keyFile` keys are read
too). Credentials go to the repository's own host only, unless `passCredentials` lets them follow
chart URLs to other hosts.
"""

from __future__ import annotations

import functools
import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from reflow.engines.helmrepo.errors import AuthenticationFailed
from reflow.kube.privatefile import write_private

TLS_KEYS = {"ca": ("ca.crt", "caFile"), "cert": ("tls.crt", "certFile"), "key": ("tls.key", "keyFile")}
"""The Secret keys of each TLS part, current name first."""


@dataclass(frozen=True, slots=True, repr=False)
class BasicAuth:
    """A username and password for the repository."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"BasicAuth({self.username!r}, <password>)"


@dataclass(frozen=True, slots=True, repr=False)
class TLSConfig:
    """PEM data for the TLS client: a CA bundle, and a client certificate with its key."""

    ca: bytes | None = None
    cert: bytes | None = None
    key: bytes | None = None

    def __repr__(self) -> str:
        return f"TLSConfig(ca={self.ca is not None}, cert={self.cert is not None})"


@dataclass(frozen=True, slots=True, kw_only=True)
class ClientOptions:
    """Everything a request to one repository needs besides its URL."""

    auth: BasicAuth | None = None
    tls: TLSConfig | None = None
    pass_credentials: bool = False
    timeout: float = 60.0

    def auth_for(self, url: str, repository_url: str) -> BasicAuth | None:
        """The credentials to send with a request to `url`: always to the repository's host, elsewhere only
        with `passCredentials`."""
        if self.auth is None:
            return None
        if self.pass_credentials or urlsplit(url).netloc == urlsplit(repository_url).netloc:
            return self.auth
        return None


def _text(data: Mapping[str, bytes], key: str) -> str | None:
    value = data.get(key)
    return value.decode().strip("\n") if value is not None else None


def basic_auth_from_secret(data: Mapping[str, bytes], name: str) -> BasicAuth | None:
    """The `username` and `password` of the decoded Secret `name`; None when it holds neither."""
    username, password = _text(data, "username"), _text(data, "password")
    if not username and not password:
        return None
    if not username or not password:
        missing = "password" if username else "username"
        raise AuthenticationFailed(f"secret '{name}': it has basic-auth data but the key '{missing}' is missing")
    return BasicAuth(username, password)


def tls_from_secret(data: Mapping[str, bytes], name: str) -> TLSConfig | None:
    """The CA and client certificate in the decoded Secret `name`; None when it holds none."""
    found = {part: next((data[key] for key in keys if data.get(key)), None) for part, keys in TLS_KEYS.items()}
    if not any(found.values()):
        return None
    if (found["cert"] is None) != (found["key"] is None):
        raise AuthenticationFailed(f"secret '{name}': 'tls.crt' and 'tls.key' must be given together")
    return TLSConfig(ca=found["ca"], cert=found["cert"], key=found["key"])


@functools.lru_cache(maxsize=4)
def _system_context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    """The system CAs' context, made once per CA location: loading them takes tens of milliseconds."""
    return ssl.create_default_context()


def ssl_context(tls: TLSConfig | None, name: str) -> ssl.SSLContext:
    """The TLS client settings: the system CAs plus the Secret's, and its client certificate.

    Without a CA or client certificate the one system context is shared (callers only read it). The client
    certificate and key touch the disk only in a private temporary directory, briefly."""
    if tls is None or not (tls.ca or (tls.cert and tls.key)):
        return _system_context(os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
    try:
        context = ssl.create_default_context()
        if tls is not None and tls.ca:
            context.load_verify_locations(cadata=tls.ca.decode("ascii"))
    except (ssl.SSLError, UnicodeDecodeError, ValueError) as error:
        raise AuthenticationFailed(f"secret '{name}': 'ca.crt' holds no usable PEM certificate") from error
    if tls is not None and tls.cert and tls.key:
        with tempfile.TemporaryDirectory(prefix="reflow-helm-") as folder:
            cert, key = (
                write_private(Path(folder) / "tls.crt", tls.cert),
                write_private(Path(folder) / "tls.key", tls.key),
            )
            try:
                context.load_cert_chain(cert, key, password=b"")
            except (ssl.SSLError, ValueError) as error:
                raise AuthenticationFailed(
                    f"secret '{name}': 'tls.crt' and 'tls.key' are not a matching PEM certificate and unencrypted key"
                ) from error
    return context

"""How to reach a registry: TLS material, `insecure`, a proxy and a time limit; and the per-process memory of
which scheme each registry speaks and which bearer tokens are still good.

The memory is what lets an unchanged OCIRepository cost one manifest request: after the first run the
scheme is known (no HTTPS attempt at a plain-HTTP registry) and a Basic challenge or a live bearer
token is answered up front instead of after a 401.
"""

from __future__ import annotations

import hashlib
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from reflow.engines.git.proxy import Proxy
from reflow.engines.helmrepo import HelmRepoError, TLSConfig, ssl_context
from reflow.engines.helmrepo import tls_from_secret as helm_tls_from_secret
from reflow.engines.oci.auth import Challenge, Credentials
from reflow.engines.oci.errors import AuthenticationFailed

TOKEN_MARGIN = 10.0
"""Seconds before a bearer token's end at which it is no longer used."""
DEFAULT_TOKEN_LIFE = 60.0
"""Seconds a token is assumed to live when the token server does not say (the distribution spec's default)."""
MAX_TOKENS = 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Transport:
    """The connection settings of one source: TLS from `certSecretRef`, `insecure`, `proxySecretRef`, `timeout`.

    `insecure` lets the client fall back to plain HTTP (and skip certificate checks over HTTPS without a
    `certSecretRef`), as Flux does; a loopback registry may fall back to plain HTTP too.
    """

    tls: TLSConfig | None = None
    insecure: bool = False
    proxy: Proxy | None = None
    timeout: float = 60.0
    """Seconds for each request, headers and body."""


def tls_from_secret(data: Mapping[str, bytes], name: str) -> TLSConfig | None:
    """`ca.crt`, `tls.crt` and `tls.key` of the decoded `certSecretRef` Secret `name`."""
    try:
        return helm_tls_from_secret(data, name)
    except HelmRepoError as error:
        raise AuthenticationFailed(str(error)) from error


def tls_context(transport: Transport, name: str) -> ssl.SSLContext | bool:
    """The `ssl` argument for HTTPS requests: a context with the Secret's CA and client certificate, or
    False (no verification) for an `insecure` source without a `certSecretRef`."""
    if transport.insecure and transport.tls is None:
        return False
    try:
        return ssl_context(transport.tls, name)
    except HelmRepoError as error:
        raise AuthenticationFailed(str(error)) from error


def fingerprint(credentials: Credentials | None) -> str:
    """A key for tokens obtained with these credentials that does not hold them."""
    if credentials is None:
        return "anonymous"
    return hashlib.sha256(f"{credentials.username}\0{credentials.password}".encode()).hexdigest()


@dataclass(slots=True)
class AuthCache:
    """What the client learned about registries, shared by every source of a controller."""

    schemes: dict[str, str] = field(default_factory=dict)
    """`http` or `https` by registry, once a request got an HTTP answer."""
    challenges: dict[str, Challenge] = field(default_factory=dict)
    """The last challenge each registry sent."""
    tokens: dict[tuple[str, str, str], tuple[str, float]] = field(default_factory=dict)
    """Bearer token and its end (monotonic seconds) by registry, credential fingerprint and scope."""

    def token(self, key: tuple[str, str, str]) -> str | None:
        found = self.tokens.get(key)
        if found is None or found[1] <= time.monotonic():
            self.tokens.pop(key, None)
            return None
        return found[0]

    def keep_token(self, key: tuple[str, str, str], token: str, lifetime: float) -> None:
        if len(self.tokens) >= MAX_TOKENS:
            now = time.monotonic()
            for stale in [k for k, (_, end) in self.tokens.items() if end <= now] or list(self.tokens)[:1]:
                del self.tokens[stale]
        self.tokens[key] = (token, time.monotonic() + max(lifetime - TOKEN_MARGIN, 1.0))

    def forget(self, registry: str) -> None:
        """Drop what is known of a registry after it refused what was sent."""
        self.challenges.pop(registry, None)
        for key in [k for k in self.tokens if k[0] == registry]:
            del self.tokens[key]

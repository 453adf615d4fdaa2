"""A Provider and the data of its Secrets turned into a Target (where and as whom) and a Transport (how)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import yaml

from reflow.api.notification import Provider

from .send import Transport
from .target import ProviderError, Target

DEFAULT_TIMEOUT = 15.0
"""Seconds a delivery may take when the Provider sets no `timeout` (Flux's 15 s)."""
ADDRESS_LIMIT = 2048

SecretData = Mapping[str, bytes]


@dataclass(frozen=True, slots=True)
class Resolved:
    """A Provider ready to send: its target, transport, and the secret values no message may show."""

    target: Target
    transport: Transport
    secrets: tuple[str, ...]


def resolve(
    provider: Provider,
    *,
    secret: SecretData | None = None,
    cert: SecretData | None = None,
    proxy: SecretData | None = None,
    commit_status: str = "",
) -> Resolved:
    """Combine the spec with its Secrets: the Secret's `address` overrides the spec's; `token`, `username`,
    `password` and `headers` (a YAML map) come from it; TLS from the cert Secret (or `ca.crt` in the Secret of a
    commit-status provider); the proxy from the proxy Secret's `address`, `username` and `password`."""
    spec = provider.spec
    data = {
        key: value.decode().strip() if key != "headers" else value.decode() for key, value in (secret or {}).items()
    }
    address = data.get("address") or spec.address or ""
    if len(address) > ADDRESS_LIMIT:
        raise ProviderError(f"invalid address in secret: it exceeds the maximum length of {ADDRESS_LIMIT} bytes")
    if not address:
        raise ProviderError("the Provider has no address: set spec.address or `address` in its Secret")
    headers = _headers(data.get("headers"))
    target = Target(
        type=spec.type,
        address=address,
        channel=spec.channel or "",
        username=data.get("username") or spec.username or "",
        password=data.get("password", ""),
        token=data.get("token", ""),
        headers=headers,
        commit_status=commit_status,
        provider_uid=provider.metadata.uid or "",
    )
    tls = cert if cert is not None else (secret if commit_status and secret and "ca.crt" in secret else None)
    proxy_url, proxy_auth = _proxy(proxy)
    transport = Transport(
        ca_pem=_first(tls, "ca.crt", "caFile"),
        cert_pem=_first(tls, "tls.crt", "certFile"),
        key_pem=_first(tls, "tls.key", "keyFile"),
        proxy=proxy_url or data.get("proxy") or None,
        proxy_auth=proxy_auth,
        timeout=spec.timeout or DEFAULT_TIMEOUT,
    )
    hidden = (target.token, target.password, address if "address" in data else "", *(proxy_auth or ()))
    return Resolved(target, transport, tuple(value for value in hidden if value))


def _headers(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ProviderError("failed to read headers from secret: `headers` is not YAML") from err
    if not isinstance(loaded, dict) or not all(isinstance(k, str) for k in loaded):
        raise ProviderError("failed to read headers from secret: `headers` must be a map of names to values")
    return {key: str(value) for key, value in loaded.items()}


def _first(data: SecretData | None, *keys: str) -> bytes | None:
    for key in keys:
        if data and data.get(key):
            return data[key]
    return None


def _proxy(data: SecretData | None) -> tuple[str | None, tuple[str, str] | None]:
    if data is None:
        return None, None
    address = (data.get("address") or b"").decode().strip()
    if not address:
        raise ProviderError("the proxy Secret has no `address`")
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProviderError("invalid proxy `address` in the proxy Secret: expected an http(s) URL")
    username = (data.get("username") or b"").decode()
    password = (data.get("password") or b"").decode()
    auth = (username, password) if username else None
    return urlunsplit(parts), auth

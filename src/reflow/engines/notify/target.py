"""What a payload builder needs about a Provider, and the HTTP request it returns."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from reflow.api.meta import Manifest


class ProviderError(ValueError):
    """A Provider whose configuration cannot make a request (bad address, missing token); never holds the token."""


@dataclass(frozen=True, slots=True)
class AlertRef:
    """The namespace, name and uid of an Alert."""

    namespace: str = ""
    name: str = ""
    uid: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """A Provider resolved from its spec and Secrets: where to send, as whom, and with which credentials."""

    type: str
    address: str
    channel: str = ""
    username: str = ""
    password: str = ""
    token: str = field(default="", repr=False)
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    commit_status: str = ""
    """The commit status key (commit-status providers only)."""
    provider_uid: str = ""
    alert: AlertRef = field(default_factory=lambda: AlertRef())
    """The Alert the event came through (OpenTelemetry names its service after it)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """One HTTP request a provider sends."""

    url: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    method: str = "POST"
    basic_auth: tuple[str, str] | None = field(default=None, repr=False)
    subject: str | None = None
    """Set for a NATS publish to this subject at `url` (`nats://…`) instead of an HTTP request."""

    def json(self) -> Manifest:
        """The body parsed as JSON (for tests and logs of the payload shape)."""
        loaded: Manifest = json.loads(self.body)
        return loaded


def json_request(url: str, payload: object, headers: Mapping[str, str] | None = None, **extra: object) -> Request:
    """A POST of the payload as compact JSON with `Content-Type: application/json`."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Request(url=url, body=body, headers={"Content-Type": "application/json", **(headers or {})},
                   **extra)  # type: ignore[arg-type]  # fmt: skip


def http_url(address: str, what: str) -> str:
    """The address when it is an absolute http(s) URL; ProviderError otherwise."""
    parts = urlsplit(address)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ProviderError(f"invalid {what} address {address!r}: expected an http:// or https:// URL")
    return address


def object_name(kind: str, name: str, namespace: str) -> str:
    """`kustomization/apps.flux-system`, as chat providers title a message."""
    return f"{kind.lower()}/{name}.{namespace}"


def reason_words(reason: str) -> str:
    """`ReconciliationSucceeded` → `reconciliation succeeded` (commit status descriptions)."""
    return " ".join(re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", reason)).lower() or reason.lower()

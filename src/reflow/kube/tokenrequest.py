"""ServiceAccount tokens from the TokenRequest API, kept until shortly before they expire.

A token is asked for one ServiceAccount and a list of audiences; the API server signs it with its
ServiceAccount issuer, so any cluster that trusts that issuer (and one of the audiences) accepts it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from reflow.kube.client import Kube
from reflow.kube.errors import ConfigError, NotFound

REFRESH_SHARE = 0.2
"""A token is renewed once less than this share of its lifetime is left (12 minutes of Kubernetes' default hour)."""
_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")


@dataclass(frozen=True, slots=True)
class ServiceAccountToken:
    """A signed token and the times it was issued and expires."""

    token: str = field(repr=False)
    issued: datetime
    expires: datetime

    def fresh(self, now: datetime, share: float = REFRESH_SHARE) -> bool:
        """Whether more than `share` of the token's lifetime is left at `now`."""
        return self.expires - now > (self.expires - self.issued) * share


def service_account_name(value: object, where: str) -> str:
    """A ServiceAccount name (a DNS subdomain), or ConfigError naming `where`: it becomes part of a URL path."""
    if not isinstance(value, str) or len(value) > 253 or not _NAME.fullmatch(value):
        raise ConfigError(f"{where} is not a valid ServiceAccount name (lower-case letters, digits, '-' and '.')")
    return value


async def request_token(kube: Kube, namespace: str, name: str, audiences: Sequence[str]) -> ServiceAccountToken:
    """A new token of ServiceAccount `namespace/name` for `audiences`; ConfigError when the account is missing."""
    service_account_name(name, "serviceAccountName")
    service_account_name(namespace, "namespace")
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"audiences": list(audiences)}}
    issued = datetime.now(UTC)
    try:
        answer = await kube.request("POST", f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", body=body)
    except NotFound:
        raise ConfigError(f"ServiceAccount '{namespace}/{name}' not found") from None
    status = answer.get("status") or {}
    try:
        expires = datetime.fromisoformat(status["expirationTimestamp"].replace("Z", "+00:00"))
        token = str(status["token"])
    except (KeyError, AttributeError, ValueError):
        raise ConfigError(f"the TokenRequest for ServiceAccount '{namespace}/{name}' returned no token") from None
    return ServiceAccountToken(token, issued, expires)


class TokenSource:
    """The token of one ServiceAccount for fixed audiences: requested once, then again shortly before it expires."""

    def __init__(
        self, kube: Kube, namespace: str, name: str, audiences: Sequence[str], *, share: float = REFRESH_SHARE
    ) -> None:
        self.kube = kube
        self.namespace = namespace
        self.name = name
        self.audiences = tuple(audiences)
        self.share = share
        self._current: ServiceAccountToken | None = None
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        """The cached token while it is fresh, else a newly requested one."""
        async with self._lock:
            now = datetime.now(UTC)
            if self._current is None or not self._current.fresh(now, self.share):
                self._current = await request_token(self.kube, self.namespace, self.name, self.audiences)
            return self._current.token

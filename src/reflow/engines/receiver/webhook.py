"""The Receiver webhook path, and the `requestedAt` token a valid request writes."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

WEBHOOK_PREFIX = "/hook/"
"""Every Receiver's path starts with this; the rest is a digest no one can guess without the token."""


def webhook_path(token: bytes, name: str, namespace: str) -> str:
    """`/hook/` + the sha256 hex of token, name and namespace concatenated, as Flux computes it.

    A `generic-oidc` Receiver has no token: its path is the digest of name and namespace alone.
    """
    return WEBHOOK_PREFIX + hashlib.sha256(token + f"{name}{namespace}".encode()).hexdigest()


def request_token(now: datetime | None = None) -> str:
    """The `reconcile.fluxcd.io/requestedAt` value, in the layout Flux's receiver writes (Go's `Time.String`,
    `2006-01-02 15:04:05.999999999 -0700 MST`, without the monotonic clock reading)."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    fraction = f"{moment.microsecond:06d}".rstrip("0")
    stamp = moment.strftime("%Y-%m-%d %H:%M:%S")
    return f"{stamp}.{fraction} +0000 UTC" if fraction else f"{stamp} +0000 UTC"

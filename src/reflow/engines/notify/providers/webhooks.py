"""The `generic` and `generic-hmac` providers: the event itself, POSTed as JSON, signed with the token for hmac."""

from __future__ import annotations

import hashlib
import hmac
import json

from reflow.engines.notify.event import Event
from reflow.engines.notify.target import ProviderError, Request, Target, http_url

COMPONENT_HEADER = "Gotk-Component"
SIGNATURE_HEADER = "X-Signature"


def signature(body: bytes, key: str) -> str:
    """`sha256=<hex>`: the HMAC-SHA256 of the body with the token, which receivers verify."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def generic(event: Event, target: Target) -> Request:
    """The event JSON, with the Secret's headers and `Gotk-Component: <reporting controller>`."""
    return _forward(event, target, signed=False)


def generic_hmac(event: Event, target: Target) -> Request:
    """As `generic`, plus `X-Signature: sha256=<hmac of the body with the token>`."""
    if not target.token:
        raise ProviderError("generic-hmac needs a `token` in the Provider's Secret to sign with")
    return _forward(event, target, signed=True)


def _forward(event: Event, target: Target, *, signed: bool) -> Request:
    body = json.dumps(event.body(), separators=(",", ":"), ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json", COMPONENT_HEADER: event.reporting_controller, **target.headers}
    if signed:
        headers[SIGNATURE_HEADER] = signature(body, target.token)
    return Request(url=http_url(target.address, target.type), body=body, headers=headers)

"""`gcr` Receivers: a Google ID token in `Authorization: Bearer` (Pub/Sub push authentication) for the Secret's
`audience` and service-account `email`, then the Artifact Registry/GCR event inside the Pub/Sub message.

Pure: Google's keys come in as a JWKS document (`issuer.Issuers` fetches and keeps them).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from typing import Any

from .oidc import unverified_claims, verify_token
from .validate import Accepted, Check, InvalidHook

GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs"
"""The key set Google signs ID tokens with (RS256), the one Google's own ID-token validator reads."""
GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
"""The two spellings of Google's issuer a token may carry."""
GOOGLE_ALGORITHMS = ("RS256",)
"""What Google signs service-account ID tokens with (its validator checks ES256 only for IAP, against other keys)."""
EVENT_FIELDS = ("action", "digest", "tag")
"""The fields of a registry event, which become the payload the Receiver's filters read as `req`."""


def expected_identity(check: Check) -> tuple[str, str]:
    """The service-account `email` and the `audience` the Secret names; InvalidHook when either is missing."""
    if check.secret is None:
        raise InvalidHook("secretRef is required for GCR receivers")
    found = []
    for key in ("email", "audience"):
        value = check.secret.get(key, b"").decode("utf-8", "replace")
        if not value:
            raise InvalidHook(f"invalid secret data: required field '{key}' for GCR receiver")
        found.append(value)
    return found[0], found[1]


def claimed_audience(token: str) -> str:
    """The token's `aud` when it is a string, read unverified for the error message; `<unknown>` otherwise."""
    try:
        audience = unverified_claims(token).get("aud")
    except InvalidHook:
        return "<unknown>"
    return audience if isinstance(audience, str) and audience else "<unknown>"


def verify_google_token(
    token: str, *, email: str, audience: str, jwks: Mapping[str, Any], now: float
) -> dict[str, Any]:
    """The claims of an ID token Google signed for `audience`, not expired, issued by Google to the verified
    service account `email`; InvalidHook says which check failed (a bad signature, audience or expiry with the
    token's audience beside the wanted one, as Flux says it)."""
    try:
        claims = verify_token(token, issuer=None, audience=audience, jwks=jwks, algorithms=GOOGLE_ALGORITHMS, now=now)
    except InvalidHook as err:
        raise invalid_token(token, audience, err) from err
    issuer, got_email = (_string(claims.get(key)) for key in ("iss", "email"))
    if issuer not in GOOGLE_ISSUERS:
        raise InvalidHook(f"token issuer is '{issuer}', want 'accounts.google.com' or 'https://accounts.google.com'")
    if got_email != email:
        raise InvalidHook(f"token email is '{got_email}', want '{email}'")
    if claims.get("email_verified") is not True:
        raise InvalidHook(f"token email '{got_email}' is not verified")
    return claims


def _string(value: Any) -> str:
    """A claim as Flux reads it for a message: a string (cut at 256 characters), else empty."""
    return value[:256] if isinstance(value, str) else ""


def invalid_token(token: str, audience: str, err: InvalidHook) -> InvalidHook:
    """A failed verification as Flux words it: the token's audience and the wanted one, then the reason."""
    return InvalidHook(f"invalid ID token: audience is '{claimed_audience(token)[:256]}', want '{audience}': {err}")


def pubsub_event(body: bytes) -> Accepted:
    """The registry event base64-encoded in a Pub/Sub push's `message.data`, re-encoded as the payload."""
    try:
        push = json.loads(body)
    except ValueError as err:
        raise InvalidHook(f"cannot decode GCR webhook payload: {err}") from err
    message = push.get("message") if isinstance(push, dict) else None
    if not isinstance(push, dict) or not isinstance(message, dict | None):
        raise InvalidHook("cannot decode GCR webhook payload: not a Pub/Sub push message")
    data = (message or {}).get("data") or ""
    if not isinstance(data, str):
        raise InvalidHook("cannot decode GCR webhook payload: message.data is not a string")
    try:
        event = json.loads(base64.b64decode(data, validate=True))
    except ValueError as err:
        raise InvalidHook(f"cannot decode GCR webhook body: {err}") from err
    if not isinstance(event, dict) or any(not isinstance(event.get(key, ""), str) for key in EVENT_FIELDS):
        raise InvalidHook("cannot decode GCR webhook body: not an event with string action, digest and tag")
    fields = {key: event.get(key, "") for key in EVENT_FIELDS}
    payload = json.dumps(fields, separators=(",", ":"), ensure_ascii=False).encode()
    return Accepted(f"GCR event from {fields['digest'][:256]} for tag {fields['tag'][:256]}", payload)

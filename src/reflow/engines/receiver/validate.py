"""Whether a webhook request comes from the Receiver's sender: one check per Receiver type, as Flux checks it.

The checks are pure: the request's headers and body, the Secret's data and the accepted event types in,
an `Accepted` record or an `InvalidHook` error out. No message ever holds the token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

TOKEN_KEY = "token"
DIGESTS: Mapping[str, Callable[[], Any]] = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
"""The hash names a `<name>=<hex>` signature header may start with (GitHub's, Bitbucket's, generic-hmac's)."""


class InvalidHook(Exception):
    """A request the Receiver refuses: a bad or missing signature, a wrong token, an event not accepted."""


@dataclass(frozen=True, slots=True)
class Hook:
    """One webhook request: its headers (looked up case-insensitively) and its body."""

    headers: Mapping[str, str]
    body: bytes

    @classmethod
    def of(cls, headers: Mapping[str, str], body: bytes) -> Hook:
        """A hook from any header mapping; names are lower-cased once here."""
        return cls({name.lower(): value for name, value in headers.items()}, body)

    def header(self, name: str) -> str:
        """The header's value, or `` when it is absent."""
        return self.headers.get(name.lower(), "")


@dataclass(frozen=True, slots=True)
class Accepted:
    """A request that passed its check: what it was (for the log), and the payload later filters read."""

    description: str
    payload: bytes
    claims: Mapping[str, Any] | None = None
    """The verified token's claims (`generic-oidc` only), which the filters read as `claims`."""


@dataclass(frozen=True, slots=True)
class Check:
    """What a check is given besides the request: the Secret's data and the accepted event types."""

    secret: Mapping[str, bytes] | None
    events: Sequence[str]

    @property
    def token(self) -> bytes:
        """The Secret's `token` (`validate` has checked that a Secret holds one); empty without a Secret."""
        return (self.secret or {}).get(TOKEN_KEY, b"")

    def allow(self, event: str, sender: str) -> None:
        """Refuse an event type outside `events` (compared without case); every type is accepted when empty."""
        if self.events and not any(event.casefold() == allowed.casefold() for allowed in self.events):
            raise InvalidHook(f"the {sender} event '{event}' is not authorised")


def validate(receiver_type: str, hook: Hook, check: Check) -> Accepted:
    """Check a request for a Receiver of this type; InvalidHook says why it is refused."""
    validator = VALIDATORS.get(receiver_type)
    if validator is None:
        raise InvalidHook(f"receiver type '{receiver_type}' is not supported in this build")
    require_token(check)
    return validator(hook, check)


def require_token(check: Check) -> None:
    """Refuse a Secret without `token`, which every Receiver type with a Secret needs (its path is made from it)."""
    if check.secret is not None and TOKEN_KEY not in check.secret:
        raise InvalidHook("invalid secret data: required field 'token'")


def signature_valid(signature: str, body: bytes, key: bytes) -> None:
    """Check a `<sha1|sha256|sha512>=<hex>` HMAC of the body; InvalidHook names what is wrong (never the key)."""
    if not signature:
        raise InvalidHook("missing signature")
    name, sep, digest = signature.partition("=")
    if not sep:
        raise InvalidHook("error parsing signature")
    if name not in DIGESTS:
        raise InvalidHook(f"unknown hash type prefix: '{name[:16]}'")
    try:
        expected = bytes.fromhex(digest)
    except ValueError as err:
        raise InvalidHook("error decoding signature") from err
    if not hmac.compare_digest(hmac.new(key, body, DIGESTS[name]).digest(), expected):
        raise InvalidHook("payload signature check failed")


def _generic(hook: Hook, check: Check) -> Accepted:
    del check
    return Accepted("generic request", hook.body)


def _generic_hmac(hook: Hook, check: Check) -> Accepted:
    try:
        signature_valid(hook.header("X-Signature"), hook.body, check.token)
    except InvalidHook as err:
        raise InvalidHook(f"unable to validate HMAC signature: {err}") from err
    return Accepted("generic-hmac request", hook.body)


def _hub_payload(hook: Hook, token: bytes) -> bytes:
    """The payload of a GitHub-style request, its `X-Hub-Signature-256` (else `X-Hub-Signature`) checked
    over the raw body; a form-encoded request carries the payload in its `payload` field."""
    media_type = hook.header("Content-Type").partition(";")[0].strip().lower()
    if media_type == "application/json":
        payload = hook.body
    elif media_type == "application/x-www-form-urlencoded":
        payload = parse_qs(hook.body.decode("utf-8", "replace")).get("payload", [""])[0].encode()
    elif not media_type:
        raise InvalidHook("mime: no media type")
    else:
        raise InvalidHook(f"webhook request has unsupported Content-Type '{media_type[:64]}'")
    signature = hook.header("X-Hub-Signature-256") or hook.header("X-Hub-Signature")
    if token or signature:
        signature_valid(signature, hook.body, token)
    return payload


def _github(hook: Hook, check: Check) -> Accepted:
    try:
        payload = _hub_payload(hook, check.token)
    except InvalidHook as err:
        raise InvalidHook(f"the GitHub signature header is invalid, err: {err}") from err
    event = hook.header("X-GitHub-Event")
    check.allow(event, "GitHub")
    return Accepted(f"GitHub event: {event}", payload)


def _gitlab(hook: Hook, check: Check) -> Accepted:
    if not hmac.compare_digest(hook.header("X-Gitlab-Token").encode(), check.token):
        raise InvalidHook("the X-Gitlab-Token header value does not match the receiver token")
    event = hook.header("X-Gitlab-Event")
    check.allow(event, "GitLab")
    return Accepted(f"GitLab event: {event}", hook.body)


def _bitbucket(hook: Hook, check: Check) -> Accepted:
    try:
        payload = _hub_payload(hook, check.token)
    except InvalidHook as err:
        raise InvalidHook(f"the Bitbucket server signature header is invalid, err: {err}") from err
    event = hook.header("X-Event-Key")
    check.allow(event, "Bitbucket server")
    return Accepted(f"Bitbucket server event: {event}", payload)


def _harbor(hook: Hook, check: Check) -> Accepted:
    if not hmac.compare_digest(hook.header("Authorization").encode(), check.token):
        raise InvalidHook("the Harbor Authorization header value does not match the receiver token")
    return Accepted("Harbor event", hook.body)


def _json(body: bytes, what: str) -> Mapping[str, Any]:
    """The body as a JSON object; InvalidHook naming the sender when it is not one."""
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, ValueError) as err:
        raise InvalidHook(f"cannot decode {what} webhook payload: {err}") from err
    if not isinstance(value, dict):
        raise InvalidHook(f"cannot decode {what} webhook payload: not a JSON object")
    return value


def _field(value: Mapping[str, Any], *path: str) -> str:
    """A nested string field of a decoded payload, `` when absent."""
    found: Any = value
    for key in path:
        found = found.get(key) if isinstance(found, Mapping) else None
    return found if isinstance(found, str) else ""


def _quay(hook: Hook, check: Check) -> Accepted:
    payload = _json(hook.body, "Quay")
    return Accepted(f"Quay event from {_field(payload, 'docker_url')}", hook.body)


def _dockerhub(hook: Hook, check: Check) -> Accepted:
    payload = _json(hook.body, "DockerHub")
    url, tag = _field(payload, "repository", "repo_url"), _field(payload, "push_data", "tag")
    return Accepted(f"DockerHub event from {url} for tag {tag}", hook.body)


def _acr(hook: Hook, check: Check) -> Accepted:
    payload = _json(hook.body, "ACR")
    repository, tag = _field(payload, "target", "repository"), _field(payload, "target", "tag")
    return Accepted(f"ACR event from {repository} for tag {tag}", hook.body)


def _nexus(hook: Hook, check: Check) -> Accepted:
    signature = hook.header("X-Nexus-Webhook-Signature")
    if not signature:
        raise InvalidHook("the Nexus signature is missing from header")
    expected = hmac.new(check.token, hook.body, hashlib.sha1).hexdigest()
    if not hmac.compare_digest(signature.encode(), expected.encode()):
        raise InvalidHook("invalid Nexus signature")
    payload = _json(hook.body, "Nexus")
    return Accepted(f"Nexus event from {_field(payload, 'repositoryName')}", hook.body)


CDEVENT_CONTEXT = ("id", "source", "type", "timestamp", "specversion")


def _cdevents(hook: Hook, check: Check) -> Accepted:
    try:
        event = _json(hook.body, "CDEvent")
    except InvalidHook as err:
        raise InvalidHook(f"unable to validate CDEvent event: {err}") from err
    context, subject = event.get("context"), event.get("subject")
    if not isinstance(context, Mapping) or not isinstance(subject, Mapping):
        raise InvalidHook("unable to validate CDEvent event: 'context' and 'subject' objects are required")
    missing = [key for key in CDEVENT_CONTEXT if not isinstance(context.get(key), str) or not context.get(key)]
    if missing:
        raise InvalidHook(f"unable to validate CDEvent event: context lacks {', '.join(missing)}")
    if not str(context["type"]).startswith("dev.cdevents."):
        raise InvalidHook("unable to validate CDEvent event: context.type is not a dev.cdevents type")
    event_type = hook.header("Ce-Type")
    check.allow(event_type, "CDEvent")
    return Accepted(f"CDEvent: {event_type}", hook.body)


VALIDATORS: Mapping[str, Callable[[Hook, Check], Accepted]] = {
    "generic": _generic,
    "generic-hmac": _generic_hmac,
    "github": _github,
    "gitlab": _gitlab,
    "bitbucket": _bitbucket,
    "harbor": _harbor,
    "dockerhub": _dockerhub,
    "quay": _quay,
    "nexus": _nexus,
    "acr": _acr,
    "cdevents": _cdevents,
}
"""One check per Receiver type; `generic-oidc` and `gcr` fetch the issuer's keys, so `issuer.Issuers` checks them."""

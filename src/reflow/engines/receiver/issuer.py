"""OpenID issuers for `generic-oidc` Receivers, found by discovery (`/.well-known/openid-configuration`), and Google's
for `gcr` Receivers: their key sets fetched over HTTP and kept for a while; a token signed with a key not seen yet
fetches the keys again."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from reflow.api.notification import OIDCProvider

from .gcr import (
    GOOGLE_ALGORITHMS,
    GOOGLE_CERTS_URL,
    expected_identity,
    invalid_token,
    pubsub_event,
    verify_google_token,
)
from .oidc import (
    DEFAULT_ALGORITHMS,
    DEFAULT_AUDIENCE,
    SUPPORTED_ALGORITHMS,
    InvalidExpression,
    bearer_token,
    compile_rules,
    key_id,
    provider_for,
    unverified_issuer,
    verify_token,
)
from .validate import Accepted, Check, Hook, InvalidHook, require_token

DISCOVERY_PATH = "/.well-known/openid-configuration"
FETCH_TIMEOUT = 10.0
"""Seconds for the discovery document and for the key set, each."""
KEYS_TTL = 300.0
"""Seconds an issuer's keys are reused before they are fetched again."""
REFRESH_MIN = 10.0
"""Seconds between two fetches for an unknown key id, so made-up key ids cannot make reflow hammer the issuer."""
DOCUMENT_LIMIT = 1 << 20
"""Largest discovery document or key set read, in bytes."""


@dataclass(frozen=True, slots=True)
class Issuer:
    """What discovery says about an issuer: its keys, the algorithms it signs with, and when they were read."""

    jwks: Mapping[str, Any]
    algorithms: tuple[str, ...]
    fetched: float

    def knows(self, kid: str | None) -> bool:
        """Whether the key set holds this key id (any key when the token names none)."""
        keys = [item for item in self.jwks.get("keys", []) if isinstance(item, dict)]
        return kid is None or any(item.get("kid") == kid for item in keys)


class Issuers:
    """Discovery and key sets per issuer URL, and key sets per JWKS URL (Google's), reused for `KEYS_TTL` seconds."""

    def __init__(self, clock: Callable[[], float] = time.time, *, google_certs_url: str = GOOGLE_CERTS_URL) -> None:
        self.clock = clock
        self.google_certs_url = google_certs_url
        self.known: dict[str, Issuer] = {}
        self.key_sets: dict[str, Issuer] = {}

    async def issuer(self, url: str, kid: str | None) -> Issuer:
        """The issuer's keys, fetched again when they are old, or do not hold `kid` and were not just fetched."""
        return await _cached(self.known, url, kid, self.clock(), discover)

    async def key_set(self, url: str, kid: str | None) -> Issuer:
        """The key set at a JWKS URL (no discovery), kept and fetched again as `issuer` keeps an issuer's."""
        return await _cached(self.key_sets, url, kid, self.clock(), fetch_key_set)

    async def authenticate(self, hook: Hook, providers: Sequence[OIDCProvider]) -> Accepted:
        """Verify the bearer token with the provider of its issuer and apply the provider's CEL rules."""
        token = bearer_token(hook)
        provider = provider_for(providers, unverified_issuer(token))
        issuer = await self.issuer(provider.issuer_url, key_id(token))
        try:
            claims = verify_token(token, issuer=provider.issuer_url, audience=provider.audience or DEFAULT_AUDIENCE,
                                  jwks=issuer.jwks, algorithms=issuer.algorithms, now=self.clock())  # fmt: skip
        except InvalidHook as err:
            raise InvalidHook(f"failed to verify OIDC token: {err}") from err
        try:
            rules = compile_rules(provider)
        except InvalidExpression as err:  # the reconciler stalls such a Receiver; a request may still race it
            raise InvalidHook(str(err)) from err
        rules.judge(claims)
        subject = str(claims.get("sub", ""))[:256]
        return Accepted(f"generic-oidc request from {provider.issuer_url} (subject {subject!r})", hook.body, claims)

    async def authenticate_gcr(self, hook: Hook, check: Check) -> Accepted:
        """Verify a `gcr` request's Google ID token against the Secret's email and audience, then unwrap the
        registry event from the Pub/Sub message."""
        require_token(check)
        email, audience = expected_identity(check)
        try:
            token = bearer_token(hook)
            try:
                keys = await self.key_set(self.google_certs_url, key_id(token))
            except InvalidHook as err:
                raise invalid_token(token, audience, err) from err
            verify_google_token(token, email=email, audience=audience, jwks=keys.jwks, now=self.clock())
        except InvalidHook as err:
            raise InvalidHook(f"cannot authenticate GCR request: {err}") from err
        return pubsub_event(hook.body)


async def _cached(
    known: dict[str, Issuer], url: str, kid: str | None, now: float, fetch: Callable[[str, float], Awaitable[Issuer]]
) -> Issuer:
    """The keys kept for `url`, fetched again when they are older than `KEYS_TTL`, or lack `kid` and are older
    than `REFRESH_MIN`."""
    cached = known.get(url)
    if cached is not None:
        age = now - cached.fetched
        if age <= KEYS_TTL and (cached.knows(kid) or age < REFRESH_MIN):
            return cached
    cached = await fetch(url, now)
    known[url] = cached
    return cached


async def discover(url: str, now: float) -> Issuer:
    """Read the discovery document (its `issuer` must be `url` exactly) and the key set at its `jwks_uri`."""
    failure = f"failed to initialize OIDC provider for issuer {url!r}"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT)) as session:
        document = await _fetch(session, url.rstrip("/") + DISCOVERY_PATH, failure)
        if document.get("issuer") != url:
            raise InvalidHook(f"{failure}: the discovery document names issuer "
                              f"{str(document.get('issuer'))[:256]!r}")  # fmt: skip
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("http://", "https://")):
            raise InvalidHook(f"{failure}: no jwks_uri")
        jwks = await _fetch(session, jwks_uri, failure)
    listed = document.get("id_token_signing_alg_values_supported")
    algorithms = tuple(name for name in listed if name in SUPPORTED_ALGORITHMS) if isinstance(listed, list) else ()
    return Issuer(jwks, algorithms or DEFAULT_ALGORITHMS, now)


async def fetch_key_set(url: str, now: float) -> Issuer:
    """Read the key set at `url` (Google's certificates), whose keys sign with RS256."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=FETCH_TIMEOUT)) as session:
        jwks = await _fetch(session, url, "unable to retrieve the signing keys")
    return Issuer(jwks, GOOGLE_ALGORITHMS, now)


async def _fetch(session: aiohttp.ClientSession, address: str, failure: str) -> dict[str, Any]:
    """A JSON object read from `address`; InvalidHook starting with `failure` when it cannot be."""
    try:
        async with session.get(address, allow_redirects=False) as answer:
            body = await answer.content.read(DOCUMENT_LIMIT + 1)
            if answer.status != 200:
                raise InvalidHook(f"{failure}: GET {address} answered {answer.status}")
    except (aiohttp.ClientError, TimeoutError) as err:
        raise InvalidHook(f"{failure}: GET {address}: {err or 'timed out'}") from err
    try:
        if len(body) > DOCUMENT_LIMIT:
            raise ValueError("too large")
        loaded = json.loads(body)
    except ValueError as err:
        raise InvalidHook(f"{failure}: {address} is not JSON") from err
    if not isinstance(loaded, dict):
        raise InvalidHook(f"{failure}: {address} is not a JSON object")
    return loaded

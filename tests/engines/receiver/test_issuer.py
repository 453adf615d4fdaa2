"""An issuer's discovery document and keys come over HTTP (a local issuer on loopback), are reused, and are
fetched again for a key id not seen yet; an issuer that names another issuer or cannot be reached is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from reflow.api.notification import CELValidation, OIDCProvider
from reflow.engines.receiver.issuer import REFRESH_MIN, Issuers
from reflow.engines.receiver.validate import Hook, InvalidHook
from tests.oidcissuer import LocalIssuer, SigningKey, served_issuer


def provider(issuer: LocalIssuer, audience: str | None = None) -> OIDCProvider:
    return OIDCProvider(issuer_url=issuer.url, audience=audience,
                        validations=(CELValidation(expression="claims.sub.startsWith('repo:org/')",
                                                   message="not our org"),))  # fmt: skip


def bearer(token: str) -> Hook:
    return Hook.of({"Authorization": f"Bearer {token}"}, b"{}")


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_keys_are_reused_and_fetched_again_for_a_rotated_key() -> None:
    async with served_issuer() as issuer:
        clock = Clock()
        issuers = Issuers()
        accepted = await issuers.authenticate(bearer(issuer.token()), [provider(issuer)])
        assert accepted.claims is not None
        assert accepted.claims["sub"] == "repo:org/app:ref:refs/heads/main"
        assert issuer.served == 2  # discovery, then the key set
        await issuers.authenticate(bearer(issuer.token()), [provider(issuer)])
        assert issuer.served == 2

        issuer.keys.insert(0, SigningKey())
        issuers.clock = clock
        issuers.known[issuer.url] = replace(issuers.known[issuer.url], fetched=clock.now - REFRESH_MIN - 1)
        await issuers.authenticate(bearer(issuer.token()), [provider(issuer)])
        assert issuer.served == 4


async def test_made_up_key_ids_do_not_fetch_the_keys_again_at_once() -> None:
    async with served_issuer() as issuer:
        issuers = Issuers()
        await issuers.authenticate(bearer(issuer.token()), [provider(issuer)])
        for _ in range(3):
            with pytest.raises(InvalidHook, match="no key of the issuer"):
                await issuers.authenticate(bearer(issuer.token(key=SigningKey())), [provider(issuer)])
        assert issuer.served == 2


async def test_validations_and_audience_decide_after_the_signature() -> None:
    async with served_issuer() as issuer:
        issuers = Issuers()
        with pytest.raises(InvalidHook, match="token validation failed: not our org"):
            await issuers.authenticate(bearer(issuer.token(sub="repo:other/app")), [provider(issuer)])
        with pytest.raises(InvalidHook, match="Audience doesn't match"):
            await issuers.authenticate(bearer(issuer.token()), [provider(issuer, audience="flux-webhooks")])
        accepted = await issuers.authenticate(bearer(issuer.token(aud="flux-webhooks")),
                                              [provider(issuer, audience="flux-webhooks")])  # fmt: skip
        assert accepted.description.startswith(f"generic-oidc request from {issuer.url}")


async def test_an_issuer_whose_discovery_names_another_issuer_is_refused() -> None:
    async with served_issuer() as issuer:
        issuer.named = "https://accounts.example.com"
        with pytest.raises(InvalidHook, match=r"discovery document names issuer 'https://accounts\.example\.com'"):
            await Issuers().authenticate(bearer(issuer.token()), [provider(issuer)])


async def test_an_unreachable_issuer_is_a_refusal_not_a_crash() -> None:
    issuer = LocalIssuer(url="http://127.0.0.1:9")
    with pytest.raises(InvalidHook, match="failed to initialize OIDC provider"):
        await Issuers().authenticate(bearer(issuer.token()), [provider(issuer)])

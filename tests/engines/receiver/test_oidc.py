"""generic-oidc: a token verifies only with the issuer's key, for its issuer and audience, within its lifetime; the
provider's CEL variables and validations then decide, and invalid providers are refused before any request."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from reflow.api.meta import LocalObjectReference
from reflow.api.notification import CELValidation, CELVariable, OIDCProvider, ReceiverResource, ReceiverSpec
from reflow.engines.receiver.oidc import (
    InvalidExpression,
    InvalidProviders,
    bearer_token,
    check_providers,
    check_receiver,
    compile_rules,
    provider_for,
    unverified_issuer,
    verify_token,
)
from reflow.engines.receiver.validate import Hook, InvalidHook
from tests.oidcissuer import LocalIssuer, SigningKey

ISSUER = LocalIssuer()


def verify(token: str, *, audience: str = "notification-controller", now: float | None = None,
           algorithms: tuple[str, ...] = ("RS256",)) -> dict[str, Any]:  # fmt: skip
    return verify_token(token, issuer=ISSUER.url, audience=audience, jwks=ISSUER.jwks, algorithms=algorithms,
                        now=time.time() if now is None else now)  # fmt: skip


def provider(*validations: tuple[str, str], variables: tuple[tuple[str, str], ...] = ()) -> OIDCProvider:
    return OIDCProvider(issuer_url=ISSUER.url,
                        variables=tuple(CELVariable(name=n, expression=e) for n, e in variables),
                        validations=tuple(CELValidation(expression=e, message=m) for e, m in validations))  # fmt: skip


def test_a_token_signed_by_the_issuer_yields_its_claims() -> None:
    claims = verify(ISSUER.token(repository_owner="org"))
    assert (claims["iss"], claims["repository_owner"]) == (ISSUER.url, "org")


@pytest.mark.parametrize(
    ("make_token", "options", "words"),
    [
        pytest.param(lambda: ISSUER.token(key=SigningKey(kid=ISSUER.keys[0].kid)), {}, "Signature verification failed",
                     id="another-key-same-kid"),
        pytest.param(lambda: ISSUER.token(key=SigningKey()), {}, "no key of the issuer", id="unknown-kid"),
        pytest.param(lambda: ISSUER.token(aud="someone-else"), {}, "Audience doesn't match", id="wrong-audience"),
        pytest.param(lambda: ISSUER.token(iss="https://elsewhere.invalid"), {}, "Invalid issuer", id="wrong-issuer"),
        pytest.param(lambda: ISSUER.token(lifetime=-1), {}, "expired", id="expired"),
        pytest.param(ISSUER.token, {"now": time.time() + 3600}, "expired", id="expired-later"),
        pytest.param(lambda: ISSUER.token(nbf=int(time.time()) + 3600), {}, "not before", id="not-yet-valid"),
        pytest.param(ISSUER.token, {"algorithms": ("ES256",)}, "algorithm 'RS256' not accepted", id="algorithm"),
        pytest.param(ISSUER.token, {"audience": "other"}, "Audience doesn't match", id="configured-audience"),
    ],
)  # fmt: skip
def test_a_token_the_issuer_did_not_sign_for_this_receiver_is_refused(
    make_token: Callable[[], str], options: dict[str, Any], words: str
) -> None:
    token = make_token()  # made when the test runs: tokens made at collection may expire before it does
    with pytest.raises(InvalidHook, match=words):
        verify(token, **options)


def test_a_token_within_the_not_before_leeway_is_accepted() -> None:
    assert verify(ISSUER.token(nbf=int(time.time()) + 60))["sub"]


@pytest.mark.parametrize(
    ("header", "words"),
    [
        pytest.param({}, "missing or malformed", id="no-header"),
        pytest.param({"Authorization": "Basic abc"}, "missing or malformed", id="basic"),
        pytest.param({"Authorization": "Bearer  "}, "missing a bearer token", id="empty"),
    ],
)
def test_a_request_without_a_bearer_token_is_refused(header: dict[str, str], words: str) -> None:
    with pytest.raises(InvalidHook, match=words):
        bearer_token(Hook.of(header, b""))


def test_the_issuer_is_read_before_verification_only_to_pick_the_provider() -> None:
    token = ISSUER.token()
    assert unverified_issuer(token) == ISSUER.url
    assert provider_for([provider(("true", "m"))], ISSUER.url).issuer_url == ISSUER.url
    with pytest.raises(InvalidHook, match=r"no oidcProvider configured for issuer 'https://x\.invalid'"):
        provider_for([provider(("true", "m"))], "https://x.invalid")
    for bad in ("abc", "a.!!!.c", "a.e30.c"):
        with pytest.raises(InvalidHook, match="failed to parse bearer token"):
            unverified_issuer(bad)


def test_variables_feed_validations_and_every_failed_message_is_named() -> None:
    rules = compile_rules(provider(
        ("vars.owner == 'org'", "wrong org"),
        ("claims.repository in vars.allowed", "repo not in allowlist"),
        ("claims.ref == 'refs/heads/main'", "main only"),
        variables=(("owner", "claims.repository_owner"), ("allowed", "[vars.owner + '/a', vars.owner + '/b']")),
    ))  # fmt: skip
    rules.judge({"repository_owner": "org", "repository": "org/a", "ref": "refs/heads/main"})
    with pytest.raises(InvalidHook, match="token validation failed: repo not in allowlist; main only"):
        rules.judge({"repository_owner": "org", "repository": "org/c", "ref": "refs/tags/v1"})
    with pytest.raises(InvalidHook, match="failed to evaluate"):
        rules.judge({"repository": "org/a"})


@pytest.mark.parametrize(
    ("providers", "error", "words"),
    [
        pytest.param([provider()], InvalidProviders, "at least one validation is required", id="no-validations"),
        pytest.param([provider(("true", "m")), provider(("true", "m"))], InvalidProviders, "duplicate issuerURL",
                     id="duplicate"),
        pytest.param([provider(("true", ""))], InvalidProviders, "needs an expression and a message", id="no-message"),
        pytest.param([provider(("claims.x ==", "m"))], InvalidExpression, "invalid expression for validation 'm'",
                     id="syntax"),
        pytest.param([provider(("'text'", "m"))], InvalidExpression, "expected bool, got string", id="not-bool"),
        pytest.param([provider(("true", "m"), variables=(("v", "claims.("),))], InvalidExpression,
                     "invalid expression for variable 'v'", id="variable"),
    ],
)  # fmt: skip
def test_providers_that_break_the_api_rules_are_refused(
    providers: list[OIDCProvider], error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words):
        check_providers(providers)


def test_claims_of_every_json_type_reach_the_expressions() -> None:
    rules = compile_rules(provider(("claims.n == null && claims.f > 1.0 && claims.l[0].a && claims.big > 1.0", "m"),
                                   variables=(("v", "claims.n"),)))  # fmt: skip
    rules.judge({"n": None, "f": 1.5, "l": [{"a": True}], "big": 2**70})


@pytest.mark.parametrize(
    ("spec", "words"),
    [
        pytest.param({"type": "generic-oidc"}, "requires at least one oidcProvider", id="oidc-without-providers"),
        pytest.param({"type": "generic-oidc", "oidc_providers": (provider(("true", "m")),),
                      "secret_ref": LocalObjectReference(name="s")}, "secretRef cannot be set", id="oidc-with-secret"),
        pytest.param({"type": "github", "secret_ref": LocalObjectReference(name="s"),
                      "oidc_providers": (provider(("true", "m")),)}, "only be set when type is generic-oidc",
                     id="providers-elsewhere"),
        pytest.param({"type": "github"}, "secretRef is required", id="no-secret"),
    ],
)  # fmt: skip
def test_a_receiver_breaking_the_crd_rules_is_refused_even_if_the_api_server_took_it(
    spec: dict[str, Any], words: str
) -> None:
    resources = (ReceiverResource(kind="GitRepository", name="app"),)
    with pytest.raises(InvalidProviders, match=words):
        check_receiver(ReceiverSpec(resources=resources, **spec))

"""gcr: a Google ID token verifies only with Google's key, for the Secret's audience, unexpired, from Google's issuer,
for the Secret's verified service account; the Pub/Sub message's registry event then becomes the payload."""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import jwt
import pytest

from reflow.engines.receiver.gcr import expected_identity, pubsub_event, verify_google_token
from reflow.engines.receiver.issuer import Issuers
from reflow.engines.receiver.validate import Check, Hook, InvalidHook
from tests.oidcissuer import LocalIssuer, SigningKey, served_issuer

AUDIENCE = "https://hooks.example.com/hook/abc"
EMAIL = "pusher@project.iam.gserviceaccount.com"
TOKEN = b"s3cr3t-t0ken"
EVENT = {"action": "INSERT", "digest": "europe-docker.pkg.dev/p/r/app@sha256:" + "a" * 64,
         "tag": "europe-docker.pkg.dev/p/r/app:v1.2.3"}  # fmt: skip


def push(data: object) -> bytes:
    """A Pub/Sub push body whose `message.data` is `data` (a dict is JSON- then base64-encoded)."""
    encoded = base64.b64encode(json.dumps(data).encode()).decode() if isinstance(data, dict) else data
    return json.dumps({"message": {"data": encoded, "messageId": "1", "publishTime": "2026-01-01T00:00:00Z"},
                       "subscription": "projects/p/subscriptions/flux"}).encode()  # fmt: skip


def check(**secret: bytes) -> Check:
    return Check({"token": TOKEN, "email": EMAIL.encode(), "audience": AUDIENCE.encode(), **secret}, ())


@pytest.fixture(scope="module")
def google() -> LocalIssuer:
    """A key made when the tests run, standing in for Google's."""
    return LocalIssuer(url="https://accounts.google.com")


def verify(google: LocalIssuer, token: str) -> dict[str, Any]:
    return verify_google_token(token, email=EMAIL, audience=AUDIENCE, jwks=google.jwks, now=time.time())


@pytest.mark.parametrize("issuer", ["accounts.google.com", "https://accounts.google.com"])
def test_a_token_google_signed_for_the_audience_and_service_account_yields_its_claims(
    google: LocalIssuer, issuer: str
) -> None:
    claims = verify(google, google.google_token(AUDIENCE, EMAIL, iss=issuer))
    assert (claims["iss"], claims["email"], claims["aud"]) == (issuer, EMAIL, AUDIENCE)


@pytest.mark.parametrize(
    ("make_token", "words"),
    [
        pytest.param(lambda g: g.google_token(AUDIENCE, EMAIL, key=SigningKey(kid=g.keys[0].kid)),
                     f"invalid ID token: audience is '{AUDIENCE}', want '{AUDIENCE}': Signature verification failed",
                     id="bad-signature"),
        pytest.param(lambda g: g.google_token(AUDIENCE, EMAIL, key=SigningKey()),
                     f"invalid ID token: audience is '{AUDIENCE}', want '{AUDIENCE}': no key of the issuer matches the "
                     "token's key id", id="unknown-key"),
        pytest.param(lambda g: g.google_token("https://other.example", EMAIL),
                     f"invalid ID token: audience is 'https://other.example', want '{AUDIENCE}': "
                     "Audience doesn't match",
                     id="wrong-audience"),
        pytest.param(lambda g: g.google_token(AUDIENCE, EMAIL, lifetime=-5),
                     f"invalid ID token: audience is '{AUDIENCE}', want '{AUDIENCE}': token is expired", id="expired"),
        pytest.param(lambda g: jwt.encode({"aud": AUDIENCE, "exp": time.time() + 60}, "k" * 32, algorithm="HS256"),
                     "signing algorithm 'HS256' not accepted", id="not-rs256"),
        pytest.param(lambda g: g.google_token(AUDIENCE, EMAIL, iss="https://issuer.example"),
                     "token issuer is 'https://issuer.example', want 'accounts.google.com' or "
                     "'https://accounts.google.com'", id="wrong-issuer"),
        pytest.param(lambda g: g.google_token(AUDIENCE, "intruder@other.iam.gserviceaccount.com"),
                     f"token email is 'intruder@other.iam.gserviceaccount.com', want '{EMAIL}'", id="wrong-email"),
        pytest.param(lambda g: g.google_token(AUDIENCE, EMAIL, email_verified=False),
                     f"token email '{EMAIL}' is not verified", id="unverified-email"),
        pytest.param(lambda g: g.google_token(AUDIENCE, EMAIL, email_verified="true"),
                     f"token email '{EMAIL}' is not verified", id="verified-not-a-bool"),
    ],
)  # fmt: skip
def test_a_token_google_did_not_sign_for_this_receiver_is_refused(
    google: LocalIssuer, make_token: Callable[[LocalIssuer], str], words: str
) -> None:
    token = make_token(google)  # made when the test runs: tokens made at collection may expire before it does
    with pytest.raises(InvalidHook, match=re.escape(words)):
        verify(google, token)


@pytest.mark.parametrize(
    ("given", "words"),
    [
        pytest.param(Check(None, ()), "secretRef is required for GCR receivers", id="no-secret"),
        pytest.param(Check({"token": TOKEN, "audience": b"a"}, ()),
                     "invalid secret data: required field 'email' for GCR receiver", id="no-email"),
        pytest.param(Check({"token": TOKEN, "email": b"e", "audience": b""}, ()),
                     "invalid secret data: required field 'audience' for GCR receiver", id="empty-audience"),
    ],
)  # fmt: skip
def test_a_secret_without_the_expected_identity_is_refused(given: Check, words: str) -> None:
    with pytest.raises(InvalidHook, match=words):
        expected_identity(given)


def test_the_registry_event_inside_the_pubsub_message_becomes_the_payload() -> None:
    accepted = pubsub_event(push(EVENT))
    assert json.loads(accepted.payload) == EVENT
    assert accepted.payload.startswith(b'{"action":"INSERT","digest":')
    assert accepted.description == f"GCR event from {EVENT['digest']} for tag {EVENT['tag']}"
    assert json.loads(pubsub_event(push({"action": "DELETE"})).payload) == {"action": "DELETE", "digest": "", "tag": ""}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        pytest.param(b"not json", "cannot decode GCR webhook payload", id="not-json"),
        pytest.param(b'{"message": "x"}', "cannot decode GCR webhook payload", id="message-not-an-object"),
        pytest.param(push("%%% not base64"), "cannot decode GCR webhook body", id="data-not-base64"),
        pytest.param(push(base64.b64encode(b"not json").decode()), "cannot decode GCR webhook body",
                     id="data-not-json"),
        pytest.param(b'{"message": {}}', "cannot decode GCR webhook body", id="no-data"),
        pytest.param(push({"action": "INSERT", "tag": 3}), "cannot decode GCR webhook body", id="tag-not-a-string"),
    ],
)  # fmt: skip
def test_a_message_without_a_registry_event_is_refused(body: bytes, words: str) -> None:
    with pytest.raises(InvalidHook, match=words):
        pubsub_event(body)


@pytest.fixture
async def served_google() -> AsyncIterator[tuple[LocalIssuer, Issuers]]:
    """Google's key set served on loopback, and Issuers reading it there."""
    async with served_issuer() as issuer:
        yield issuer, Issuers(google_certs_url=f"{issuer.url}/keys")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


async def test_a_signed_push_is_accepted_and_google_keys_are_fetched_once(
    served_google: tuple[LocalIssuer, Issuers],
) -> None:
    google, issuers = served_google
    for _ in range(2):
        accepted = await issuers.authenticate_gcr(Hook.of(bearer(google.google_token(AUDIENCE, EMAIL)), push(EVENT)),
                                                  check())  # fmt: skip
        assert json.loads(accepted.payload) == EVENT
    assert google.served == 1  # the key set only: no discovery, and reused


@pytest.mark.parametrize(
    ("headers", "given", "words"),
    [
        pytest.param({}, check(), "cannot authenticate GCR request: the Authorization header is missing or malformed",
                     id="no-header"),
        pytest.param({"Authorization": "Basic abc"}, check(),
                     "cannot authenticate GCR request: the Authorization header is missing or malformed", id="basic"),
        pytest.param(bearer("not-a-jwt"), check(),
                     f"cannot authenticate GCR request: invalid ID token: audience is '<unknown>', want '{AUDIENCE}'",
                     id="not-a-jwt"),
        pytest.param({}, Check({"email": EMAIL.encode(), "audience": AUDIENCE.encode()}, ()),
                     "required field 'token'", id="no-token-in-secret"),
        pytest.param({}, check(email=b""), "required field 'email' for GCR receiver", id="no-email-in-secret"),
    ],
)  # fmt: skip
async def test_a_request_without_a_valid_bearer_token_is_refused_before_its_payload_is_read(
    served_google: tuple[LocalIssuer, Issuers], headers: dict[str, str], given: Check, words: str
) -> None:
    _, issuers = served_google
    with pytest.raises(InvalidHook, match=re.escape(words)) as raised:
        await issuers.authenticate_gcr(Hook.of(headers, push(EVENT)), given)
    assert TOKEN.decode() not in str(raised.value)


async def test_a_push_signed_by_another_key_or_with_an_undecodable_message_is_refused(
    served_google: tuple[LocalIssuer, Issuers],
) -> None:
    google, issuers = served_google
    forged = google.google_token(AUDIENCE, EMAIL, key=SigningKey(kid=google.keys[0].kid))
    with pytest.raises(InvalidHook, match=r"cannot authenticate GCR request: invalid ID token: .*Signature"):
        await issuers.authenticate_gcr(Hook.of(bearer(forged), push(EVENT)), check())
    with pytest.raises(InvalidHook, match="cannot decode GCR webhook body"):
        await issuers.authenticate_gcr(Hook.of(bearer(google.google_token(AUDIENCE, EMAIL)), push("@@")), check())


async def test_unreachable_google_keys_refuse_the_request() -> None:
    issuers = Issuers(google_certs_url="http://127.0.0.1:9/keys")
    token = LocalIssuer().google_token(AUDIENCE, EMAIL)
    with pytest.raises(InvalidHook, match=r"invalid ID token: .*unable to retrieve the signing keys: GET http://127"):
        await issuers.authenticate_gcr(Hook.of(bearer(token), push(EVENT)), check())

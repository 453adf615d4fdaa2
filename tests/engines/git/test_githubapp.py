"""GitHub App tokens: the Secret's keys, the signed JWT, and the token request against a loopback server
that speaks GitHub's token endpoints, directly and through a real authenticating proxy (pproxy)."""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

from reflow.engines.git import AuthenticationFailed, InvalidProviderConfiguration, Proxy, TokenCache
from reflow.engines.git.githubapp import (
    InstallationToken,
    app_jwt,
    cache_for,
    github_app_from_secret,
    request_token,
)
from tests.githubapi import GitHubTokenServer, claims_of, rsa_key_pem
from tests.gitservers import TLSFiles, free_port
from tests.loopback import loopback
from tests.proxyserver import ProxyServer

APP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def app_secret(**overrides: bytes | None) -> dict[str, bytes]:
    data: dict[str, bytes | None] = {
        "githubAppID": b"4242",
        "githubAppInstallationID": b"77",
        "githubAppPrivateKey": rsa_key_pem(APP_KEY),
        **overrides,
    }
    return {key: value for key, value in data.items() if value is not None}


@pytest.mark.parametrize(
    ("overrides", "error", "says"),
    [
        pytest.param(
            {"githubAppID": None, "githubAppInstallationID": None, "githubAppPrivateKey": None, "username": b"u"},
            InvalidProviderConfiguration,
            "holds no GitHub App data",
            id="no-app-data",
        ),
        pytest.param({"githubAppID": None}, AuthenticationFailed, "'githubAppClientID'", id="no-app-id"),
        pytest.param({"githubAppInstallationID": None}, AuthenticationFailed, "exactly one of", id="no-installation"),
        pytest.param(
            {"githubAppInstallationOwner": b"acme"}, AuthenticationFailed, "exactly one of", id="id-and-owner"
        ),
        pytest.param({"githubAppInstallationID": b"seventy"}, AuthenticationFailed, "a number", id="id-not-a-number"),
        pytest.param({"githubAppPrivateKey": None}, AuthenticationFailed, "'githubAppPrivateKey'", id="no-key"),
        pytest.param({"githubAppBaseURL": b"ftp://x"}, AuthenticationFailed, "http(s) URL", id="base-url-scheme"),
    ],
)
def test_a_secret_that_does_not_configure_an_app_says_what_is_missing(
    overrides: dict[str, bytes | None], error: type[Exception], says: str
) -> None:
    with pytest.raises(error, match=r"secret 'ns/app'") as raised:
        github_app_from_secret(app_secret(**overrides), "ns/app")
    assert says in str(raised.value)
    assert "PRIVATE KEY" not in str(raised.value)


def test_a_secret_reads_client_id_owner_base_url_and_ca() -> None:
    data = app_secret(
        githubAppID=None,
        githubAppClientID=b"Iv23liABC",
        githubAppInstallationID=None,
        githubAppInstallationOwner=b"acme",
        githubAppBaseURL=b"https://ghe.example.com/api/v3/",
    ) | {"ca.crt": b"PEM"}
    app = github_app_from_secret(data, "ns/app")
    assert (app.issuer, app.installation_id, app.installation_owner) == ("Iv23liABC", None, "acme")
    assert (app.base_url, app.ca_cert) == ("https://ghe.example.com/api/v3", b"PEM")
    assert "PRIVATE" not in repr(app)


def test_the_jwt_is_rs256_signed_by_the_app_key_with_github_s_time_window() -> None:
    app = github_app_from_secret(app_secret(), "ns/app")
    now = 1_800_000_000.7
    claims = claims_of(app_jwt(app, now), APP_KEY.public_key())
    assert claims == {"iss": "4242", "iat": 1_800_000_000 - 60, "exp": 1_800_000_000 + 540}
    with pytest.raises(ValueError, match="bad signature"):
        claims_of(app_jwt(app, now), OTHER_KEY.public_key())


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(b"-----BEGIN RSA PRIVATE KEY-----\nnot base64\n-----END RSA PRIVATE KEY-----\n", id="garbage"),
        pytest.param(
            ec.generate_private_key(ec.SECP256R1()).private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()),
            id="not-rsa",
        ),
    ],
)
def test_a_key_that_is_not_an_rsa_key_fails_clearly_without_showing_it(key: bytes) -> None:
    app = github_app_from_secret(app_secret(githubAppPrivateKey=key), "ns/app")
    with pytest.raises(AuthenticationFailed, match="not an unencrypted RSA private key") as raised:
        app_jwt(app, time.time())
    assert key.decode(errors="replace")[40:70] not in str(raised.value)


@pytest.mark.parametrize(
    ("remaining", "cached"),
    [
        pytest.param(3600, 2880, id="an-hour-cached-48-minutes"),
        pytest.param(100, 80, id="80-percent"),
        pytest.param(24 * 3600, 3600, id="at-most-an-hour"),
        pytest.param(-5, 0, id="expired-not-cached"),
    ],
)
def test_a_token_is_reused_for_80_percent_of_its_remaining_life(remaining: int, cached: float) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    token = InstallationToken("t", now + timedelta(seconds=remaining))
    assert cache_for(token, now) == pytest.approx(cached)


@pytest.fixture
async def github() -> AsyncIterator[tuple[GitHubTokenServer, str]]:
    """The token server for app 4242 (installation 77 on the organisation `acme`, 78 on the user `octo`)."""
    server = GitHubTokenServer(
        app_id="4242",
        public_key=APP_KEY.public_key(),
        installations={77: "acme", 78: "octo"},
        organisations=frozenset({"acme"}),
    )
    async with loopback() as serve:
        yield server, f"http://127.0.0.1:{await serve(server.handle, '127.0.0.1')}"


async def test_a_token_is_requested_once_and_reused_until_near_expiry(github: tuple[GitHubTokenServer, str]) -> None:
    server, base = github
    app = github_app_from_secret(app_secret(githubAppBaseURL=base.encode()), "ns/app")
    cache = TokenCache()

    first, second = await cache.token(app), await cache.token(app)

    assert first.token == second.token == server.token
    assert server.calls == [("POST", "/app/installations/77/access_tokens")]
    assert server.accepts == ["application/vnd.github+json"]
    assert first.expires_at > datetime.now(UTC) + timedelta(minutes=59)

    server.lifetime = 0  # GitHub now hands out tokens that expire at once: none is reused
    other = github_app_from_secret(app_secret(githubAppBaseURL=base.encode(), githubAppInstallationID=b"78"), "ns/b")
    await cache.token(other)
    await cache.token(other)
    assert server.token_requests == 3


@pytest.mark.parametrize(
    ("owner", "calls"),
    [
        pytest.param("acme", [("GET", "/orgs/acme/installation")], id="organisation"),
        pytest.param("octo", [("GET", "/orgs/octo/installation"), ("GET", "/users/octo/installation")], id="user"),
    ],
)
async def test_an_installation_owner_is_looked_up_as_organisation_then_user(
    github: tuple[GitHubTokenServer, str], owner: str, calls: list[tuple[str, str]]
) -> None:
    server, base = github
    data = app_secret(githubAppBaseURL=base.encode(), githubAppInstallationID=None)
    app = github_app_from_secret(data | {"githubAppInstallationOwner": owner.encode()}, "ns/app")
    token = await request_token(app)
    installation = 77 if owner == "acme" else 78
    assert token.token == server.token
    assert server.calls == [*calls, ("POST", f"/app/installations/{installation}/access_tokens")]


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        pytest.param({"githubAppInstallationID": b"999"}, "installation 999 of the app was not found", id="wrong-id"),
        pytest.param({"githubAppPrivateKey": rsa_key_pem(OTHER_KEY)}, "refused the app's signed token", id="wrong-key"),
        pytest.param({"githubAppID": b"1"}, "refused the app's signed token", id="wrong-app"),
        pytest.param(
            {"githubAppInstallationID": None, "githubAppInstallationOwner": b"nobody"},
            "is not installed on the organisation or user 'nobody'",
            id="unknown-owner",
        ),
    ],
)
async def test_github_refusing_gives_a_clear_error_without_key_or_jwt(
    github: tuple[GitHubTokenServer, str], overrides: dict[str, bytes | None], says: str
) -> None:
    server, base = github
    app = github_app_from_secret(app_secret(githubAppBaseURL=base.encode(), **overrides), "ns/app")
    with pytest.raises(AuthenticationFailed) as raised:
        await request_token(app)
    message = str(raised.value)
    assert says in message
    assert "eyJ" not in message  # no JWT (its base64 header starts so)
    assert "PRIVATE KEY" not in message
    assert server.token_requests <= 1


async def test_an_unreachable_api_and_a_redirect_fail_clearly() -> None:
    app = github_app_from_secret(app_secret(githubAppBaseURL=f"http://127.0.0.1:{free_port()}".encode()), "ns/app")
    with pytest.raises(AuthenticationFailed, match=r"unable to reach GitHub at http://127\.0\.0\.1:\d+: "):
        await request_token(app, timeout=10)

    seen: list[str] = []

    async def redirect(request: web.Request) -> web.StreamResponse:
        seen.append(request.host)
        raise web.HTTPTemporaryRedirect(f"http://127.0.0.2:{free_port()}{request.path}")

    async with loopback() as serve:
        port = await serve(redirect, "127.0.0.1")
        app = github_app_from_secret(app_secret(githubAppBaseURL=f"http://127.0.0.1:{port}".encode()), "ns/app")
        with pytest.raises(AuthenticationFailed, match="redirect, which is not followed"):
            await request_token(app)
    assert len(seen) == 1


@pytest.fixture
async def github_tls(tls_files: TLSFiles) -> AsyncIterator[tuple[GitHubTokenServer, str]]:
    """The same app's token server over HTTPS, with a certificate from the session CA."""
    server = GitHubTokenServer(app_id="4242", public_key=APP_KEY.public_key(), installations={77: "acme"})
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.server_cert, tls_files.server_key)
    try:
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
        yield server, f"https://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@pytest.mark.parametrize("scheme", ["http", "https"])
async def test_the_token_request_goes_through_the_proxy_with_its_credentials(
    github: tuple[GitHubTokenServer, str],
    github_tls: tuple[GitHubTokenServer, str],
    proxy_server: ProxyServer,
    tls_files: TLSFiles,
    scheme: str,
) -> None:
    server, base = github if scheme == "http" else github_tls
    data = app_secret(githubAppBaseURL=base.encode()) | {"ca.crt": tls_files.ca_cert.read_bytes()}
    app = github_app_from_secret(data, "ns/app")
    port = int(base.rsplit(":", 1)[1])
    proxy = Proxy(proxy_server.address, proxy_server.username, proxy_server.password)

    token = await request_token(app, proxy=proxy)
    assert token.token == server.token
    assert proxy_server.forwarded_to(port) == 1  # a GET for http, a CONNECT tunnel for https

    wrong = Proxy(proxy_server.address, proxy_server.username, "not-the-proxy-password")
    with pytest.raises(AuthenticationFailed, match="the proxy refused its credentials") as raised:
        await request_token(app, proxy=wrong)
    assert "not-the-proxy-password" not in str(raised.value)
    assert server.token_requests == 1

"""GitHub App authentication (`spec.provider: github`): the app's key signs a JWT, GitHub returns an installation token.

Git then logs in as `x-access-token` with that token as the password. Tokens are cached per app,
installation, API base URL and key until 80% of their lifetime has passed (at most an hour), as
Flux's token cache does, so a reconcile that finds the remote unchanged asks GitHub for nothing.
Requests to GitHub follow no redirect (the JWT would go with it) and pass the source's proxy.
Messages never hold the key, the JWT or the token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import aiohttp
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from reflow.engines.git.credentials import Credentials, credentials_from_secret
from reflow.engines.git.errors import AuthenticationFailed, InvalidProviderConfiguration, redact
from reflow.engines.git.proxy import Proxy

ACCESS_TOKEN_USERNAME = "x-access-token"
DEFAULT_BASE_URL = "https://api.github.com"
APP_KEYS = ("githubAppID", "githubAppClientID", "githubAppInstallationID", "githubAppInstallationOwner")
JWT_BACKDATE = 60
"""Seconds `iat` lies in the past, for clock drift (GitHub's advice)."""
JWT_LIFETIME = 540
"""Seconds from now until `exp`; GitHub refuses more than ten minutes."""
MAX_CACHE = 3600.0
"""Seconds a token is used at most, whatever its expiry."""
_SAID = 200
"""Characters of GitHub's own error message quoted."""


@dataclass(frozen=True, slots=True, kw_only=True, repr=False)
class GitHubApp:
    """Who asks GitHub for an installation token: the app (numeric id or client id), its installation
    (by id, or by the owning organisation or user), the app's RSA key and GitHub's API address."""

    issuer: str
    installation_id: int | None = None
    installation_owner: str | None = None
    private_key: bytes
    base_url: str = DEFAULT_BASE_URL
    ca_cert: bytes | None = None

    def __repr__(self) -> str:
        return f"GitHubApp(issuer={self.issuer!r}, installation={self.installation_id or self.installation_owner!r})"

    def cache_key(self) -> str:
        """Which cached token this app may use (a digest, so the key is not kept twice in memory)."""
        installation = f"{self.installation_id or ''}/{self.installation_owner or ''}"
        parts = [self.issuer, installation, self.base_url.rstrip("/"), self.private_key.decode(errors="replace")]
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


@dataclass(frozen=True, slots=True, repr=False)
class InstallationToken:
    """An installation access token and when GitHub says it expires."""

    token: str
    expires_at: datetime

    def __repr__(self) -> str:
        return f"InstallationToken(<hidden>, expires_at={self.expires_at.isoformat()})"


def _text(data: Mapping[str, bytes], key: str) -> str | None:
    value = data.get(key)
    return (value.decode().strip() or None) if value is not None else None


def has_app_data(data: Mapping[str, bytes]) -> bool:
    """Whether a Secret holds GitHub App keys (which only `provider: github` uses)."""
    return any(data.get(key) for key in APP_KEYS)


def github_app_from_secret(data: Mapping[str, bytes], name: str) -> GitHubApp:
    """The app in the decoded Secret `name`: `githubAppID` or `githubAppClientID`, exactly one of
    `githubAppInstallationID` and `githubAppInstallationOwner`, `githubAppPrivateKey`, optional
    `githubAppBaseURL` and `ca.crt`.

    As in Flux, a Secret without any app key is `InvalidProviderConfiguration`, and one with an app key
    missing or malformed is `AuthenticationFailed`."""
    if not has_app_data(data):
        raise InvalidProviderConfiguration(
            f"secret '{name}' holds no GitHub App data ('githubAppID', 'githubAppInstallationID', …), "
            "which provider 'github' needs"
        )

    def invalid(problem: str) -> AuthenticationFailed:
        return AuthenticationFailed(f"secret '{name}' does not configure a GitHub App: {problem}")

    issuer = _text(data, "githubAppID") or _text(data, "githubAppClientID")
    if issuer is None:
        raise invalid("set 'githubAppID' (the app's numeric id) or 'githubAppClientID'")
    installation, owner = _text(data, "githubAppInstallationID"), _text(data, "githubAppInstallationOwner")
    if (installation is None) == (owner is None):
        raise invalid("set exactly one of 'githubAppInstallationID' and 'githubAppInstallationOwner'")
    if installation is not None and not installation.isdecimal():
        raise invalid(f"'githubAppInstallationID' must be a number, not '{installation[:40]}'")
    key = data.get("githubAppPrivateKey")
    if not key:
        raise invalid("'githubAppPrivateKey' is missing or empty")
    base_url = _text(data, "githubAppBaseURL") or DEFAULT_BASE_URL
    if not base_url.startswith(("https://", "http://")):
        raise invalid(f"'githubAppBaseURL' must be an http(s) URL, not '{base_url[:80]}'")
    return GitHubApp(
        issuer=issuer,
        installation_id=int(installation) if installation else None,
        installation_owner=owner,
        private_key=key,
        base_url=base_url.rstrip("/"),
        ca_cert=data.get("ca.crt") or data.get("caFile") or None,
    )


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _rsa_key(app: GitHubApp) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(app.private_key, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        key = None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise AuthenticationFailed(
            "'githubAppPrivateKey' is not an unencrypted RSA private key in PEM form (as GitHub issues it)"
        )
    return key


def app_jwt(app: GitHubApp, now: float) -> str:
    """The RS256 JWT that authenticates as the app: `iss` the app, `iat` a minute ago, `exp` in 9 minutes."""
    issued = int(now) - JWT_BACKDATE
    header = {"alg": "RS256", "typ": "JWT"}
    claims = {"iat": issued, "exp": int(now) + JWT_LIFETIME, "iss": app.issuer}
    signed = ".".join(_b64(json.dumps(part, separators=(",", ":")).encode()) for part in (header, claims))
    signature = _rsa_key(app).sign(signed.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signed}.{_b64(signature)}"


def parse_token(body: Any) -> InstallationToken:
    """The token and expiry from GitHub's answer (`{"token": …, "expires_at": "…Z"}`)."""
    try:
        expires = datetime.fromisoformat(str(body["expires_at"]).replace("Z", "+00:00"))
        token = body["token"]
    except (KeyError, TypeError, ValueError):
        raise AuthenticationFailed("GitHub's answer holds no installation token with an expiry") from None
    if not isinstance(token, str) or not token:
        raise AuthenticationFailed("GitHub's answer holds no installation token with an expiry")
    return InstallationToken(token=token, expires_at=expires if expires.tzinfo else expires.replace(tzinfo=UTC))


def cache_for(token: InstallationToken, now: datetime) -> float:
    """Seconds `token` may be reused from `now`: 80% of its remaining lifetime, at most `MAX_CACHE`."""
    return max(0.0, min(0.8 * (token.expires_at - now).total_seconds(), MAX_CACHE))


@dataclass(frozen=True, slots=True)
class _Cached:
    token: InstallationToken
    until: float  # time.monotonic()


@dataclass(slots=True)
class TokenCache:
    """Installation tokens by `GitHubApp.cache_key()`; one request at a time per key."""

    entries: dict[str, _Cached] = field(default_factory=dict)
    locks: dict[str, asyncio.Lock] = field(default_factory=dict)

    async def token(self, app: GitHubApp, *, proxy: Proxy | None = None, timeout: float = 60.0) -> InstallationToken:
        """A cached token for `app`, or a new one from GitHub."""
        key = app.cache_key()
        async with self.locks.setdefault(key, asyncio.Lock()):
            cached = self.entries.get(key)
            if cached is not None and time.monotonic() < cached.until:
                return cached.token
            token = await request_token(app, proxy=proxy, timeout=timeout)
            now = time.monotonic()
            self.entries = {k: v for k, v in self.entries.items() if v.until > now}
            self.entries[key] = _Cached(token, now + cache_for(token, datetime.now(UTC)))
            return token


async def github_credentials(
    app: GitHubApp, data: Mapping[str, bytes], cache: TokenCache, *, proxy: Proxy | None, timeout: float
) -> Credentials:
    """Credentials for git: the Secret's TLS settings, with the installation token as the password."""
    token = await cache.token(app, proxy=proxy, timeout=timeout)
    base = credentials_from_secret(data)
    return replace(base, username=ACCESS_TOKEN_USERNAME, password=token.token, bearer_token=None)


def _client_settings(app: GitHubApp, proxy: Proxy | None) -> dict[str, Any]:
    """The request options for GitHub: trusted CAs, the proxy and its credentials.

    The proxy's credentials go on the CONNECT request for an https API, and on the request itself
    (which the proxy receives in the clear) for an http one, as aiohttp's deprecated `proxy_auth` did."""
    settings: dict[str, Any] = {"allow_redirects": False, "headers": {}}
    if app.ca_cert:
        settings["ssl"] = ssl.create_default_context(cadata=app.ca_cert.decode())
    if proxy is not None:
        if proxy.scheme == "socks5":
            raise AuthenticationFailed(
                "unable to ask GitHub for an installation token through a socks5 proxy: the token request "
                "supports http(s) proxies (git itself can use socks5)"
            )
        settings["proxy"] = proxy.address
        if proxy.username:
            credentials = {"Proxy-Authorization": aiohttp.encode_basic_auth(proxy.username, proxy.password or "")}
            settings["proxy_headers" if app.base_url.startswith("https:") else "headers"] = credentials
    return settings


async def _call(
    session: aiohttp.ClientSession, method: str, url: str, jwt: str, settings: Mapping[str, Any]
) -> tuple[int, Any]:
    options = dict(settings)
    headers = {
        "Authorization": f"Bearer {jwt}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        **options.pop("headers"),
    }
    async with session.request(method, url, headers=headers, **options) as response:
        text = await response.text(errors="replace")
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, {"message": text}


def _said(body: Any, secrets: tuple[str, ...]) -> str:
    message = body.get("message") if isinstance(body, dict) else None
    return f": GitHub says '{redact(str(message)[:_SAID], secrets)}'" if message else ""


async def _installation_id(
    session: aiohttp.ClientSession, app: GitHubApp, jwt: str, settings: Mapping[str, Any]
) -> int:
    """The id of the app's installation on `installation_owner`, tried as an organisation, then a user."""
    owner = app.installation_owner or ""
    for kind in ("orgs", "users"):
        url = f"{app.base_url}/{kind}/{quote(owner, safe='')}/installation"
        status, body = await _call(session, "GET", url, jwt, settings)
        if status == 200 and isinstance(body, dict) and isinstance(body.get("id"), int):
            return int(body["id"])
        if status != 404:
            raise _refused(app, status, body, jwt)
    raise AuthenticationFailed(
        f"GitHub App '{app.issuer}' is not installed on the organisation or user '{owner}' at {app.base_url}"
    )


def _refused(app: GitHubApp, status: int, body: Any, jwt: str) -> AuthenticationFailed:
    if status == 401:
        problem = "GitHub refused the app's signed token: check 'githubAppID' and 'githubAppPrivateKey'"
    elif status == 404:
        problem = f"installation {app.installation_id} of the app was not found: check 'githubAppInstallationID'"
    elif status == 407:
        problem = "the proxy refused its credentials: check the proxySecretRef's 'username' and 'password'"
    elif 300 <= status < 400:
        problem = "the API answered with a redirect, which is not followed: set 'githubAppBaseURL' to the final URL"
    else:
        problem = f"GitHub answered HTTP {status}"
    return AuthenticationFailed(
        f"unable to get an installation token for GitHub App '{app.issuer}' from {app.base_url}: "
        f"{problem} (HTTP {status}){_said(body, (jwt,))}"
    )


async def request_token(app: GitHubApp, *, proxy: Proxy | None = None, timeout: float = 60.0) -> InstallationToken:
    """Ask GitHub for a new installation token (`POST /app/installations/{id}/access_tokens`)."""
    jwt = app_jwt(app, time.time())
    settings = _client_settings(app, proxy)
    try:
        # Without a proxySecretRef, the controller's environment may name a proxy (as for git).
        async with asyncio.timeout(timeout), aiohttp.ClientSession(trust_env=proxy is None) as session:
            installation = app.installation_id or await _installation_id(session, app, jwt, settings)
            url = f"{app.base_url}/app/installations/{installation}/access_tokens"
            status, body = await _call(session, "POST", url, jwt, settings)
    except TimeoutError:
        raise AuthenticationFailed(f"unable to reach GitHub at {app.base_url}: no answer within {timeout:g}s") from None
    except aiohttp.ClientHttpProxyError as error:
        raise _refused(app, error.status, {"message": error.message}, jwt) from None
    except aiohttp.ClientError as error:
        said = redact(str(error), (jwt, *(proxy.secrets() if proxy else ())))
        raise AuthenticationFailed(f"unable to reach GitHub at {app.base_url}: {said}") from None
    if status not in (200, 201):
        raise _refused(replace(app, installation_id=installation), status, body, jwt)
    return parse_token(body)

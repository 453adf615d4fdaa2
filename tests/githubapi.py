"""GitHub's installation-token endpoints as GitHub documents them, served on loopback for tests.

`POST /app/installations/{id}/access_tokens`, `GET /orgs/{org}/installation` and
`GET /users/{user}/installation` answer only a request whose `Authorization: Bearer` JWT is RS256,
signed by the app's key (checked with its public key, independently of reflow's signer), issued by
the app (`iss`), already valid (`iat`) and expiring in the future within ten minutes (`exp`).
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

_TOKENS = re.compile(r"/app/installations/(\d+)/access_tokens")
_OWNER = re.compile(r"/(orgs|users)/([^/]+)/installation")


def rsa_key_pem(key: rsa.RSAPrivateKey) -> bytes:
    """The key as GitHub hands it out: PKCS#1 PEM ("BEGIN RSA PRIVATE KEY")."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def claims_of(jwt: str, public_key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The claims of an RS256 JWT whose signature `public_key` verifies; ValueError otherwise."""
    header, payload, signature = jwt.split(".")
    if json.loads(_unb64(header)).get("alg") != "RS256":
        raise ValueError("not RS256")
    try:
        public_key.verify(_unb64(signature), f"{header}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise ValueError("bad signature") from None
    claims: dict[str, Any] = json.loads(_unb64(payload))
    return claims


@dataclass(slots=True, kw_only=True)
class GitHubTokenServer:
    """One GitHub App (`app_id`, `public_key`) installed as `installations` (id → owner login).

    Every token it issues is `token`, expiring `lifetime` seconds after issue; `calls` records each
    request as (method, path), `claims` each accepted JWT's claims, and `accepts` each Accept header.
    """

    app_id: str
    public_key: rsa.RSAPublicKey
    installations: dict[int, str]
    organisations: frozenset[str] = frozenset()
    token: str = field(default_factory=lambda: f"ghs_{secrets.token_urlsafe(27)}")
    lifetime: float = 3600.0
    calls: list[tuple[str, str]] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    accepts: list[str] = field(default_factory=list)

    @property
    def token_requests(self) -> int:
        return sum(method == "POST" and bool(_TOKENS.fullmatch(path)) for method, path in self.calls)

    def _refusal(self, request: web.Request) -> str | None:
        """Why the request's JWT is not accepted, or None."""
        scheme, _, jwt = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer":
            return "A JSON web token could not be decoded"
        try:
            claims = claims_of(jwt, self.public_key)
        except ValueError:
            return "A JSON web token could not be decoded"
        now = time.time()
        if str(claims.get("iss")) != self.app_id:
            return "Integration not found"
        if not (claims["iat"] <= now < claims["exp"] and claims["exp"] - claims["iat"] <= 600):
            return "'Expiration time' claim ('exp') is too far in the future"
        self.claims.append(claims)
        return None

    async def handle(self, request: web.Request) -> web.StreamResponse:
        self.calls.append((request.method, request.path))
        self.accepts.append(request.headers.get("Accept", ""))
        refusal = self._refusal(request)
        if refusal is not None:
            return web.json_response({"message": refusal}, status=401)
        tokens, owner = _TOKENS.fullmatch(request.path), _OWNER.fullmatch(request.path)
        if request.method == "POST" and tokens and int(tokens[1]) in self.installations:
            expires = datetime.now(UTC) + timedelta(seconds=self.lifetime)
            body = {"token": self.token, "expires_at": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), "permissions": {}}
            return web.json_response(body, status=201)
        if request.method == "GET" and owner:
            kind, login = owner[1], owner[2]
            for installation, holder in self.installations.items():
                if holder == login and (kind == "orgs") == (login in self.organisations):
                    return web.json_response({"id": installation, "account": {"login": login}})
        return web.json_response({"message": "Not Found"}, status=404)

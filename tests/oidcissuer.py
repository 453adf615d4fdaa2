"""An OpenID issuer for tests: an RSA key made here, tokens signed with it (also Google-shaped ID tokens, as
Pub/Sub pushes carry), and (on loopback) the discovery document and JWKS a verifier fetches."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import jwt
from aiohttp import web
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.loopback import loopback


@dataclass(slots=True)
class SigningKey:
    """An RSA key with its key id; `jwk` is its public half as a JWK."""

    kid: str = field(default_factory=lambda: secrets.token_hex(4))
    key: rsa.RSAPrivateKey = field(default_factory=lambda: rsa.generate_private_key(public_exponent=65537,
                                                                                    key_size=2048))  # fmt: skip

    @property
    def jwk(self) -> dict[str, Any]:
        public: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}


@dataclass(slots=True)
class LocalIssuer:
    """An issuer URL and its signing keys (the first signs); `served` counts discovery and JWKS requests."""

    url: str = "https://issuer.invalid"
    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey()])
    served: int = 0
    named: str | None = None
    """The issuer the discovery document names, when it should not be `url` (a misconfigured issuer)."""

    @property
    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk for key in self.keys]}

    def token(self, *, key: SigningKey | None = None, lifetime: float = 300, **claims: Any) -> str:
        """A token signed with `key` (the issuer's first by default) for `notification-controller`, valid for
        `lifetime` seconds from now; `claims` add to or replace the defaults."""
        signer = key or self.keys[0]
        now = int(time.time())
        body = {"iss": self.url, "aud": "notification-controller", "sub": "repo:org/app:ref:refs/heads/main",
                "iat": now, "exp": now + int(lifetime), **claims}  # fmt: skip
        return jwt.encode(body, signer.key, algorithm="RS256", headers={"kid": signer.kid})

    def google_token(self, audience: str, email: str, **claims: Any) -> str:
        """A token shaped as Google's ID tokens for a service account (`accounts.google.com`, verified `email`),
        signed with this issuer's key; `claims` (and `key`, `lifetime`) as for `token`."""
        return self.token(**{"iss": "https://accounts.google.com", "aud": audience, "email": email,
                             "email_verified": True, "sub": "1234567890", **claims})  # fmt: skip


@asynccontextmanager
async def served_issuer() -> AsyncIterator[LocalIssuer]:
    """A LocalIssuer whose discovery document and JWKS are served on 127.0.0.1."""
    issuer = LocalIssuer()

    async def handle(request: web.Request) -> web.Response:
        issuer.served += 1
        if request.path == "/.well-known/openid-configuration":
            return web.json_response({"issuer": issuer.named or issuer.url, "jwks_uri": f"{issuer.url}/keys",
                                      "id_token_signing_alg_values_supported": ["RS256"]})  # fmt: skip
        if request.path == "/keys":
            return web.json_response(issuer.jwks)
        return web.Response(status=404)

    async with loopback() as serve:
        port = await serve(handle, "127.0.0.1")
        issuer.url = f"http://127.0.0.1:{port}"
        yield issuer

"""A Docker registry token server on loopback for tests: Basic credentials in, an ES256 JWT bearer token out.

docker-registry configured with `auth.token` sends clients to this realm; the token carries the
requested repository actions and the signing certificate (`x5c`), which the registry checks against
the certificate bundle written next to it. `issued` counts the tokens handed out.
"""

from __future__ import annotations

import base64
import datetime
import json
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from tests.loopback import loopback

ISSUER = "reflow-token-server"
SERVICE = "reflow-registry"
LIFETIME = 300


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass(slots=True, kw_only=True)
class TokenServer:
    """Issues tokens to `username`/`password` (and empty ones to anyone else); `realm` is its token URL."""

    username: str
    password: str
    bundle: Path
    realm: str = ""
    issued: int = 0
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    certificate: x509.Certificate | None = None

    def make_certificate(self) -> None:
        now = datetime.datetime.now(datetime.UTC)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ISSUER)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(self.key, hashes.SHA256())
        )
        self.bundle.write_bytes(self.certificate.public_bytes(serialization.Encoding.PEM))

    def token(self, subject: str, scopes: list[str]) -> str:
        assert self.certificate is not None
        access = []
        for scope in scopes if subject == self.username else []:
            kind, _, rest = scope.partition(":")
            name, _, actions = rest.rpartition(":")
            access.append({"type": kind, "name": name, "actions": actions.split(",")})
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(der).decode()]}
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": subject,
            "aud": SERVICE,
            "exp": now + LIFETIME,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{_b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    async def handle(self, request: web.Request) -> web.Response:
        subject = ""
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            username, _, password = base64.b64decode(header[6:]).decode().partition(":")
            if (username, password) != (self.username, self.password):
                return web.Response(status=401, text="wrong credentials")
            subject = username
        self.issued += 1
        token = self.token(subject, request.query.getall("scope", []))
        return web.json_response({"token": token, "expires_in": LIFETIME})


@asynccontextmanager
async def serve_tokens(directory: Path, username: str) -> AsyncIterator[TokenServer]:
    """A token server on a free loopback port; its certificate is written to `directory/token-ca.pem`."""
    server = TokenServer(username=username, password=secrets.token_urlsafe(16), bundle=directory / "token-ca.pem")
    server.make_certificate()
    async with loopback() as serve:
        server.realm = f"http://127.0.0.1:{await serve(server.handle, '127.0.0.1')}/token"
        yield server

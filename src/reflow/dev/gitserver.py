"""A small git server on loopback: `git http-backend` behind aiohttp, with optional basic/bearer auth and TLS.

`reflow demo` serves its example repository with it, and the tests serve theirs. It binds 127.0.0.1 on a
free port (port 0) and answers every bare repository under its root.
"""

from __future__ import annotations

import asyncio
import base64
import gzip
import os
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from aiohttp import web

GIT_ENV = {"GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "LC_ALL": "C"}
"""git run without the user's or the system's configuration, in the C locale."""

MAX_PUSH = 1 << 30
"""Largest request body accepted, bytes (a push of 1 GiB)."""


class ServerCertificate(Protocol):
    """The PEM files of a server certificate and its key (for HTTPS)."""

    @property
    def server_cert(self) -> Path: ...

    @property
    def server_key(self) -> Path: ...


@dataclass(frozen=True, slots=True)
class Request:
    """One request the HTTP git server answered: method, path, and the protocol v2 command if any."""

    method: str
    path: str
    command: str | None


@dataclass(slots=True, kw_only=True)
class GitHttpServer:
    """`git http-backend` serving every bare repository under `root`; no credentials set means no auth."""

    root: Path
    username: str | None = None
    password: str | None = None
    bearer_token: str | None = None
    scheme: str = "http"
    port: int = 0
    requests: list[Request] = field(default_factory=list)

    def url(self, repository: str) -> str:
        """The clone URL of a repository under the root (`name.git`)."""
        return f"{self.scheme}://127.0.0.1:{self.port}/{repository}"

    def _authorised(self, header: str | None) -> bool:
        if self.username is None and self.bearer_token is None:
            return True
        if header is None:
            return False
        if self.bearer_token is not None and header == f"Bearer {self.bearer_token}":
            return True
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return self.username is not None and header == f"Basic {expected}"

    async def handle(self, request: web.Request) -> web.Response:
        """Answer one smart-HTTP request through `git http-backend` (CGI)."""
        body = await request.read()
        plain = gzip.decompress(body) if request.headers.get("Content-Encoding") == "gzip" else body
        command = next((part.split(b"=", 1)[1].decode() for part in plain.split(b"\n") if b"command=" in part), None)
        self.requests.append(Request(request.method, request.path, command))
        if not self._authorised(request.headers.get("Authorization")):
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="git"'})
        env = {
            "PATH": os.environ.get("PATH", os.defpath),
            **GIT_ENV,
            "GIT_PROJECT_ROOT": str(self.root),
            "GIT_HTTP_EXPORT_ALL": "1",
            "REQUEST_METHOD": request.method,
            "PATH_INFO": request.path,
            "QUERY_STRING": request.query_string,
            "CONTENT_TYPE": request.headers.get("Content-Type", ""),
            "REMOTE_USER": self.username or "anonymous",
            "REMOTE_ADDR": "127.0.0.1",
        }
        if "Content-Encoding" in request.headers:
            env["HTTP_CONTENT_ENCODING"] = request.headers["Content-Encoding"]
        if "Git-Protocol" in request.headers:
            env["GIT_PROTOCOL"] = request.headers["Git-Protocol"]
        process = await asyncio.create_subprocess_exec(
            "git", "http-backend", env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        out, _ = await process.communicate(body)
        status, headers, payload = parse_cgi(out)
        return web.Response(status=status, headers=headers, body=payload)


def parse_cgi(out: bytes) -> tuple[int, dict[str, str], bytes]:
    """A CGI answer's status (200 unless a `Status:` header says otherwise), headers and body."""
    ends = [(index, len(marker)) for marker in (b"\r\n\r\n", b"\n\n") if (index := out.find(marker)) >= 0]
    end, width = min(ends) if ends else (len(out), 0)
    head, payload = out[:end], out[end + width :]
    status, headers = 200, {}
    for line in head.decode().splitlines():
        key, _, value = line.partition(":")
        if key.lower() == "status":
            status = int(value.split()[0])
        elif key:
            headers[key.strip()] = value.strip()
    return status, headers, payload


@asynccontextmanager
async def serve_git_http(server: GitHttpServer, tls: ServerCertificate | None = None) -> AsyncIterator[GitHttpServer]:
    """Serve on 127.0.0.1 at `server.port`, or a free port when 0 (then set on `server.port`), over HTTPS with
    `tls`; stopped on exit. Serving the same server again brings it back on the same port."""
    app = web.Application(client_max_size=MAX_PUSH)
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    context = None
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.server_cert, tls.server_key)
        server.scheme = "https"
    try:
        site = web.TCPSite(runner, "127.0.0.1", server.port, ssl_context=context)
        await site.start()
        server.port = int(runner.addresses[0][1])
        yield server
    finally:
        await runner.cleanup()

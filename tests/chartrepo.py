"""A Helm chart repository on loopback for tests: charts made and indexed by the real helm, served by aiohttp.

The server answers `GET /<file>` from the repository folder, optionally behind basic auth and TLS, and
counts the requests for `index.yaml`.
"""

from __future__ import annotations

import base64
import ssl
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from reflow.dev.gobuild import binary
from tests.gitservers import TLSFiles, run


@dataclass
class ChartRepo:
    """A folder of packaged charts and their `index.yaml`, built with helm."""

    root: Path
    scratch: Path

    def add_chart(self, name: str, version: str, files: Mapping[str, bytes] | None = None) -> None:
        """`helm create` a chart, add `files` to it, `helm package` it at `version` and re-index the repository."""
        chart = self.scratch / version / name
        chart.parent.mkdir(parents=True, exist_ok=True)
        run(binary("helm"), "create", chart)
        for path, data in (files or {}).items():
            (chart / path).write_bytes(data)
        run(binary("helm"), "package", chart, "--version", version, "--destination", self.root)
        run(binary("helm"), "repo", "index", self.root)

    @property
    def index(self) -> bytes:
        return (self.root / "index.yaml").read_bytes()

    def write_index(self, data: bytes) -> None:
        (self.root / "index.yaml").write_bytes(data)


@dataclass
class ChartServer:
    """The address of a serving repository and how often its index was asked for."""

    url: str
    index_requests: int = 0
    requests: list[str] = field(default_factory=list)
    """The file asked for by each request, in order."""
    statuses: list[int] = field(default_factory=list)


def make_repo(root: Path) -> ChartRepo:
    (root / "charts").mkdir(parents=True)
    (root / "scratch").mkdir()
    return ChartRepo(root / "charts", root / "scratch")


@asynccontextmanager
async def serve_repo(
    repo: ChartRepo, *, auth: tuple[str, str] | None = None, tls: TLSFiles | None = None, host: str = "127.0.0.1"
) -> AsyncIterator[ChartServer]:
    """Serve the repository on a free port of `host` until the context ends."""
    server = ChartServer(url="")
    expected = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None

    async def handle(request: web.Request) -> web.StreamResponse:
        name = request.match_info["tail"]
        server.requests.append(name)
        if name == "index.yaml":
            server.index_requests += 1
        if expected is not None and request.headers.get("Authorization") != expected:
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="charts"'})
        path = repo.root / name
        if "/" in name or not path.is_file():
            return web.Response(status=404)
        return web.Response(body=path.read_bytes())

    app = web.Application()
    app.router.add_get("/charts/{tail:.*}", handle)  # under a path, as on most hosts
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    context = None
    if tls is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(tls.server_cert, tls.server_key)
    try:
        await web.TCPSite(runner, host, 0, ssl_context=context).start()
        port = int(runner.addresses[0][1])
        server.url = f"{'https' if tls else 'http'}://{host}:{port}/charts/"
        yield server
    finally:
        await runner.cleanup()

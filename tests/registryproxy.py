"""A reverse proxy on loopback in front of a test registry that records every request it forwards.

It lets a test count what a controller asks a registry for (`HEAD /v2/<repo>/manifests/<tag>`, …)
without mocking anything: requests and answers pass through unchanged, the Host header included, so
the registry's upload locations point back at the proxy.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from tests.loopback import loopback

HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"})


@dataclass(slots=True)
class CountingProxy:
    """Listening at `host`; `requests` holds (method, path with query) of each forwarded request, in order."""

    host: str = ""
    requests: list[tuple[str, str]] = field(default_factory=list)

    def oci_url(self, repository: str) -> str:
        return f"oci://{self.host}/{repository}"


@asynccontextmanager
async def counting_proxy(upstream: str) -> AsyncIterator[CountingProxy]:
    """A proxy forwarding to the plain-HTTP registry at `upstream` (`host:port`)."""
    proxy = CountingProxy()
    session = aiohttp.ClientSession(auto_decompress=False)

    async def forward(request: web.Request) -> web.StreamResponse:
        proxy.requests.append((request.method, request.path_qs))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
        body = await request.read()
        async with session.request(
            request.method, f"http://{upstream}{request.path_qs}", headers=headers, data=body, allow_redirects=False
        ) as answer:
            payload = await answer.read()
            kept = {k: v for k, v in answer.headers.items() if k.lower() not in HOP_BY_HOP}
            response = web.Response(
                status=answer.status, headers=kept, body=payload if request.method != "HEAD" else None
            )
            if request.method == "HEAD" and answer.content_length is not None:
                response.headers["Content-Length"] = str(answer.content_length)
            return response

    try:
        async with loopback() as serve:
            proxy.host = f"127.0.0.1:{await serve(forward, '127.0.0.1')}"
            yield proxy
    finally:
        await session.close()

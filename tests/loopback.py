"""Small aiohttp servers on loopback addresses for tests (127.0.0.2 counts as another host than 127.0.0.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from aiohttp import web

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Serve = Callable[[Handler, str], Awaitable[int]]


@asynccontextmanager
async def loopback() -> AsyncIterator[Serve]:
    """`serve(handler, host)` answers every method and path with `handler` on a free port of `host` and
    returns the port; every server stops when the context ends."""
    runners: list[web.AppRunner] = []

    async def serve(handler: Handler, host: str) -> int:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", handler)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        runners.append(runner)
        await web.TCPSite(runner, host, 0).start()
        return int(runner.addresses[0][1])

    try:
        yield serve
    finally:
        for runner in runners:
            await runner.cleanup()

"""The HTTP endpoints every controller process serves: `/metrics`, and the `/healthz` and `/readyz` probes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from reflow.runtime.metrics import Metrics


def split_address(address: str) -> tuple[str, int]:
    """`:8080` → ("0.0.0.0", 8080); `127.0.0.1:0` → ("127.0.0.1", 0) (0: any free port)."""
    host, _, port = address.rpartition(":")
    return host or "0.0.0.0", int(port)


def metrics_app(metrics: Metrics) -> web.Application:
    """Serves the process's registry in Prometheus's text format."""

    async def handle(_: web.Request) -> web.Response:
        body = generate_latest(metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", handle)
    return app


def probes_app(ready: Callable[[], bool]) -> web.Application:
    """`/healthz` answers while the process runs; `/readyz` once `ready()` says the caches are synced."""

    async def healthz(_: web.Request) -> web.Response:
        return web.Response(text="ok")

    async def readyz(_: web.Request) -> web.Response:
        return web.Response(text="ok") if ready() else web.Response(status=503, text="caches not synced")

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app


@asynccontextmanager
async def serving(app: web.Application, address: str) -> AsyncIterator[int]:
    """Serve the app on the address while inside; yields the bound port (useful when it was 0)."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    host, port = split_address(address)
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
        yield int(runner.addresses[0][1]) if runner.addresses else port
    finally:
        await runner.cleanup()

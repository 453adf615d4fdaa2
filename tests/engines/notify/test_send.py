"""The shared sender against loopback servers: retries with backoff, TLS from the cert Secret, the proxy, and
secrets masked out of every error."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from reflow.engines.notify import DeliveryFailed, Request, Transport, send
from tests.gitservers import TLSFiles
from tests.loopback import Serve, loopback
from tests.proxyserver import ProxyServer

TOKEN = "s3cr3t-token-value"


class Service:
    """A loopback service answering the statuses in `script` in turn (then 200), recording request bodies."""

    def __init__(self, *script: int, echo: str = "") -> None:
        self.script = list(script)
        self.echo = echo
        self.bodies: list[bytes] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.bodies.append(await request.read())
        status = self.script.pop(0) if self.script else 200
        return web.Response(status=status, text=f"refused {self.echo}")


@pytest.fixture
async def serve() -> AsyncIterator[Serve]:
    async with loopback() as start:
        yield start


waits: list[float] = []
"""The backoff delays the sender asked for, in order (the tests skip the waiting itself)."""


async def no_wait(delay: float) -> None:
    waits.append(delay)


def request(url: str) -> Request:
    return Request(url=url, body=b'{"a":1}', headers={"Content-Type": "application/json"})


async def test_server_errors_are_retried_with_doubling_backoff_then_delivered(serve: Serve) -> None:
    service = Service(500, 503, 429)
    port = await serve(service.handle, "127.0.0.1")
    waits.clear()
    assert await send(request(f"http://127.0.0.1:{port}/"), Transport(), sleep=no_wait) == 200
    assert len(service.bodies) == 4
    assert waits == [2.0, 4.0, 8.0]


async def test_a_provider_that_stays_down_fails_after_the_retries_with_the_token_masked(serve: Serve) -> None:
    service = Service(*[500] * 10, echo=f"token={TOKEN}")
    port = await serve(service.handle, "127.0.0.1")
    with pytest.raises(DeliveryFailed) as caught:
        await send(request(f"http://127.0.0.1:{port}/{TOKEN}"), Transport(), secrets=(TOKEN,), sleep=no_wait)
    assert len(service.bodies) == 5
    assert "request failed with status code 500" in str(caught.value)
    assert TOKEN not in str(caught.value)
    assert "*****" in str(caught.value)


async def test_a_client_error_is_not_retried(serve: Serve) -> None:
    service = Service(401)
    port = await serve(service.handle, "127.0.0.1")
    with pytest.raises(DeliveryFailed, match="status code 401"):
        await send(request(f"http://127.0.0.1:{port}/"), Transport(), sleep=no_wait)
    assert len(service.bodies) == 1


async def test_an_unreachable_provider_fails_within_its_timeout() -> None:
    with pytest.raises(DeliveryFailed, match=r"failed to execute request|no answer"):
        await send(request("http://127.0.0.1:9/"), Transport(timeout=2, retries=1), sleep=no_wait)


async def test_tls_is_verified_against_the_ca_of_the_cert_secret(tls_files: TLSFiles) -> None:
    service = Service()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tls_files.server_cert, tls_files.server_key)
    app = web.Application()
    app.router.add_post("/", service.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=context).start()
    port = runner.addresses[0][1]
    try:
        with pytest.raises(DeliveryFailed, match="certificate"):
            await send(request(f"https://127.0.0.1:{port}/"), Transport(retries=0), sleep=no_wait)
        trusted = Transport(ca_pem=tls_files.ca_cert.read_bytes(), retries=0)
        assert await send(request(f"https://127.0.0.1:{port}/"), trusted, sleep=no_wait) == 200
    finally:
        await runner.cleanup()


async def test_the_proxy_of_the_proxy_secret_carries_the_request(serve: Serve, proxy_server: ProxyServer) -> None:
    service = Service()
    port = await serve(service.handle, "127.0.0.1")
    transport = Transport(proxy=proxy_server.address, proxy_auth=(proxy_server.username, proxy_server.password))
    assert await send(request(f"http://127.0.0.1:{port}/"), transport, sleep=no_wait) == 200
    assert proxy_server.forwarded_to(port) >= 1
    wrong = Transport(proxy=proxy_server.address, proxy_auth=(proxy_server.username, "wrong"), retries=0)
    with pytest.raises(DeliveryFailed) as caught:
        await send(request(f"http://127.0.0.1:{port}/"), wrong, secrets=("wrong",), sleep=no_wait)
    assert "wrong" not in str(caught.value)

"""The one sender every provider uses: TLS from the cert Secret, proxy, timeout, retries with backoff, and a
token that never reaches an error message."""

from __future__ import annotations

import asyncio
import ssl
import tempfile
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from reflow.kube.privatefile import write_private

from .nats import PublishFailed, publish
from .target import ProviderError, Request

RETRIES = 4
"""Retries after the first attempt (Flux's notifier client: 4)."""
BACKOFF_MIN = 2.0
BACKOFF_MAX = 30.0
"""Seconds between attempts: doubling from 2 s up to 30 s, as Flux's notifier client."""


class DeliveryFailed(Exception):
    """A notification that could not be delivered; its message has every secret masked."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Transport:
    """How to reach the provider: CA and client certificate, proxy, and time limits."""

    ca_pem: bytes | None = None
    cert_pem: bytes | None = field(default=None, repr=False)
    key_pem: bytes | None = field(default=None, repr=False)
    proxy: str | None = field(default=None, repr=False)
    proxy_auth: tuple[str, str] | None = field(default=None, repr=False)
    timeout: float = 15.0
    """Seconds one delivery may take, all attempts together (the Provider's `timeout`, 15 s by default)."""
    retries: int = RETRIES
    backoff: tuple[float, float] = (BACKOFF_MIN, BACKOFF_MAX)


def tls_context(transport: Transport) -> ssl.SSLContext | None:
    """A client TLS context trusting the CA (and presenting the client certificate) from the cert Secret.

    The client key touches the disk only in a private temporary directory, briefly."""
    if transport.ca_pem is None and transport.cert_pem is None:
        return None
    try:
        context = ssl.create_default_context(cadata=transport.ca_pem.decode("ascii") if transport.ca_pem else None)
    except (ssl.SSLError, UnicodeDecodeError, ValueError) as error:
        raise ProviderError("'ca.crt' holds no usable PEM certificate") from error
    if transport.cert_pem and transport.key_pem:
        with tempfile.TemporaryDirectory(prefix="reflow-notify-") as folder:
            cert = write_private(Path(folder) / "tls.crt", transport.cert_pem)
            key = write_private(Path(folder) / "tls.key", transport.key_pem)
            try:
                context.load_cert_chain(cert, key, password=b"")
            except (ssl.SSLError, ValueError) as error:
                raise ProviderError("'tls.crt' and 'tls.key' are not a matching PEM certificate and key") from error
    return context


def mask(text: str, secrets: tuple[str, ...]) -> str:
    """The text with each non-empty secret replaced by `*****`."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "*****")
    return text


Sleep = Callable[[float], Awaitable[None]]


async def send(
    request: Request,
    transport: Transport,
    *,
    secrets: tuple[str, ...] = (),
    sleep: Sleep = asyncio.sleep,
) -> int:
    """Deliver the request, retrying connection errors and 429/5xx answers with backoff; returns the status.

    Raises DeliveryFailed (secrets masked) when every attempt failed or the service refused the request.
    """
    if request.subject is not None:
        return await _publish(request, transport, secrets)
    status, _ = await call(request, transport, secrets=secrets, sleep=sleep)
    return status


async def call(
    request: Request,
    transport: Transport,
    *,
    secrets: tuple[str, ...] = (),
    sleep: Sleep = asyncio.sleep,
) -> tuple[int, str]:
    """As `send`, for an HTTP request whose answer the provider reads: the status and the body's text."""
    headers = dict(request.headers)
    if request.basic_auth:
        headers["Authorization"] = aiohttp.encode_basic_auth(*request.basic_auth)
    proxy_headers: dict[str, str] = {}
    if transport.proxy and transport.proxy_auth:
        credentials = aiohttp.encode_basic_auth(*transport.proxy_auth)
        # A tunnelled (https) request sends them on CONNECT; a plain one to the proxy with the request.
        (proxy_headers if request.url.startswith("https:") else headers)["Proxy-Authorization"] = credentials
    context = tls_context(transport)
    connector = aiohttp.TCPConnector(ssl=context) if context is not None else aiohttp.TCPConnector()
    wait, ceiling = transport.backoff
    problem = ""
    try:
        async with asyncio.timeout(transport.timeout), aiohttp.ClientSession(connector=connector) as session:
            for attempt in range(transport.retries + 1):
                if attempt:
                    await sleep(min(wait * 2 ** (attempt - 1), ceiling))
                try:
                    status, text = await _attempt(session, request, headers, transport.proxy, proxy_headers)
                except aiohttp.ClientError as err:
                    problem = f"failed to execute request: {err}"
                    continue
                if 200 <= status < 300:
                    return status, text
                problem = f"request failed with status code {status}: {text[:512]}"
                if status != 429 and status < 500:
                    break
    except TimeoutError:
        problem = f"no answer within {transport.timeout:g}s" + (f" (last: {problem})" if problem else "")
    raise DeliveryFailed(mask(f"POST {request.url}: {problem}", secrets))


async def _attempt(
    session: aiohttp.ClientSession,
    request: Request,
    headers: Mapping[str, str],
    proxy: str | None,
    proxy_headers: Mapping[str, str],
) -> tuple[int, str]:
    async with session.request(
        request.method, request.url, data=request.body, headers=headers, proxy=proxy, proxy_headers=proxy_headers
    ) as answer:
        return answer.status, await answer.text(errors="replace")


async def _publish(request: Request, transport: Transport, secrets: tuple[str, ...]) -> int:
    """A NATS publish within the transport's timeout; 200 once the server confirmed it."""
    user, password = request.basic_auth or ("", "")
    try:
        async with asyncio.timeout(transport.timeout):
            await publish(request.url, request.subject or "", request.body, user=user, password=password,
                          token=request.headers.get("token", ""))  # fmt: skip
    except (OSError, PublishFailed, TimeoutError) as err:
        problem = str(err) or f"no answer within {transport.timeout:g}s"
        raise DeliveryFailed(mask(f"NATS publish to {request.subject}: {problem}", secrets)) from None
    return 200

"""A notification target on loopback that records every request it receives, and waits on what it recorded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web

from tests.loopback import loopback


@dataclass(frozen=True, slots=True)
class Received:
    """One request the target received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass(slots=True)
class Recorder:
    """Requests received so far, and the address they were sent to."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    status: int = 200
    """What the target answers (set 500 to play a failing service)."""
    echo: bool = False
    """Answer with the request's headers, as services that echo a bad request do."""
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def until(self, check: Callable[[list[Received]], bool], timeout: float = 60) -> list[Received]:
        """The requests once `check` holds for them; TimeoutError after `timeout` seconds."""
        async with asyncio.timeout(timeout), self.changed:
            await self.changed.wait_for(lambda: check(self.requests))
        return list(self.requests)


@pytest.fixture
async def recorder() -> AsyncIterator[Recorder]:
    """A loopback HTTP server answering every request with `recorder.status` and recording it."""
    record = Recorder()

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        async with record.changed:
            record.requests.append(Received(request.method, request.path_qs, dict(request.headers), body))
            record.changed.notify_all()
        text = json.dumps(dict(request.headers)) if record.echo else "{}"
        return web.Response(status=record.status, text=text)

    async with loopback() as serve:
        port = await serve(handle, "127.0.0.1")
        record.url = f"http://127.0.0.1:{port}"
        yield record

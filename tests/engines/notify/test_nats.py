"""The NATS provider against a loopback server speaking NATS's text protocol, which records what it receives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from reflow.engines.notify import DeliveryFailed, Target, Transport, build, send
from tests.engines.notify.events import finished


@dataclass(slots=True)
class NatsServer:
    """Greets with INFO, records CONNECT options and PUB messages, answers PING; refuses a wrong password."""

    password: str = "nats-pass"
    port: int = 0
    connects: list[dict[str, object]] = field(default_factory=list)
    published: list[tuple[str, bytes]] = field(default_factory=list)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b'INFO {"server_id":"loopback","version":"2.10.0","auth_required":true,"max_payload":1048576}\r\n')
        await writer.drain()
        while line := await reader.readline():
            verb, _, rest = line.strip().partition(b" ")
            if verb == b"CONNECT":
                options = json.loads(rest)
                self.connects.append(options)
                if options.get("pass") != self.password:
                    writer.write(b"-ERR 'Authorization Violation'\r\n")
                    break
            elif verb == b"PUB":
                subject, size = rest.split(b" ")
                payload = await reader.readexactly(int(size) + 2)
                self.published.append((subject.decode(), payload[:-2]))
            elif verb == b"PING":
                writer.write(b"PONG\r\n")
            await writer.drain()
        writer.close()


@pytest.fixture
async def nats_server() -> AsyncIterator[NatsServer]:
    server = NatsServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listener.sockets[0].getsockname()[1]
    async with listener:
        yield server


def target(server: NatsServer, password: str) -> Target:
    return Target(type="nats", address=f"nats://127.0.0.1:{server.port}", channel="flux.events",
                  username="flux", password=password)  # fmt: skip


async def test_the_event_is_published_on_the_subject_with_the_credentials(nats_server: NatsServer) -> None:
    [request] = build(finished(), target(nats_server, "nats-pass"))
    assert await send(request, Transport(timeout=5)) == 200
    [(subject, payload)] = nats_server.published
    assert subject == "flux.events"
    assert json.loads(payload) == finished().body()
    assert (nats_server.connects[0]["user"], nats_server.connects[0]["pass"]) == ("flux", "nats-pass")


async def test_refused_credentials_are_a_delivery_failure_without_the_password(nats_server: NatsServer) -> None:
    [request] = build(finished(), target(nats_server, "wrong-pass"))
    with pytest.raises(DeliveryFailed) as caught:
        await send(request, Transport(timeout=5), secrets=("wrong-pass",))
    assert "Authorization Violation" in str(caught.value)
    assert "wrong-pass" not in str(caught.value)
    assert nats_server.published == []

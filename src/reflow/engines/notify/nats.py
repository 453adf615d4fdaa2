"""Publishing one message to a NATS server: the client side of NATS's text protocol (INFO, CONNECT, PUB, PING)."""

from __future__ import annotations

import asyncio
import json
from urllib.parse import urlsplit

from .target import ProviderError

DEFAULT_PORT = 4222
LINE_LIMIT = 1 << 16


class PublishFailed(Exception):
    """The server refused the connection, the credentials or the message."""


async def publish(
    address: str, subject: str, payload: bytes, *, user: str = "", password: str = "", token: str = ""
) -> None:
    """Connect, authenticate, publish `payload` on `subject` and wait for the server to confirm (PONG)."""
    parts = urlsplit(address)
    if parts.scheme != "nats" or not parts.hostname:
        raise ProviderError(f"invalid NATS address {address!r}: expected nats://<host>[:<port>]")
    if not subject or any(char.isspace() for char in subject):
        raise ProviderError("the NATS subject (spec.channel) must be set and hold no spaces")
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or DEFAULT_PORT, limit=LINE_LIMIT)
    try:
        info = await reader.readline()
        if not info.startswith(b"INFO "):
            raise PublishFailed(f"not a NATS server at {parts.hostname}: {info[:64]!r}")
        options: dict[str, object] = {"verbose": False, "pedantic": False, "name": "reflow notification-controller",
                                      "lang": "python", "version": "1", "protocol": 1}  # fmt: skip
        if token:
            options["auth_token"] = token
        elif user:
            options.update(user=user, **{"pass": password})
        writer.write(b"CONNECT " + json.dumps(options).encode() + b"\r\n")
        writer.write(f"PUB {subject} {len(payload)}\r\n".encode() + payload + b"\r\nPING\r\n")
        await writer.drain()
        while True:
            line = (await reader.readline()).strip()
            if line == b"PONG":
                return
            if line.startswith(b"-ERR") or not line:
                raise PublishFailed(f"NATS server refused the message: {line.decode(errors='replace') or 'closed'}")
            if line == b"PING":
                writer.write(b"PONG\r\n")
    finally:
        writer.close()
        await writer.wait_closed()

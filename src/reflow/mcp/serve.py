"""Serving an MCP server over stdio, or over streamable HTTP on a loopback socket behind a bearer token."""

from __future__ import annotations

import socket
import sys
from typing import Any

import anyio
import uvicorn
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp.server.transport_security import TransportSecuritySettings

from reflow.mcp.auth import bearer_only

PATH = "/mcp"
SERVING = "reflow mcp: serving "
TOKEN = "reflow mcp: bearer token "


def url(host: str, port: int) -> str:
    """The endpoint's URL, IPv6 addresses in brackets."""
    return f"http://{f'[{host}]' if ':' in host else host}:{port}{PATH}"


def _security(host: str) -> TransportSecuritySettings:
    """Only requests addressed to loopback, and only from loopback pages (no DNS rebinding)."""
    hosts = ["127.0.0.1", "localhost", "[::1]", f"[{host}]" if ":" in host else host]
    return TransportSecuritySettings(
        allowed_hosts=[f"{name}:*" for name in hosts],
        allowed_origins=[f"http://{name}:*" for name in hosts],
    )


async def _stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def _http(server: Server[Any], host: str, port: int, token: str, show_token: bool) -> None:
    app = server.streamable_http_app(streamable_http_path=PATH, host=host, transport_security=_security(host))
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    listener.listen(128)  # connections made as soon as the address is printed wait in the backlog, not refused
    http = uvicorn.Server(uvicorn.Config(bearer_only(app, token), log_level="warning", lifespan="on"))
    # Printed once, to the terminal of the person who started the server; never logged.
    lines = [f"{SERVING}{url(host, listener.getsockname()[1])}"] + ([f"{TOKEN}{token}"] if show_token else [])
    print("\n".join(lines), file=sys.stderr, flush=True)
    await http.serve(sockets=[listener])


def serve_stdio(server: Server[Any]) -> None:
    """Answer one client on stdin and stdout until it closes them."""
    anyio.run(_stdio, server)


def serve_http(server: Server[Any], *, host: str, port: int, token: str, show_token: bool) -> None:
    """Answer clients on the streamable HTTP endpoint of a loopback `host` that send `Authorization: Bearer
    <token>`, until interrupted; with `show_token` (a generated one) the token is printed after the URL."""
    anyio.run(_http, server, host, port, token, show_token)

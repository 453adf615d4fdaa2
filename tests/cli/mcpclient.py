"""Driving `reflow mcp` through the MCP SDK's own client: over stdio (a `python -m reflow mcp` child) or over
streamable HTTP (the child listening on a free loopback port, the client sending its bearer token)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from reflow.mcp.serve import SERVING, TOKEN


@dataclass
class Assistant:
    """An MCP client session that keeps every text the server answered, to check none of them leaks a Secret."""

    session: ClientSession
    address: str = ""
    """The endpoint, over HTTP."""
    token: str = ""
    """The bearer token, over HTTP."""
    answers: list[str] = field(default_factory=list)

    async def call(self, tool: str, **arguments: Any) -> tuple[str, bool]:
        """The tool's text and whether it is an error answer."""
        result = await self.session.call_tool(tool, arguments)
        text = "".join(getattr(block, "text", "") for block in result.content)
        self.answers.append(text)
        return text, result.is_error

    async def tools(self) -> set[str]:
        return {tool.name for tool in (await self.session.list_tools()).tools}

    async def resource(self, uri: str) -> str:
        result = await self.session.read_resource(uri)
        text = "".join(getattr(content, "text", "") for content in result.contents)
        self.answers.append(text)
        return text


def _argv(kubeconfig: Path, namespace: str, flags: tuple[str, ...]) -> list[str]:
    return ["-m", "reflow", "mcp", "--kubeconfig", str(kubeconfig), "-n", namespace, *flags]


@contextlib.asynccontextmanager
async def over_stdio(kubeconfig: Path, namespace: str, *flags: str, errlog: Path) -> AsyncIterator[Assistant]:
    """A session with `python -m reflow mcp <flags>` started as the client's child, stderr into `errlog`."""
    # The whole environment, as the HTTP child gets it: $REFLOW_CACHE_DIR names where helm is.
    params = StdioServerParameters(
        command=sys.executable, args=_argv(kubeconfig, namespace, flags), env=dict(os.environ)
    )
    with errlog.open("w") as log:
        async with stdio_client(params, errlog=log) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield Assistant(session)


async def _announced(stream: asyncio.StreamReader, process: asyncio.subprocess.Process, prefix: str) -> str:
    """What follows `prefix` on the first stderr line that has it."""
    line = ""
    while prefix not in line:
        raw = await stream.readline()
        assert raw, f"reflow mcp exited before printing {prefix!r} (code {await process.wait()})"
        line = raw.decode()
    return line.split(prefix, 1)[1].strip()


@contextlib.asynccontextmanager
async def over_http(kubeconfig: Path, namespace: str, *flags: str, token: str = "") -> AsyncIterator[Assistant]:
    """A session over streamable HTTP with `python -m reflow mcp --transport http --port 0 <flags>`, sending the
    token it printed (or `token`, the one of its --token-file)."""
    argv = _argv(kubeconfig, namespace, ("--transport", "http", "--port", "0", *flags))
    process = await asyncio.create_subprocess_exec(sys.executable, *argv, stderr=asyncio.subprocess.PIPE)
    try:
        assert process.stderr is not None
        async with asyncio.timeout(60):
            address = await _announced(process.stderr, process, SERVING)
            token = token or await _announced(process.stderr, process, TOKEN)
        headers = {"Authorization": f"Bearer {token}"}
        timeout = httpx2.Timeout(30, read=300)
        async with (
            httpx2.AsyncClient(headers=headers, timeout=timeout) as http,
            streamable_http_client(address, http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            yield Assistant(session, address, token)
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()

"""The MCP server: the tools it is given, the CRD reference resources, and how a failure becomes an answer the
assistant can read instead of a crash."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.shared.exceptions import MCPError
from mcp_types.jsonrpc import INVALID_PARAMS

from reflow import __version__
from reflow.mcp.reference import MIME, SCHEME, crds, reference, summary, uri
from reflow.mcp.tool import BadArguments, Tool

C = TypeVar("C")

Explain = Callable[[BaseException], "str | None"]
"""The answer to a failure a tool raised (a refusal, a missing object, a bad argument), or None for a bug."""


async def answer(tool: Tool[C], context: C, given: Mapping[str, Any] | None, explain: Explain) -> tuple[str, bool]:
    """The tool's text and whether it failed; a failure `explain` knows is a failed answer with its reason, never
    an exception out of the server."""
    try:
        return await tool.run(context, tool.arguments(given)), False
    except BadArguments as error:
        return str(error), True
    except (Exception, SystemExit) as error:  # SystemExit: the CLI's code stops with a message this way
        text = explain(error)
        if text is None:
            raise
        return text, True


def _listed(tool: Tool[Any]) -> types.Tool:
    return types.Tool(
        name=tool.name,
        description=tool.description,
        input_schema=tool.schema(),
        annotations=types.ToolAnnotations(read_only_hint=not tool.writes, destructive_hint=False),
    )


def make_server(tools: Sequence[Tool[C]], context: C, explain: Explain, *, instructions: str) -> Server[Any]:
    """The low-level MCP server answering with the tools (each run with `context`) and reflow's CRD reference."""
    by_name = {tool.name: tool for tool in tools}

    async def list_tools(
        _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[_listed(tool) for tool in by_name.values()])

    async def call_tool(_ctx: ServerRequestContext[Any], params: types.CallToolRequestParams) -> types.CallToolResult:
        tool = by_name.get(params.name)
        if tool is None:
            text, failed = f"no tool {params.name!r}; the tools are {', '.join(by_name)}", True
        else:
            text, failed = await answer(tool, context, params.arguments, explain)
        return types.CallToolResult(content=[types.TextContent(text=text)], is_error=failed)

    async def list_resources(
        _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListResourcesResult:
        found = [
            types.Resource(uri=uri(kind), name=kind, description=summary(crd), mime_type=MIME)
            for kind, crd in crds().items()
        ]
        return types.ListResourcesResult(resources=found)

    async def read_resource(
        _ctx: ServerRequestContext[Any], params: types.ReadResourceRequestParams
    ) -> types.ReadResourceResult:
        kind = str(params.uri).removeprefix(SCHEME)
        crd = crds().get(kind) if str(params.uri).startswith(SCHEME) else None
        if crd is None:
            raise MCPError(INVALID_PARAMS, f"no resource {params.uri}; the kinds are {', '.join(crds())}")
        text = types.TextResourceContents(uri=str(params.uri), mime_type=MIME, text=reference(crd))
        return types.ReadResourceResult(contents=[text])

    return Server(
        "reflow",
        version=__version__,
        instructions=instructions,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )

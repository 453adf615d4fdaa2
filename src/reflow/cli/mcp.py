"""`reflow mcp`: an MCP server for assistants, over stdio or streamable HTTP on loopback, as the caller's identity."""

from __future__ import annotations

from pathlib import Path

import click

from reflow.cli.console import fail
from reflow.cli.logs import log_file_option
from reflow.cli.loopback import loopback
from reflow.cli.mcptools.reading import READ_TOOLS
from reflow.cli.mcptools.settings import Settings, explain
from reflow.cli.mcptools.writing import WRITE_TOOLS
from reflow.cli.options import GlobalOptions, global_options
from reflow.mcp.auth import TokenFileError, new_token, read_token
from reflow.mcp.tool import Tool

INSTRUCTIONS = (
    "reflow runs Flux's GitOps objects. Read with list_objects, get_object, trace, tree, events and logs; preview "
    "changes with diff_kustomization, diff_helmrelease and build_kustomization. Long answers end with the offset "
    "to call again with. The reference of each Flux kind is the resource reflow://crd/<Kind>."
)


def offered(allow_write: bool) -> tuple[Tool[Settings], ...]:
    """The tools the server lists: the reading ones, and the writing ones only with `--allow-write`."""
    return READ_TOOLS + (WRITE_TOOLS if allow_write else ())


@click.command()
@click.option(
    "--transport",
    type=click.Choice(["stdio", "http"]),
    default="stdio",
    show_default=True,
    help="stdio for an assistant that starts the server; http for streamable HTTP on loopback.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="With --transport http: a loopback address.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8765,
    show_default=True,
    help="With --transport http: the port (0: any free one, printed on stderr).",
)
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --transport http: read the bearer token from this owner-only (0600) file instead of making one.",
)
@click.option("--allow-write", is_flag=True, help="Offer the reconcile, suspend and resume tools too.")
@log_file_option("The logs tool reads this JSON log of a local `reflow controllers` instead of Pods.")
@global_options
def mcp(
    transport: str,
    host: str,
    port: int,
    token_file: Path | None,
    allow_write: bool,
    log_file: Path | None,
    options: GlobalOptions,
) -> None:
    """Serve reflow to AI assistants over the Model Context Protocol.

    The tools list, show, trace, tree, diff and build Flux objects, and read their events and controller
    logs, with the identity of your kubeconfig (nothing more). Reconcile, suspend and resume are offered
    only with --allow-write. Secret values are masked in every answer. Each Flux kind's reference is the
    resource reflow://crd/<Kind>. Over HTTP every request must carry `Authorization: Bearer <token>`: the
    token is made at start and printed once on stderr with the URL, or read from --token-file.

    \b
    Examples:
      reflow mcp                                   # stdio: let the assistant start it
      reflow mcp --transport http --port 8765      # http://127.0.0.1:8765/mcp, token on stderr
      reflow mcp --transport http --token-file ~/.config/reflow/mcp-token
      reflow mcp --allow-write -n apps
    """
    token = ""
    if transport == "http":
        host = loopback(host, "--host")
        try:
            token = read_token(token_file) if token_file is not None else new_token()
        except TokenFileError as error:
            fail(str(error), code=2)
    # The MCP SDK takes a second or more to import: only `reflow mcp` pays for it, not every other command.
    from reflow.mcp.serve import serve_http, serve_stdio
    from reflow.mcp.server import make_server

    server = make_server(offered(allow_write), Settings(options, log_file), explain, instructions=INSTRUCTIONS)
    if transport == "http":
        serve_http(server, host=host, port=port, token=token, show_token=token_file is None)
    else:
        serve_stdio(server)

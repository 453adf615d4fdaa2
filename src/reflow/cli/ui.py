"""`reflow ui`: serve the web UI for the cluster the global flags name."""

from __future__ import annotations

import asyncio

import click

from reflow.cli.console import err, run
from reflow.cli.helmbuild import find_helm
from reflow.cli.loopback import loopback
from reflow.cli.options import GlobalOptions, global_options
from reflow.kube.client import connect
from reflow.ui.identity import AuthMode
from reflow.ui.server import Settings, running


async def _serve(options: GlobalOptions, address: str, settings: Settings, every_namespace: bool) -> None:
    async with (
        connect(options.connection) as kube,
        running(kube, settings, address=address, namespace=None if every_namespace else options.namespace) as port,
    ):
        host = address.rpartition(":")[0]
        err.print(f"► reflow ui serving on http://{host}:{port}/ (Ctrl-C stops it)")
        await asyncio.Event().wait()


@click.command()
@click.option("--port", type=int, default=9000, show_default=True, help="Port to serve on (0: any free port).")
@click.option(
    "--address",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; loopback only with --auth local.",
)
@click.option("--read-only", is_flag=True, help="Show no actions and refuse every action.")
@click.option(
    "--auth",
    type=click.Choice([mode.value for mode in AuthMode]),
    default=AuthMode.LOCAL.value,
    show_default=True,
    help="Whose identity reads and acts: local (the kubeconfig's user), token (the request's bearer token), "
    "proxy (an authenticating proxy's X-Remote-User/X-Remote-Group, impersonated).",
)
@click.option(
    "--watch-all-namespaces",
    type=click.BOOL,
    default=True,
    show_default=True,
    help="Show Flux objects of every namespace; false: only those of --namespace.",
)
@global_options
def ui(port: int, address: str, read_only: bool, auth: str, watch_all_namespaces: bool, options: GlobalOptions) -> None:
    """Serve a web UI of every Flux object, updated live by watches, with reconcile, suspend and resume.

    Locally it acts with your kubeconfig's identity. In a cluster (`--auth token|proxy`) it acts as each viewer,
    so the cluster's RBAC decides what a viewer may see and do.

    \b
    Examples:
      reflow ui
      reflow ui --port 9001 --read-only
      reflow ui --address 0.0.0.0 --auth proxy
    """
    if AuthMode(auth) is AuthMode.LOCAL:  # your kubeconfig's identity, for whoever reaches the port
        address = loopback(address, "--address")
    settings = Settings(auth=AuthMode(auth), read_only=read_only, helm=find_helm())
    run(_serve(options, f"{address}:{port}", settings, watch_all_namespaces))
